/**
 * The architecture catalog of AUCMEDI 0.11.0 (AUCMEDI-CONTRACT.md, checked against
 * `aucmedi/neural_network/architectures/{image,volume}/__init__.py`), and the metalearners and
 * aggregates `--metalearner` accepts (`aucmedi/ensemble/{metalearner,aggregate}/__init__.py`).
 *
 * Parameter counts are rough: 2D from the Keras applications table (with top), 3D estimated for
 * the `classification_models_3D` variants (3D kernels make them larger than their 2D namesakes).
 * Speed hints compare training cost within one dimensionality at the default input size.
 */
import type { ArchitectureFamily, ArchitectureGroup, ArchitectureInfo, Dimensionality, ImportedWeights, SpeedHint } from '../api/aucmedi';

type Entry = [key: string, family: ArchitectureFamily, size: number, params: number, speed: SpeedHint, weights: string | null, description: string];

const KERAS_NOTOP = (name: string) => `${name}_weights_tf_dim_ordering_tf_kernels_notop.h5`;

/** 2D: Keras applications, ImageNet weights in `<KERAS_HOME>/models/<file>`. */
const ENTRIES_2D: Entry[] = [
  ['Vanilla', 'Vanilla', 224, 0.5, 'fast', null, 'A small plain network trained from scratch without pretrained weights, good for a quick first test but rarely the most accurate.'],
  ['ResNet50', 'ResNet', 224, 25.6, 'medium', KERAS_NOTOP('resnet50'), 'A widely used 50-layer residual network and a solid, well-understood general-purpose choice.'],
  ['ResNet101', 'ResNet', 224, 44.7, 'slow', KERAS_NOTOP('resnet101'), 'A deeper 101-layer residual network that can pick up finer patterns but needs more data and time.'],
  ['ResNet152', 'ResNet', 224, 60.4, 'slow', KERAS_NOTOP('resnet152'), 'The deepest classic residual network (152 layers), for large datasets and patient training.'],
  ['ResNet50V2', 'ResNet', 224, 25.6, 'medium', KERAS_NOTOP('resnet50v2'), 'An improved 50-layer residual network that often trains a little more smoothly than the original.'],
  ['ResNet101V2', 'ResNet', 224, 44.7, 'slow', KERAS_NOTOP('resnet101v2'), 'An improved 101-layer residual network for larger datasets.'],
  ['ResNet152V2', 'ResNet', 224, 60.4, 'slow', KERAS_NOTOP('resnet152v2'), 'An improved 152-layer residual network, the largest of its family.'],
  ['DenseNet121', 'DenseNet', 224, 8.1, 'medium', KERAS_NOTOP('densenet121'), "AUCMEDI's default: a compact, densely connected network that does well on medical images."],
  ['DenseNet169', 'DenseNet', 224, 14.3, 'medium', KERAS_NOTOP('densenet169'), 'A deeper densely connected network, a step up from DenseNet121 for larger datasets.'],
  ['DenseNet201', 'DenseNet', 224, 20.2, 'medium', KERAS_NOTOP('densenet201'), 'The largest densely connected network, for larger datasets.'],
  ['EfficientNetB0', 'EfficientNet', 224, 5.3, 'fast', 'efficientnetb0_notop.h5', 'The smallest EfficientNet, accurate for its size and quick to train.'],
  ['EfficientNetB1', 'EfficientNet', 240, 7.9, 'fast', 'efficientnetb1_notop.h5', 'A slightly larger EfficientNet that looks at 240-pixel images.'],
  ['EfficientNetB2', 'EfficientNet', 260, 9.2, 'medium', 'efficientnetb2_notop.h5', 'A mid-sized EfficientNet that looks at 260-pixel images.'],
  ['EfficientNetB3', 'EfficientNet', 300, 12.3, 'medium', 'efficientnetb3_notop.h5', 'A mid-sized EfficientNet that looks at 300-pixel images for finer detail.'],
  ['EfficientNetB4', 'EfficientNet', 380, 19.5, 'slow', 'efficientnetb4_notop.h5', 'A large EfficientNet that looks at 380-pixel images and needs a strong GPU.'],
  ['EfficientNetB5', 'EfficientNet', 456, 30.6, 'slow', 'efficientnetb5_notop.h5', 'A large EfficientNet that looks at 456-pixel images and needs much GPU memory.'],
  ['EfficientNetB6', 'EfficientNet', 528, 43.3, 'slow', 'efficientnetb6_notop.h5', 'A very large EfficientNet that looks at 528-pixel images and needs much GPU memory.'],
  ['EfficientNetB7', 'EfficientNet', 600, 66.7, 'slow', 'efficientnetb7_notop.h5', 'The largest EfficientNet, looking at 600-pixel images, for big datasets and big GPUs.'],
  ['InceptionResNetV2', 'Inception', 299, 55.9, 'slow', 'inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5', 'A large network combining Inception blocks with residual connections, looking at 299-pixel images.'],
  ['InceptionV3', 'Inception', 299, 23.9, 'medium', 'inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5', 'A well-established network that looks at each image at several scales at once, at 299 pixels.'],
  ['MobileNet', 'MobileNet', 224, 4.3, 'fast', 'mobilenet_1_0_224_tf_no_top.h5', 'A very light network made for small computers: fast, with somewhat lower accuracy.'],
  ['MobileNetV2', 'MobileNet', 224, 3.5, 'fast', 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5', 'An improved very light network: fast training even without a strong GPU.'],
  ['NASNetMobile', 'NASNet', 224, 5.3, 'fast', 'nasnet_mobile_no_top.h5', 'A light network whose design was found by automated search.'],
  ['NASNetLarge', 'NASNet', 331, 88.9, 'slow', 'nasnet_large_no_top.h5', 'A very large automatically designed network looking at 331-pixel images; slow and memory-hungry.'],
  ['VGG16', 'VGG', 224, 138.4, 'slow', KERAS_NOTOP('vgg16'), 'A classic, simple 16-layer network; large and slow for the accuracy it gives.'],
  ['VGG19', 'VGG', 224, 143.7, 'slow', KERAS_NOTOP('vgg19'), 'A classic, simple 19-layer network; large and slow for the accuracy it gives.'],
  ['Xception', 'Xception', 299, 22.9, 'slow', KERAS_NOTOP('xception'), 'An efficient refinement of Inception that looks at 299-pixel images.'],
  ['ConvNeXtTiny', 'ConvNeXt', 224, 28.6, 'medium', 'convnext_tiny_notop.h5', 'The smallest ConvNeXt, a modern network design with strong accuracy.'],
  ['ConvNeXtSmall', 'ConvNeXt', 224, 50.2, 'slow', 'convnext_small_notop.h5', 'A mid-sized modern ConvNeXt network for larger datasets.'],
  ['ConvNeXtBase', 'ConvNeXt', 224, 88.5, 'slow', 'convnext_base_notop.h5', 'A large modern ConvNeXt network that needs a strong GPU.'],
  ['ConvNeXtLarge', 'ConvNeXt', 224, 197.7, 'slow', 'convnext_large_notop.h5', 'The largest ConvNeXt network, for big datasets and big GPUs.'],
];

type Entry3D = [key: string, family: ArchitectureFamily, params: number, speed: SpeedHint, description: string];

/** 3D: `classification_models_3D`; input shape from `--shape_3D`. */
const ENTRIES_3D: Entry3D[] = [
  ['Vanilla', 'Vanilla', 1.3, 'fast', 'A small plain 3D network trained from scratch without pretrained weights, good for a quick first test.'],
  ['DenseNet121', 'DenseNet', 11.2, 'medium', 'A compact, densely connected 3D network that does well on medical volumes.'],
  ['DenseNet169', 'DenseNet', 18.6, 'medium', 'A deeper densely connected 3D network for larger datasets.'],
  ['DenseNet201', 'DenseNet', 25.3, 'slow', 'The largest densely connected 3D network, for larger datasets.'],
  ['ResNet18', 'ResNet', 33.2, 'medium', 'A shallow 18-layer residual 3D network, a good first choice for volumes.'],
  ['ResNet34', 'ResNet', 63.5, 'medium', 'A 34-layer residual 3D network, a step up from ResNet18.'],
  ['ResNet50', 'ResNet', 46.2, 'medium', 'A widely used 50-layer residual 3D network.'],
  ['ResNet101', 'ResNet', 85.3, 'slow', 'A deep 101-layer residual 3D network that needs much GPU memory.'],
  ['ResNet152', 'ResNet', 117.4, 'slow', 'The deepest residual 3D network (152 layers), for big datasets and big GPUs.'],
  ['ResNeXt50', 'ResNeXt', 24.8, 'medium', 'A 50-layer residual 3D network with grouped convolutions, accurate for its size.'],
  ['ResNeXt101', 'ResNeXt', 46.2, 'slow', 'A deep 101-layer ResNeXt 3D network for larger datasets.'],
  ['MobileNet', 'MobileNet', 9.6, 'fast', 'A very light 3D network: fast, with somewhat lower accuracy.'],
  ['MobileNetV2', 'MobileNet', 6.1, 'fast', 'An improved very light 3D network: fast training even without a strong GPU.'],
  ['VGG16', 'VGG', 44.0, 'slow', 'A classic, simple 16-layer 3D network; large and slow for the accuracy it gives.'],
  ['VGG19', 'VGG', 60.0, 'slow', 'A classic, simple 19-layer 3D network; large and slow for the accuracy it gives.'],
  ['ConvNeXtTiny', 'ConvNeXt', 33.0, 'medium', 'The smallest 3D ConvNeXt, a modern network design.'],
  ['ConvNeXtSmall', 'ConvNeXt', 55.0, 'slow', 'A mid-sized modern 3D ConvNeXt network for larger datasets.'],
  ['ConvNeXtBase', 'ConvNeXt', 97.0, 'slow', 'A large modern 3D ConvNeXt network that needs a strong GPU.'],
  ['ConvNeXtLarge', 'ConvNeXt', 215.0, 'slow', 'The largest 3D ConvNeXt network, for big datasets and big GPUs.'],
];

/**
 * How a 3D architecture's weights file may be named: `classification_models_3D` uses
 * `<model>_inp_channel_3_tch_0_top_False.h5` (e.g. `densenet121_...`); ConvNeXt is also accepted
 * with an underscore (`convnext_tiny...`), as its own naming is not part of the contract.
 */
export function importedWeights3D(key: string): ImportedWeights {
  const lower = key.toLowerCase();
  const prefixes = [lower];
  const convnext = /^convnext(tiny|small|base|large)$/.exec(lower);
  if (convnext) prefixes.push(`convnext_${convnext[1]}`);
  return { anyFilePrefix: prefixes, exampleFile: `${lower}_inp_channel_3_tch_0_top_False.h5` };
}

export const ARCHITECTURES_2D: readonly ArchitectureInfo[] = ENTRIES_2D.map(([key, family, size, params, speed, weights, description]) => ({
  key,
  dimensionality: '2D',
  family,
  inputSize: [size, size],
  parametersMillions: params,
  speedHint: speed,
  weightsFile: weights,
  description,
}));

export const ARCHITECTURES_3D: readonly ArchitectureInfo[] = ENTRIES_3D.map(([key, family, params, speed, description]) => ({
  key,
  dimensionality: '3D',
  family,
  inputSize: 'shape3D',
  parametersMillions: params,
  speedHint: speed,
  weightsFile: key === 'Vanilla' ? null : importedWeights3D(key),
  description,
}));

/** Every architecture, 2D then 3D. */
export const ARCHITECTURES: readonly ArchitectureInfo[] = [...ARCHITECTURES_2D, ...ARCHITECTURES_3D];

/** AUCMEDI's default architecture (`--architecture`). */
export const DEFAULT_ARCHITECTURE = 'DenseNet121';

/** The catalog of one dimensionality, in AUCMEDI's order. Returns copies: callers may change them. */
export function architecturesFor(dimensionality: Dimensionality): ArchitectureInfo[] {
  return (dimensionality === '2D' ? ARCHITECTURES_2D : ARCHITECTURES_3D).map(cloneInfo);
}

/** The entry for an exact (case-sensitive, as AUCMEDI) key, or undefined. */
export function findArchitecture(key: string, dimensionality: Dimensionality): ArchitectureInfo | undefined {
  const found = (dimensionality === '2D' ? ARCHITECTURES_2D : ARCHITECTURES_3D).find((a) => a.key === key);
  return found ? cloneInfo(found) : undefined;
}

/** A key that differs from a real one only in case or punctuation (`densenet-121` -> `DenseNet121`). */
export function suggestArchitecture(key: string, dimensionality: Dimensionality): string | undefined {
  const wanted = normalise(key);
  return (dimensionality === '2D' ? ARCHITECTURES_2D : ARCHITECTURES_3D).find((a) => normalise(a.key) === wanted)?.key;
}

/** Groups by family, families in the order they first appear in `list`, entries in list order. */
export function groupByFamily(list: readonly ArchitectureInfo[]): ArchitectureGroup[] {
  const groups: ArchitectureGroup[] = [];
  for (const info of list) {
    let group = groups.find((g) => g.family === info.family);
    if (!group) {
      group = { family: info.family, architectures: [] };
      groups.push(group);
    }
    group.architectures.push(info);
  }
  return groups;
}

/**
 * Filters `list` by a free-text query: every word must match the key, family, speed hint or
 * description (case, spaces and dashes ignored, so `efficientnet b3` finds EfficientNetB3).
 * Results are ranked: exact key, key prefix, key contains, then the rest; ties keep list order.
 * An empty query returns the list unchanged.
 */
export function searchArchitectures(query: string, list: readonly ArchitectureInfo[]): ArchitectureInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...list];
  const whole = normalise(query);
  const scored: { info: ArchitectureInfo; rank: number; index: number }[] = [];
  list.forEach((info, index) => {
    const key = normalise(info.key);
    const names = `${key} ${normalise(info.family)}`;
    const text = ` ${info.speedHint} ${info.description.toLowerCase()}`;
    // A word matches inside a key or family, or at the start of a word of the description.
    const all = words.every((w) => (normalise(w) !== '' && names.includes(normalise(w))) || new RegExp(`\\b${escapeRegExp(w)}`).test(text));
    const keyMatch = key.includes(whole);
    if (!all && !keyMatch) return;
    const rank = key === whole ? 0 : key.startsWith(whole) ? 1 : keyMatch ? 2 : normalise(info.family).includes(whole) ? 3 : 4;
    scored.push({ info, rank, index });
  });
  return scored.sort((a, b) => a.rank - b.rank || a.index - b.index).map((s) => s.info);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function cloneInfo(info: ArchitectureInfo): ArchitectureInfo {
  return {
    ...info,
    inputSize: Array.isArray(info.inputSize) ? [info.inputSize[0], info.inputSize[1]] : info.inputSize,
    weightsFile:
      info.weightsFile !== null && typeof info.weightsFile === 'object'
        ? { anyFilePrefix: [...info.weightsFile.anyFilePrefix], exampleFile: info.weightsFile.exampleFile }
        : info.weightsFile,
  };
}

