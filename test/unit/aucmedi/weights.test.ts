import { describe, expect, it } from 'vitest';
import { UserErrorException } from '../../../src/api/errors';
import { ARCHITECTURES_2D, ARCHITECTURES_3D } from '../../../src/aucmedi/architectures';
import { checkWeightsCache, CONTAINER_KERAS_HOME, CONTAINER_KERAS_MODELS_DIR, kerasMountSpec, matchesImportedWeights, requiredWeights } from '../../../src/aucmedi/weights';

const DENSENET121 = 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';
const RESNET50 = 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5';
const EFFICIENTNETB0 = 'efficientnetb0_notop.h5';

describe('requiredWeights', () => {
  it('lists one Keras file per 2D architecture, once, and nothing for Vanilla', () => {
    expect(requiredWeights(['DenseNet121'], '2D')).toEqual([{ kind: 'file', architectures: ['DenseNet121'], file: DENSENET121 }]);
    expect(requiredWeights(['Vanilla'], '2D')).toEqual([]);
    expect(requiredWeights(['ResNet50', 'Vanilla', 'ResNet50', 'EfficientNetB0', 'DenseNet169'], '2D')).toEqual([
      { kind: 'file', architectures: ['ResNet50'], file: RESNET50 },
      { kind: 'file', architectures: ['EfficientNetB0'], file: EFFICIENTNETB0 },
      { kind: 'file', architectures: ['DenseNet169'], file: 'densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5' },
    ]);
  });

  it('describes 3D weights as an imported file, by name prefix', () => {
    expect(requiredWeights(['ResNet18', 'Vanilla', 'ConvNeXtBase'], '3D')).toEqual([
      { kind: 'imported', architectures: ['ResNet18'], anyFilePrefix: ['resnet18'], exampleFile: 'resnet18_inp_channel_3_tch_0_top_False.h5' },
      { kind: 'imported', architectures: ['ConvNeXtBase'], anyFilePrefix: ['convnextbase', 'convnext_base'], exampleFile: 'convnextbase_inp_channel_3_tch_0_top_False.h5' },
    ]);
  });

  it('refuses architectures AUCMEDI does not have for that dimensionality', () => {
    expect(() => requiredWeights(['ResNet18'], '2D')).toThrow(UserErrorException);
    let thrown: unknown;
    try {
      requiredWeights(['EfficientNetB0'], '3D');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as UserErrorException).userError).toMatchObject({ code: 'ARCHITECTURE_UNKNOWN', message: 'AUCMEDI has no architecture "EfficientNetB0" for 3D volumes, so its weights cannot be checked.' });
    expect(() => checkWeightsCache([], ['NoNet'], '2D')).toThrow(UserErrorException);
  });
});

