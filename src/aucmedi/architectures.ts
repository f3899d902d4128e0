/**
 * The architecture catalog of AUCMEDI 0.11.0 (AUCMEDI-CONTRACT.md, checked against
 * `aucmedi/neural_network/architectures/{image,volume}/__init__.py`), and the metalearners and
 * aggregates `--metalearner` accepts (`aucmedi/ensemble/{metalearner,aggregate}/__init__.py`).
 *
 * Parameter counts are rough: 2D from the Keras applications table (with top), 3D estimated for
 * the `classification_models_3D` variants (3D kernels make them larger than their 2D namesakes).
 * Speed hints compare training cost within one dimensionality at the default input size.
 */
import type { ArchitectureFamily, ArchitectureGroup, ArchitectureInfo, Dimensionality, SpeedHint, WeightsHash, WeightsHashTable } from '../api/aucmedi';
import { msg } from '../i18n/message';

type Entry = [key: string, family: ArchitectureFamily, size: number, params: number, speed: SpeedHint, weights: string | null, description: string];

const KERAS_NOTOP = (name: string) => `${name}_weights_tf_dim_ordering_tf_kernels_notop.h5`;

/** 2D: Keras applications, ImageNet weights in `<cache>/models/<file>` (see `src/aucmedi/weights.ts`). */
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

const md5 = (value: string): WeightsHash => ({ algorithm: 'md5', value });
const sha256 = (value: string): WeightsHash => ({ algorithm: 'sha256', value });

/**
 * The `file_hash` each Keras application passes to `get_file` for its no-top ImageNet file, read
 * in tf-keras v2.15.0 `tf_keras/applications/<module>.py` (the Keras 2 of TensorFlow 2.15, which
 * AUCMEDI 0.11.0's requirements pin). Keras 3 (`keras/src/applications/<module>.py`, checked at
 * keras-team/keras 3422977a) uses the same file names and hashes, so both generations agree.
 * `mobilenet.py` and `mobilenet_v2.py` pass no hash: Keras uses any file of that name.
 */
