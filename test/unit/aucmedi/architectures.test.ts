import { describe, expect, it } from 'vitest';
import type { ArchitectureInfo } from '../../../src/api/aucmedi';
import {
  AGGREGATE_METALEARNERS,
  ARCHITECTURES,
  ARCHITECTURES_2D,
  ARCHITECTURES_3D,
  architecturesFor,
  DEFAULT_ARCHITECTURE,
  DEFAULT_METALEARNER,
  findArchitecture,
  groupByFamily,
  isAggregateMetalearner,
  isTrainedMetalearner,
  METALEARNER_DESCRIPTIONS,
  METALEARNERS,
  MULTILABEL_METALEARNERS,
  searchArchitectures,
  suggestArchitecture,
  TRAINED_METALEARNERS,
} from '../../../src/aucmedi/architectures';

/** AUCMEDI-CONTRACT.md, "Architectures (AUCMEDI 0.11.0)", in its order. */
const CONTRACT_2D = [
  'Vanilla', 'ResNet50', 'ResNet101', 'ResNet152', 'ResNet50V2', 'ResNet101V2', 'ResNet152V2', 'DenseNet121',
  'DenseNet169', 'DenseNet201', 'EfficientNetB0', 'EfficientNetB1', 'EfficientNetB2', 'EfficientNetB3',
  'EfficientNetB4', 'EfficientNetB5', 'EfficientNetB6', 'EfficientNetB7', 'InceptionResNetV2', 'InceptionV3',
  'MobileNet', 'MobileNetV2', 'NASNetMobile', 'NASNetLarge', 'VGG16', 'VGG19', 'Xception', 'ConvNeXtTiny',
  'ConvNeXtSmall', 'ConvNeXtBase', 'ConvNeXtLarge',
];
const CONTRACT_3D = [
  'Vanilla', 'DenseNet121', 'DenseNet169', 'DenseNet201', 'ResNet18', 'ResNet34', 'ResNet50', 'ResNet101',
  'ResNet152', 'ResNeXt50', 'ResNeXt101', 'MobileNet', 'MobileNetV2', 'VGG16', 'VGG19', 'ConvNeXtTiny',
  'ConvNeXtSmall', 'ConvNeXtBase', 'ConvNeXtLarge',
];

/** Input sizes the contract gives in brackets; every other 2D model takes 224x224. */
const CONTRACT_INPUT = { EfficientNetB1: 240, EfficientNetB2: 260, EfficientNetB3: 300, EfficientNetB4: 380, EfficientNetB5: 456, EfficientNetB6: 528, EfficientNetB7: 600, InceptionResNetV2: 299, InceptionV3: 299, NASNetLarge: 331, Xception: 299 } as Record<string, number>;

/** The contract's table of Keras file names in `models/` (169/201, 101/152, ... "alike"). */
const CONTRACT_WEIGHTS: Record<string, string | null> = {
  Vanilla: null,
  DenseNet121: 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5',
  DenseNet169: 'densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5',
  DenseNet201: 'densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5',
  ResNet50: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5',
  ResNet101: 'resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5',
  ResNet152: 'resnet152_weights_tf_dim_ordering_tf_kernels_notop.h5',
  ResNet50V2: 'resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5',
  ResNet101V2: 'resnet101v2_weights_tf_dim_ordering_tf_kernels_notop.h5',
  ResNet152V2: 'resnet152v2_weights_tf_dim_ordering_tf_kernels_notop.h5',
  EfficientNetB0: 'efficientnetb0_notop.h5',
  EfficientNetB1: 'efficientnetb1_notop.h5',
  EfficientNetB2: 'efficientnetb2_notop.h5',
  EfficientNetB3: 'efficientnetb3_notop.h5',
  EfficientNetB4: 'efficientnetb4_notop.h5',
  EfficientNetB5: 'efficientnetb5_notop.h5',
  EfficientNetB6: 'efficientnetb6_notop.h5',
  EfficientNetB7: 'efficientnetb7_notop.h5',
  ConvNeXtTiny: 'convnext_tiny_notop.h5',
  ConvNeXtSmall: 'convnext_small_notop.h5',
  ConvNeXtBase: 'convnext_base_notop.h5',
  ConvNeXtLarge: 'convnext_large_notop.h5',
  InceptionV3: 'inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5',
  InceptionResNetV2: 'inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5',
  Xception: 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5',
  VGG16: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
  VGG19: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
  MobileNet: 'mobilenet_1_0_224_tf_no_top.h5',
  MobileNetV2: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5',
  NASNetMobile: 'nasnet_mobile_no_top.h5',
  NASNetLarge: 'nasnet_large_no_top.h5',
};