describe('checkWeightsCache, 2D', () => {
  it('is ready when the exact Keras file is there', () => {
    const check = checkWeightsCache([DENSENET121, 'unrelated.txt'], ['DenseNet121'], '2D');
    expect(check).toEqual({
      allReady: true,
      ready: [{ architecture: 'DenseNet121', kind: 'file', file: DENSENET121, confirmedByName: true, message: `DenseNet121 can start offline: its pretrained weights (${DENSENET121}) are in the weights folder.` }],
      missing: [],
      notNeeded: [],
    });
  });

  it('names the file needed when it is missing, and that Vanilla needs none', () => {
    const check = checkWeightsCache([DENSENET121], ['Vanilla', 'DenseNet121', 'ResNet50', 'ResNet50'], '2D');
    expect(check.allReady).toBe(false);
    expect(check.notNeeded).toEqual(['Vanilla']);
    expect(check.ready.map((r) => r.architecture)).toEqual(['DenseNet121']);
    expect(check.missing).toEqual([{ architecture: 'ResNet50', kind: 'file', file: RESNET50, confirmedByName: true, message: `ResNet50 cannot start offline: the weights folder has no ${RESNET50}.` }]);
    expect(checkWeightsCache([], ['Vanilla'], '2D')).toEqual({ allReady: true, ready: [], missing: [], notNeeded: ['Vanilla'] });
  });

  it('does not take a file of the wrong case, an empty file or a neighbour model', () => {
    const upper = 'DenseNet121_weights_tf_dim_ordering_tf_kernels_notop.h5';
    expect(checkWeightsCache([upper], ['DenseNet121'], '2D').missing[0]!.message).toBe(
      `DenseNet121 cannot start offline: the weights folder has ${upper}, but Keras looks for ${DENSENET121} (names are case-sensitive).`,
    );
    const empty = checkWeightsCache([{ name: DENSENET121, sizeBytes: 0 }], ['DenseNet121'], '2D');
    expect(empty.missing[0]!.message).toBe(`DenseNet121 cannot start offline: ${DENSENET121} in the weights folder is empty.`);
    expect(checkWeightsCache([{ name: DENSENET121, sizeBytes: 32_000_000 }], ['DenseNet121'], '2D').allReady).toBe(true);
    expect(checkWeightsCache([DENSENET121], ['DenseNet169'], '2D').allReady).toBe(false);
    expect(checkWeightsCache(['resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5'], ['ResNet50'], '2D').allReady).toBe(false);
  });

  it('agrees with the catalog for every 2D architecture', () => {
    for (const a of ARCHITECTURES_2D) {
      if (a.weightsFile === null) continue;
      const file = a.weightsFile as string;
      expect(checkWeightsCache([file], [a.key], '2D').allReady, a.key).toBe(true);
      expect(checkWeightsCache([], [a.key], '2D').missing[0]!.file, a.key).toBe(file);
      expect(requiredWeights([a.key], '2D'), a.key).toEqual([{ kind: 'file', architectures: [a.key], file }]);
    }
  });
});