// ---------------------------------------------------------------------------------------------
// Metalearners (`--metalearner`, advanced analysis only)
// ---------------------------------------------------------------------------------------------

/**
 * Aggregate functions (`aucmedi.ensemble.aggregate.aggregate_dict`): fixed rules that combine the
 * models' predictions; nothing is fitted, all training data go to the models' folds.
 */
export const AGGREGATE_METALEARNERS = ['mean', 'median', 'majority_vote', 'softmax', 'global_argmax'] as const;

/**
 * Trained metalearners (`aucmedi.ensemble.metalearner.metalearner_dict`): fitted on a 15% hold-out
 * of the training data after the models, stored as `metalearner.model.pickle`.
 */
export const TRAINED_METALEARNERS = [
  'logistic_regression',
  'naive_bayes',
  'support_vector_machine',
  'gaussian_process',
  'decision_tree',
  'best_model',
  'weighted_mean',
  'random_forest',
  'k_neighbors',
  'mlp',
] as const;

/** Everything `--metalearner` accepts, the default (`mean`) first. */
export const METALEARNERS: readonly string[] = [...AGGREGATE_METALEARNERS, ...TRAINED_METALEARNERS];

/** What AUCMEDI's training allows for multi-label (one-hot) data (`block_train.py`). */
export const MULTILABEL_METALEARNERS: readonly string[] = ['mlp', 'k_neighbors', 'random_forest', 'weighted_mean', 'best_model', 'decision_tree', 'mean', 'median'];