const keys = (list: readonly ArchitectureInfo[]) => list.map((a) => a.key);

describe('the catalog against the contract', () => {
  it('lists exactly the 31 2D and 19 3D architectures of AUCMEDI 0.11.0, in its order', () => {
    expect(CONTRACT_2D).toHaveLength(31);
    expect(CONTRACT_3D).toHaveLength(19);
    expect(keys(ARCHITECTURES_2D)).toEqual(CONTRACT_2D);
    expect(keys(ARCHITECTURES_3D)).toEqual(CONTRACT_3D);
    expect(keys(architecturesFor('2D'))).toEqual(CONTRACT_2D);
    expect(keys(architecturesFor('3D'))).toEqual(CONTRACT_3D);
    expect(ARCHITECTURES).toHaveLength(50);
    expect(ARCHITECTURES_2D.every((a) => a.dimensionality === '2D')).toBe(true);
    expect(ARCHITECTURES_3D.every((a) => a.dimensionality === '3D')).toBe(true);
  });

  it('leaves out the disabled ViT variants and the 2D ResNeXt of older releases', () => {
    for (const key of ['ViT_B16', 'ViT_B32', 'ViT_L16', 'ViT_L32', 'ResNeXt50', 'ResNeXt101']) expect(findArchitecture(key, '2D')).toBeUndefined();
  });

  it('gives the contract input sizes for 2D and the run shape for 3D', () => {
    for (const a of ARCHITECTURES_2D) {
      const side = CONTRACT_INPUT[a.key] ?? 224;
      expect(a.inputSize, a.key).toEqual([side, side]);
    }
    for (const a of ARCHITECTURES_3D) expect(a.inputSize, a.key).toBe('shape3D');
  });

  it('names the Keras weights file of the contract table for every 2D architecture', () => {
    expect(Object.keys(CONTRACT_WEIGHTS).sort()).toEqual([...CONTRACT_2D].sort());
    for (const a of ARCHITECTURES_2D) expect(a.weightsFile, a.key).toBe(CONTRACT_WEIGHTS[a.key]);
  });

  it('names the exact classification_models_3D file for 3D (weights.py of 1.0.10), and Vanilla as needing none', () => {
    expect(findArchitecture('Vanilla', '3D')!.weightsFile).toBeNull();
    expect(findArchitecture('Vanilla', '3D')!.weightsHash).toBeNull();
    expect(findArchitecture('DenseNet121', '3D')!.weightsFile).toBe('densenet121_inp_channel_3_tch_0_top_False.h5');
    expect(findArchitecture('ConvNeXtTiny', '3D')!.weightsFile).toBe('convnext_tiny_inp_channel_3_tch_0_top_False.h5');
    expect(findArchitecture('MobileNetV2', '3D')!.weightsFile).toBe('mobilenetv2_inp_channel_3_tch_0_top_False.h5');
    for (const a of ARCHITECTURES_3D.filter((x) => x.key !== 'Vanilla')) {
      expect(a.weightsFile, a.key).toMatch(/^[a-z0-9_]+_inp_channel_3_tch_0_top_False\.h5$/);
      expect(a.weightsHash, a.key).toEqual({ algorithm: 'md5', value: expect.stringMatching(/^[0-9a-f]{32}$/) });
    }
  });

  it('carries the hash Keras checks for each file: md5 for 32 hex digits, sha256 for 64, none for MobileNet(V2)', () => {
    for (const a of ARCHITECTURES_2D.filter((x) => x.key !== 'Vanilla' && !x.key.startsWith('MobileNet'))) {
      expect(a.weightsHash, a.key).not.toBeNull();
      expect(a.weightsHash!.value, a.key).toMatch(a.weightsHash!.algorithm === 'md5' ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{64}$/);
      expect(a.weightsHash!.algorithm, a.key).toBe(a.family === 'ConvNeXt' ? 'sha256' : 'md5');
    }
    expect(findArchitecture('MobileNet', '2D')!.weightsHash).toBeNull();
    expect(findArchitecture('MobileNetV2', '2D')!.weightsHash).toBeNull();
    expect(findArchitecture('DenseNet121', '2D')!.weightsHash).toEqual({ algorithm: 'md5', value: '30ee3e1110167f948a6b9946edeeb738' });
    expect(new Set(ARCHITECTURES.map((a) => a.weightsHash?.value).filter(Boolean)).size).toBe(ARCHITECTURES.filter((a) => a.weightsHash).length);
  });

  it('has a family, a rough size, a speed hint and one plain sentence for every entry', () => {
    const families = new Set(['ResNet', 'DenseNet', 'EfficientNet', 'ConvNeXt', 'VGG', 'MobileNet', 'Inception', 'Xception', 'NASNet', 'Vanilla', 'ResNeXt']);
    for (const a of ARCHITECTURES) {
      const label = `${a.dimensionality}.${a.key}`;
      expect(families.has(a.family), label).toBe(true);
      expect(a.key.startsWith(a.family) || a.family === 'Inception', label).toBe(true);
      expect(a.parametersMillions, label).toBeGreaterThan(0);
      expect(a.parametersMillions, label).toBeLessThan(250);
      expect(['fast', 'medium', 'slow']).toContain(a.speedHint);
      expect(a.description, label).toMatch(/^[A-Z"'].{20,160}\.$/);
      expect(a.description.slice(0, -1), `${label}: one sentence`).not.toMatch(/\.\s/);
    }
    expect(findArchitecture('Vanilla', '2D')!.speedHint).toBe('fast');
    expect(findArchitecture('EfficientNetB7', '2D')!.speedHint).toBe('slow');
    expect(findArchitecture('VGG16', '2D')!.parametersMillions).toBeCloseTo(138.4);
    expect(findArchitecture('DenseNet121', '2D')!.parametersMillions).toBeCloseTo(8.1);
  });

  it('is plain JSON and hands out copies', () => {
    expect(JSON.parse(JSON.stringify(ARCHITECTURES))).toEqual(ARCHITECTURES);
    const list = architecturesFor('3D');
    list[1]!.weightsHash!.value = 'changed';
    list[0]!.description = 'changed';
    const one = findArchitecture('EfficientNetB3', '2D')!;
    (one.inputSize as [number, number])[0] = 1;
    expect(architecturesFor('3D')[1]!.weightsHash).toEqual({ algorithm: 'md5', value: '1787a6780f62f338d481c460205443cd' });
    expect(architecturesFor('3D')[0]!.description).not.toBe('changed');
    expect(findArchitecture('EfficientNetB3', '2D')!.inputSize).toEqual([300, 300]);
  });

  it("knows AUCMEDI's default architecture", () => {
    expect(DEFAULT_ARCHITECTURE).toBe('DenseNet121');
    expect(findArchitecture(DEFAULT_ARCHITECTURE, '2D')).toBeDefined();
    expect(findArchitecture(DEFAULT_ARCHITECTURE, '3D')).toBeDefined();
  });
});

describe('findArchitecture / suggestArchitecture', () => {
  it('finds keys exactly and per dimensionality, as AUCMEDI does', () => {
    expect(findArchitecture('ResNet50', '2D')!.key).toBe('ResNet50');
    expect(findArchitecture('ResNet50', '3D')!.dimensionality).toBe('3D');
    expect(findArchitecture('ResNet18', '2D')).toBeUndefined();
    expect(findArchitecture('ResNet18', '3D')!.family).toBe('ResNet');
    expect(findArchitecture('EfficientNetB0', '3D')).toBeUndefined();
    expect(findArchitecture('resnet50', '2D')).toBeUndefined();
    expect(findArchitecture('', '2D')).toBeUndefined();
  });

  it('suggests the real key for a wrong case or punctuation', () => {
    expect(suggestArchitecture('densenet-121', '2D')).toBe('DenseNet121');
    expect(suggestArchitecture('efficientnet b4', '2D')).toBe('EfficientNetB4');
    expect(suggestArchitecture('RESNEXT50', '3D')).toBe('ResNeXt50');
    expect(suggestArchitecture('RESNEXT50', '2D')).toBeUndefined();
    expect(suggestArchitecture('nothing', '2D')).toBeUndefined();
  });
});

describe('groupByFamily', () => {
  it('groups in order of first appearance and keeps every entry', () => {
    const groups = groupByFamily(architecturesFor('2D'));
    expect(groups.map((g) => g.family)).toEqual(['Vanilla', 'ResNet', 'DenseNet', 'EfficientNet', 'Inception', 'MobileNet', 'NASNet', 'VGG', 'Xception', 'ConvNeXt']);
    expect(groups.flatMap((g) => keys(g.architectures)).sort()).toEqual([...CONTRACT_2D].sort());
    expect(keys(groups.find((g) => g.family === 'ResNet')!.architectures)).toEqual(['ResNet50', 'ResNet101', 'ResNet152', 'ResNet50V2', 'ResNet101V2', 'ResNet152V2']);
    expect(keys(groups.find((g) => g.family === 'Inception')!.architectures)).toEqual(['InceptionResNetV2', 'InceptionV3']);
    const groups3D = groupByFamily(architecturesFor('3D'));
    expect(keys(groups3D.find((g) => g.family === 'ResNeXt')!.architectures)).toEqual(['ResNeXt50', 'ResNeXt101']);
    expect(groupByFamily([])).toEqual([]);
  });
});

describe('searchArchitectures', () => {
  const list2D = architecturesFor('2D');

  it('returns the list unchanged for an empty query', () => {
    expect(keys(searchArchitectures('', list2D))).toEqual(CONTRACT_2D);
    expect(keys(searchArchitectures('   ', list2D))).toEqual(CONTRACT_2D);
  });

  it('finds keys ignoring case, spaces and dashes, exact match first', () => {
    expect(keys(searchArchitectures('efficientnet b3', list2D))).toEqual(['EfficientNetB3']);
    expect(keys(searchArchitectures('EfficientNet-B3', list2D))).toEqual(['EfficientNetB3']);
    expect(keys(searchArchitectures('densenet', list2D))).toEqual(['DenseNet121', 'DenseNet169', 'DenseNet201']);
    expect(keys(searchArchitectures('resnet50', list2D))).toEqual(['ResNet50', 'ResNet50V2']);
    expect(keys(searchArchitectures('mobilenetv2', list2D))[0]).toBe('MobileNetV2');
    expect(keys(searchArchitectures('VGG19', list2D))).toEqual(['VGG19']);
  });

  it('ranks key matches before description matches', () => {
    const found = keys(searchArchitectures('inception', list2D));
    expect(found.slice(0, 2)).toEqual(['InceptionResNetV2', 'InceptionV3']);
    expect(found).toContain('Xception'); // "An efficient refinement of Inception ..."
  });

  it('searches families, speed hints and descriptions, every word required', () => {
    expect(keys(searchArchitectures('fast', list2D))).toEqual(keys(list2D.filter((a) => a.speedHint === 'fast')));
    expect(keys(searchArchitectures('residual', list2D))).toContain('ResNet101');
    expect(keys(searchArchitectures('light fast', list2D))).toEqual(['MobileNet', 'MobileNetV2', 'NASNetMobile']);
    expect(searchArchitectures('no-such-network', list2D)).toEqual([]);
    expect(keys(searchArchitectures('resnext', architecturesFor('3D')))).toEqual(['ResNeXt50', 'ResNeXt101']);
  });
});

describe('metalearners', () => {
  it('lists the five aggregates and ten trained metalearners of aucmedi.ensemble, the default first', () => {
    expect([...AGGREGATE_METALEARNERS]).toEqual(['mean', 'median', 'majority_vote', 'softmax', 'global_argmax']);
    expect([...TRAINED_METALEARNERS].sort()).toEqual(
      ['best_model', 'decision_tree', 'gaussian_process', 'k_neighbors', 'logistic_regression', 'mlp', 'naive_bayes', 'random_forest', 'support_vector_machine', 'weighted_mean'],
    );
    expect(METALEARNERS).toHaveLength(15);
    expect(new Set(METALEARNERS).size).toBe(15);
    expect(METALEARNERS[0]).toBe(DEFAULT_METALEARNER);
    expect(DEFAULT_METALEARNER).toBe('mean');
  });

  it('allows only the eight of block_train.py for multi-label data', () => {
    expect([...MULTILABEL_METALEARNERS].sort()).toEqual(['best_model', 'decision_tree', 'k_neighbors', 'mean', 'median', 'mlp', 'random_forest', 'weighted_mean']);
    for (const m of MULTILABEL_METALEARNERS) expect(METALEARNERS).toContain(m);
  });

  it('tells aggregates from trained ones and describes each', () => {
    for (const m of METALEARNERS) {
      expect(isAggregateMetalearner(m) !== isTrainedMetalearner(m), m).toBe(true);
      expect(METALEARNER_DESCRIPTIONS[m], m).toMatch(/^[A-Z].+\.$/);
    }
    expect(isTrainedMetalearner('logistic_regression')).toBe(true);
    expect(isAggregateMetalearner('median')).toBe(true);
    expect(isTrainedMetalearner('nothing') || isAggregateMetalearner('nothing')).toBe(false);
    expect(Object.keys(METALEARNER_DESCRIPTIONS).sort()).toEqual([...METALEARNERS].sort());
  });
});