describe('checkWeightsCache, 3D', () => {
  it('takes a file whose name starts with the model name as a candidate, not a proof', () => {
    const check = checkWeightsCache(['densenet121_inp_channel_3_tch_0_top_False.h5'], ['DenseNet121', 'Vanilla'], '3D');
    expect(check.allReady).toBe(true);
    expect(check.notNeeded).toEqual(['Vanilla']);
    expect(check.ready).toEqual([
      {
        architecture: 'DenseNet121',
        kind: 'imported',
        file: 'densenet121_inp_channel_3_tch_0_top_False.h5',
        confirmedByName: false,
        message: 'DenseNet121 (3D) may start offline: densenet121_inp_channel_3_tch_0_top_False.h5 looks like its pretrained weights; whether it loads is known only when the training starts.',
      },
    ]);
  });

  it('says what the file is usually called when none fits', () => {
    const check = checkWeightsCache(['readme.txt'], ['ResNet34'], '3D');
    expect(check.missing).toEqual([
      {
        architecture: 'ResNet34',
        kind: 'imported',
        file: 'resnet34_inp_channel_3_tch_0_top_False.h5',
        confirmedByName: false,
        message: 'ResNet34 (3D) cannot start offline: the weights folder has no file for it (usually named resnet34_inp_channel_3_tch_0_top_False.h5).',
      },
    ]);
    expect(checkWeightsCache([{ name: 'resnet34_inp_channel_3_tch_0_top_False.h5', sizeBytes: 0 }], ['ResNet34'], '3D').missing[0]!.message).toBe(
      'ResNet34 (3D) cannot start offline: resnet34_inp_channel_3_tch_0_top_False.h5 in the weights folder is empty.',
    );
  });

  it('never takes a 2D Keras file or a sibling model for a 3D one', () => {
    // The 2D ResNet50 and DenseNet121 files share the 3D prefixes: Keras-2D files are not 3D weights.
    expect(checkWeightsCache([RESNET50, DENSENET121], ['ResNet50', 'DenseNet121'], '3D').missing.map((m) => m.architecture)).toEqual(['ResNet50', 'DenseNet121']);
    // mobilenetv2... is not MobileNet, resnet101... is not ResNet18/ResNet10.
    expect(checkWeightsCache(['mobilenetv2_inp_channel_3_tch_0_top_False.h5'], ['MobileNet', 'MobileNetV2'], '3D').missing.map((m) => m.architecture)).toEqual(['MobileNet']);
    expect(checkWeightsCache(['resnet101_inp_channel_3_tch_0_top_False.h5'], ['ResNet18', 'ResNet101'], '3D').ready.map((r) => r.architecture)).toEqual(['ResNet101']);
    expect(checkWeightsCache(['resnext50_inp_channel_3_tch_0_top_False.h5'], ['ResNet50'], '3D').allReady).toBe(false);
  });

  it('accepts both ConvNeXt spellings and any case, preferring a no-top file', () => {
    expect(checkWeightsCache(['convnext_tiny_inp_channel_3_tch_0_top_False.h5'], ['ConvNeXtTiny'], '3D').allReady).toBe(true);
    expect(checkWeightsCache(['ConvNeXtTiny.h5'], ['ConvNeXtTiny'], '3D').allReady).toBe(true);
    expect(checkWeightsCache(['convnext_small.h5'], ['ConvNeXtTiny'], '3D').allReady).toBe(false);
    const both = checkWeightsCache(['vgg16_inp_channel_3_tch_0_top_True.h5', 'vgg16_inp_channel_3_tch_0_top_False.h5'], ['VGG16'], '3D');
    expect(both.ready[0]!.file).toBe('vgg16_inp_channel_3_tch_0_top_False.h5');
  });

  it('matches every 3D architecture by its usual file name', () => {
    for (const a of ARCHITECTURES_3D) {
      if (a.weightsFile === null) continue;
      const weights = a.weightsFile as { anyFilePrefix: string[]; exampleFile: string };
      expect(matchesImportedWeights(weights.exampleFile, weights), a.key).toBe(true);
      expect(checkWeightsCache([weights.exampleFile], [a.key], '3D').allReady, a.key).toBe(true);
      // and no other 3D architecture takes it
      const others = ARCHITECTURES_3D.filter((b) => b.key !== a.key && b.weightsFile !== null);
      for (const b of others) expect(matchesImportedWeights(weights.exampleFile, b.weightsFile as typeof weights), `${a.key} file for ${b.key}`).toBe(false);
    }
  });
});

describe('kerasMountSpec', () => {
  it('mounts the weights read-only at /keras/models under a writable tmpfs KERAS_HOME', () => {
    expect(CONTAINER_KERAS_HOME).toBe('/keras');
    expect(CONTAINER_KERAS_MODELS_DIR).toBe('/keras/models');
    expect(kerasMountSpec('/home/ana/AUCMEDI Desk/weights')).toEqual({
      env: ['KERAS_HOME=/keras'],
      binds: ['/home/ana/AUCMEDI Desk/weights:/keras/models:ro'],
      tmpfs: { '/keras': 'rw,nosuid,nodev,size=64m,mode=1777' },
    });
    expect(kerasMountSpec('C:\\ProgramData\\AUCMEDI Desk\\weights').binds).toEqual(['C:\\ProgramData\\AUCMEDI Desk\\weights:/keras/models:ro']);
  });

  it('keeps KERAS_HOME writable and mounts nothing else without a weights folder', () => {
    expect(kerasMountSpec(null)).toEqual({ env: ['KERAS_HOME=/keras'], binds: [], tmpfs: { '/keras': 'rw,nosuid,nodev,size=64m,mode=1777' } });
  });

  it('refuses a weights folder Docker cannot mount', () => {
    expect(() => kerasMountSpec('weights')).toThrow(/weights folder path is not a full path/);
    expect(() => kerasMountSpec('/media/usb:1/weights')).toThrow(/contains a colon/);
  });
});