export const DEFAULT_METALEARNER = 'mean';

export function isTrainedMetalearner(key: string): boolean {
  return (TRAINED_METALEARNERS as readonly string[]).includes(key);
}

export function isAggregateMetalearner(key: string): boolean {
  return (AGGREGATE_METALEARNERS as readonly string[]).includes(key);
}

/** One plain sentence per metalearner, for the window. */
export const METALEARNER_DESCRIPTIONS: Readonly<Record<string, string>> = {
  mean: 'Averages the probabilities of all models (the default).',
  median: 'Takes the median probability of all models, which resists one model being far off.',
  majority_vote: 'Each model votes for its most likely class; the share of votes becomes the probability.',
  softmax: 'Adds up the models\u2019 probabilities and rescales them with a softmax.',
  global_argmax: 'Per image, trusts the model that is most confident.',
  logistic_regression: 'Learns how to combine the models with a logistic regression on held-out images.',
  naive_bayes: 'Learns how to combine the models with a naive Bayes classifier on held-out images.',
  support_vector_machine: 'Learns how to combine the models with a support vector machine on held-out images.',
  gaussian_process: 'Learns how to combine the models with a Gaussian process on held-out images.',
  decision_tree: 'Learns how to combine the models with a decision tree on held-out images.',
  best_model: 'Uses only the model that did best on held-out images.',
  weighted_mean: 'Averages the models, weighting each by how well it did on held-out images.',
  random_forest: 'Learns how to combine the models with a random forest on held-out images.',
  k_neighbors: 'Learns how to combine the models with a nearest-neighbours classifier on held-out images.',
  mlp: 'Learns how to combine the models with a small neural network on held-out images.',
};