const KERAS_2D_HASHES: Readonly<Record<string, WeightsHash | null>> = {
  // resnet.py WEIGHTS_HASHES[...][1] (resnet_v2.py builds on resnet.py)
  ResNet50: md5('4d473c1dd8becc155b73f8504c6f6626'),
  ResNet101: md5('88cf7a10940856eca736dc7b7e228a21'),
  ResNet152: md5('ee4c566cf9a93f14d82f913c2dc6dd0c'),
  ResNet50V2: md5('fac2f116257151a9d068a22e544a4917'),
  ResNet101V2: md5('c0ed64b8031c3730f411d2eb4eea35b5'),
  ResNet152V2: md5('ed17cf2e0169df9d443503ef94b23b33'),
  // densenet.py
  DenseNet121: md5('30ee3e1110167f948a6b9946edeeb738'),
  DenseNet169: md5('b8c4d4c20dd625c148057b9ff1c1176b'),
  DenseNet201: md5('c13680b51ded0fb44dff2d8f86ac8bb1'),
  // efficientnet.py WEIGHTS_HASHES[...][1]
  EfficientNetB0: md5('50bc09e76180e00e4465e1a485ddc09d'),
  EfficientNetB1: md5('74c4e6b3e1f6a1eea24c589628592432'),
  EfficientNetB2: md5('111f8e2ac8aa800a7a99e3239f7bfb39'),
  EfficientNetB3: md5('af6d107764bb5b1abb91932881670226'),
  EfficientNetB4: md5('ebc24e6d6c33eaebbd558eafbeedf1ba'),
  EfficientNetB5: md5('38879255a25d3c92d5e44e04ae6cec6f'),
  EfficientNetB6: md5('9ecce42647a20130c1f39a5d4cb75743'),
  EfficientNetB7: md5('cbcfe4450ddf6f3ad90b1b398090fe4a'),
  // inception_resnet_v2.py, inception_v3.py
  InceptionResNetV2: md5('d19885ff4a710c122648d3b5c3b684e4'),
  InceptionV3: md5('bcbd6486424b2319ff4ef7d526e38f63'),
  // mobilenet.py, mobilenet_v2.py: no file_hash
  MobileNet: null,
  MobileNetV2: null,
  // nasnet.py
  NASNetMobile: md5('1ed92395b5b598bdda52abe5c0dbfd63'),
  NASNetLarge: md5('d81d89dc07e6e56530c4e77faddd61b5'),
  // vgg16.py, vgg19.py, xception.py
  VGG16: md5('6d6bbae143d832006294945121d1f1fc'),
  VGG19: md5('253f8cb515780f3b799900260a226db6'),
  Xception: md5('b0042744bf5b25fce3cb969f33bebb97'),
  // convnext.py WEIGHTS_HASHES[...][1]: SHA-256
  ConvNeXtTiny: sha256('d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1'),
  ConvNeXtSmall: sha256('6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab'),
  ConvNeXtBase: sha256('40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45'),
  ConvNeXtLarge: sha256('96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd'),
};

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
 * 3D weights: `classification_models_3D` 1.0.10 (the release AUCMEDI 0.11.0's requirements pin),
 * `classification_models_3D/weights.py` WEIGHTS_COLLECTION, the `include_top: False` ImageNet
 * entries: `get_file(name, url, cache_subdir='models', md5_hash=md5)` with the exact name
 * `<model>_inp_channel_3_tch_0_top_False.h5`, `<model>` the name AUCMEDI passes to
 * `Classifiers.get` (`aucmedi/neural_network/architectures/volume/*.py`).
 */
const CM3D_WEIGHTS: Readonly<Record<string, [model: string, md5: string]>> = {
  DenseNet121: ['densenet121', '1787a6780f62f338d481c460205443cd'],
  DenseNet169: ['densenet169', '757a04f7ba7e473188bbbc6035f27193'],
  DenseNet201: ['densenet201', '3ff42d034c530cb48f53576bfc68d06d'],
  ResNet18: ['resnet18', '1d04dd6c1f00b7bf4ba883c61bedeac8'],
  ResNet34: ['resnet34', 'b7f3bcdc67c8614ba018c9fc5f75fc64'],
  ResNet50: ['resnet50', '2ba65fa189439a493ea8d1b22439ea2a'],
  ResNet101: ['resnet101', 'fead4c03863fce1037fc35938b00ee56'],
  ResNet152: ['resnet152', '4746b59c632b2e2d02d4abbceed605a7'],
  ResNeXt50: ['resnext50', '70c1759765a44a242ea3e8fe2161eb15'],
  ResNeXt101: ['resnext101', 'ca22ebb2456f2d05deddf0ab347e7782'],
  MobileNet: ['mobilenet', '88915a4dcfde7a1f223f6bc172078c7b'],
  MobileNetV2: ['mobilenetv2', '71cbf6db03cbf59930abc61e727cfa37'],
  VGG16: ['vgg16', '240d399c45ed038a5a7b026d750ceb2b'],
  VGG19: ['vgg19', 'e081e19678fc76926a9f6ae93cd3d068'],
  ConvNeXtTiny: ['convnext_tiny', '59c10a59d579c9c80b15bfa15338c5eb'],
  ConvNeXtSmall: ['convnext_small', '00493a929302889d846f17a1bfdc0e42'],
  ConvNeXtBase: ['convnext_base', 'c5d2585da9d3f3a6d7443cb19e5cea44'],
  ConvNeXtLarge: ['convnext_large', 'e622f26fcbac66cd3d71cdf1a2a785ff'],
};

/** The file `classification_models_3D` looks for, or null for Vanilla. */
export function weightsFile3D(key: string): string | null {
  const entry = CM3D_WEIGHTS[key];
  return entry ? `${entry[0]}_inp_channel_3_tch_0_top_False.h5` : null;
}

export const ARCHITECTURES_2D: readonly ArchitectureInfo[] = ENTRIES_2D.map(([key, family, size, params, speed, weights, description]) => ({
  key,
  dimensionality: '2D',
  family,
  inputSize: [size, size],
  parametersMillions: params,
  speedHint: speed,
  weightsFile: weights,
  weightsHash: weights === null ? null : (KERAS_2D_HASHES[key] ?? null),
  // `description` stays English (search, CLI, tests); the catalog holds the same sentence in each language.
  description,
  i18n: { description: msg(`training:architectureText.d2.${key}`) },
}));

export const ARCHITECTURES_3D: readonly ArchitectureInfo[] = ENTRIES_3D.map(([key, family, params, speed, description]) => ({
  key,
  dimensionality: '3D',
  family,
  inputSize: 'shape3D',
  parametersMillions: params,
  speedHint: speed,
  weightsFile: weightsFile3D(key),
  weightsHash: CM3D_WEIGHTS[key] ? md5(CM3D_WEIGHTS[key][1]) : null,
  description,
  i18n: { description: msg(`training:architectureText.d3.${key}`) },
}));

/** Every architecture, 2D then 3D. */
export const ARCHITECTURES: readonly ArchitectureInfo[] = [...ARCHITECTURES_2D, ...ARCHITECTURES_3D];

/** File name -> the hash Keras checks, for every weights file of the catalog: the default table. */
export const KERAS_WEIGHTS_HASHES: WeightsHashTable = Object.fromEntries(
  ARCHITECTURES.filter((a) => a.weightsFile !== null).map((a) => [a.weightsFile!, a.weightsHash ? { ...a.weightsHash } : null]),
);

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
    weightsHash: info.weightsHash ? { ...info.weightsHash } : null,
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
