import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserErrorException } from '../../../src/api/errors';
import { explainError } from '../../../src/aucmedi/explain-error';
import { ARCHITECTURES_2D, ARCHITECTURES_3D, KERAS_WEIGHTS_HASHES } from '../../../src/aucmedi/architectures';
import {
  checkWeightsCache,
  CONTAINER_HOME,
  CONTAINER_KERAS_HOME,
  CONTAINER_KERAS_MODELS_DIR,
  kerasMountSpec,
  requiredWeights,
  weightsFileVerdict,
  weightsHashTable,
  type CachedFile,
} from '../../../src/aucmedi/weights';

const DENSENET121 = 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';
const RESNET50 = 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5';
const EFFICIENTNETB0 = 'efficientnetb0_notop.h5';
const MOBILENET = 'mobilenet_1_0_224_tf_no_top.h5';
const CONVNEXT_TINY_3D = 'convnext_tiny_inp_channel_3_tch_0_top_False.h5';

/** A file with the hashes a test table then declares for it. */
function file(name: string, content = `content of ${name}`, sizeBytes = 1000): CachedFile {
  return { name, sizeBytes, md5: createHash('md5').update(content).digest('hex'), sha256: createHash('sha256').update(content).digest('hex') };
}
/** A table that accepts exactly `files` (each by the algorithm Keras uses for its name). */
function tableFor(...files: CachedFile[]) {
  return Object.fromEntries(files.map((f) => [f.name, KERAS_WEIGHTS_HASHES[f.name] ? { algorithm: KERAS_WEIGHTS_HASHES[f.name]!.algorithm, value: KERAS_WEIGHTS_HASHES[f.name]!.algorithm === 'md5' ? f.md5! : f.sha256! } : null]));
}
/** What the real Keras file would hash to: the catalog's own hash. */
function realFile(name: string): CachedFile {
  const hash = KERAS_WEIGHTS_HASHES[name]!;
  return { name, sizeBytes: 32_000_000, [hash.algorithm]: hash.value };
}

describe('requiredWeights', () => {
  it('lists one file per architecture, once, with the hash Keras checks, and nothing for Vanilla', () => {
    expect(requiredWeights(['DenseNet121'], '2D')).toEqual([{ architectures: ['DenseNet121'], file: DENSENET121, hash: { algorithm: 'md5', value: '30ee3e1110167f948a6b9946edeeb738' } }]);
    expect(requiredWeights(['Vanilla'], '2D')).toEqual([]);
    expect(requiredWeights(['ResNet50', 'Vanilla', 'ResNet50', 'MobileNet', 'ConvNeXtTiny'], '2D')).toEqual([
      { architectures: ['ResNet50'], file: RESNET50, hash: { algorithm: 'md5', value: '4d473c1dd8becc155b73f8504c6f6626' } },
      { architectures: ['MobileNet'], file: MOBILENET, hash: null },
      { architectures: ['ConvNeXtTiny'], file: 'convnext_tiny_notop.h5', hash: { algorithm: 'sha256', value: 'd547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1' } },
    ]);
  });

  it('names the exact classification_models_3D file for 3D, with its md5', () => {
    expect(requiredWeights(['ResNet18', 'Vanilla', 'ConvNeXtTiny'], '3D')).toEqual([
      { architectures: ['ResNet18'], file: 'resnet18_inp_channel_3_tch_0_top_False.h5', hash: { algorithm: 'md5', value: '1d04dd6c1f00b7bf4ba883c61bedeac8' } },
      { architectures: ['ConvNeXtTiny'], file: CONVNEXT_TINY_3D, hash: { algorithm: 'md5', value: '59c10a59d579c9c80b15bfa15338c5eb' } },
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

describe('checkWeightsCache', () => {
  it('is ready when the exact file is there with the hash Keras checks', () => {
    expect(checkWeightsCache([realFile(DENSENET121), { name: 'unrelated.txt' }], ['DenseNet121'], '2D')).toEqual({
      allReady: true,
      ready: [{ architecture: 'DenseNet121', file: DENSENET121, state: 'ready', message: `DenseNet121 can start offline: its pretrained weights (${DENSENET121}) are in the weights folder.` }],
      missing: [],
      notNeeded: [],
    });
    // SHA-256 for ConvNeXt (64 hex digits), md5 for the 3D files
    expect(checkWeightsCache([realFile('convnext_tiny_notop.h5')], ['ConvNeXtTiny'], '2D').allReady).toBe(true);
    expect(checkWeightsCache([realFile(CONVNEXT_TINY_3D)], ['ConvNeXtTiny'], '3D').allReady).toBe(true);
  });

  it('calls a file with the right name but another hash the wrong file, naming both hashes', () => {
    const fake = file(DENSENET121);
    const check = checkWeightsCache([fake], ['DenseNet121'], '2D');
    expect(check.allReady).toBe(false);
    expect(check.missing).toEqual([
      {
        architecture: 'DenseNet121',
        file: DENSENET121,
        state: 'wrong-file',
        message: `DenseNet121 cannot start offline: ${DENSENET121} in the weights folder is the wrong file (its MD5 is ${fake.md5}, Keras accepts only 30ee3e1110167f948a6b9946edeeb738), so Keras would download it again.`,
      },
    ]);
    // the algorithm Keras uses decides: the right SHA-256 does not help a file Keras checks by md5
    expect(checkWeightsCache([{ name: DENSENET121, sha256: '30ee3e1110167f948a6b9946edeeb738' }], ['DenseNet121'], '2D').missing[0]!.state).toBe('wrong-file');
    // a file whose hash is not known yet is not taken on trust
    expect(checkWeightsCache([{ name: DENSENET121, sizeBytes: 5 }], ['DenseNet121'], '2D').missing[0]!.state).toBe('wrong-file');
    // ...but Keras checks no hash for MobileNet: any non-empty file of that name will do
    expect(checkWeightsCache([{ name: MOBILENET, sizeBytes: 5 }], ['MobileNet'], '2D').allReady).toBe(true);
  });

  it('takes an injected table over the catalog, and only where it says so', () => {
    const fake = file(DENSENET121);
    const table = weightsHashTable(tableFor(fake));
    expect(checkWeightsCache([fake], ['DenseNet121'], '2D', table).allReady).toBe(true);
    expect(checkWeightsCache([realFile(DENSENET121)], ['DenseNet121'], '2D', table).missing[0]!.state).toBe('wrong-file');
    expect(table[RESNET50]).toEqual(KERAS_WEIGHTS_HASHES[RESNET50]);
    expect(weightsHashTable()).toBe(KERAS_WEIGHTS_HASHES);
  });

  it('names the file needed when it is missing, and that Vanilla needs none', () => {
    const check = checkWeightsCache([realFile(DENSENET121)], ['Vanilla', 'DenseNet121', 'ResNet50', 'ResNet50'], '2D');
    expect(check.allReady).toBe(false);
    expect(check.notNeeded).toEqual(['Vanilla']);
    expect(check.ready.map((r) => r.architecture)).toEqual(['DenseNet121']);
    expect(check.missing).toEqual([{ architecture: 'ResNet50', file: RESNET50, state: 'missing', message: `ResNet50 cannot start offline: the weights folder has no ${RESNET50}.` }]);
    expect(checkWeightsCache([], ['Vanilla'], '2D')).toEqual({ allReady: true, ready: [], missing: [], notNeeded: ['Vanilla'] });
  });

  it('does not take a file of the wrong case, an empty file or a neighbour model', () => {
    const upper = 'DenseNet121_weights_tf_dim_ordering_tf_kernels_notop.h5';
    expect(checkWeightsCache([{ name: upper }], ['DenseNet121'], '2D').missing[0]!.message).toBe(
      `DenseNet121 cannot start offline: the weights folder has ${upper}, but Keras looks for ${DENSENET121} (names are case-sensitive).`,
    );
    const empty = checkWeightsCache([{ ...realFile(DENSENET121), sizeBytes: 0 }], ['DenseNet121'], '2D');
    expect(empty.missing[0]).toMatchObject({ state: 'missing', message: `DenseNet121 cannot start offline: ${DENSENET121} in the weights folder is empty.` });
    expect(checkWeightsCache([realFile(DENSENET121)], ['DenseNet169'], '2D').allReady).toBe(false);
    expect(checkWeightsCache([realFile('resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5')], ['ResNet50'], '2D').allReady).toBe(false);
  });

  it('never takes a 2D Keras file or a sibling model for a 3D one: 3D names are exact', () => {
    expect(checkWeightsCache([realFile(RESNET50), realFile(DENSENET121)], ['ResNet50', 'DenseNet121'], '3D').missing.map((m) => m.architecture)).toEqual(['ResNet50', 'DenseNet121']);
    const mobilenetv2 = realFile('mobilenetv2_inp_channel_3_tch_0_top_False.h5');
    expect(checkWeightsCache([mobilenetv2], ['MobileNet', 'MobileNetV2'], '3D').missing.map((m) => m.architecture)).toEqual(['MobileNet']);
    // the old guesses are not the names classification_models_3D uses
    const guesses = [file('convnexttiny_inp_channel_3_tch_0_top_False.h5'), file('ConvNeXtTiny.h5')];
    expect(checkWeightsCache(guesses, ['ConvNeXtTiny'], '3D', weightsHashTable(tableFor(...guesses))).missing[0]).toMatchObject({ state: 'missing', file: CONVNEXT_TINY_3D });
    expect(checkWeightsCache([{ ...realFile('resnet34_inp_channel_3_tch_0_top_False.h5'), sizeBytes: 0 }], ['ResNet34'], '3D').missing[0]!.message).toBe(
      'ResNet34 (3D) cannot start offline: resnet34_inp_channel_3_tch_0_top_False.h5 in the weights folder is empty.',
    );
  });

  it('agrees with the catalog for every architecture', () => {
    for (const [list, dimensionality] of [
      [ARCHITECTURES_2D, '2D'],
      [ARCHITECTURES_3D, '3D'],
    ] as const) {
      for (const a of list) {
        if (a.weightsFile === null) continue;
        const real = a.weightsHash ? realFile(a.weightsFile) : { name: a.weightsFile, sizeBytes: 1 };
        expect(checkWeightsCache([real], [a.key], dimensionality).allReady, a.key).toBe(true);
        expect(checkWeightsCache([], [a.key], dimensionality).missing[0]!.file, a.key).toBe(a.weightsFile);
        // no other architecture of the same dimensionality takes its file
        const others = list.filter((b) => b.key !== a.key && b.weightsFile !== null).map((b) => b.key);
        expect(checkWeightsCache([real], others, dimensionality).ready, a.key).toEqual([]);
      }
    }
  });
});

describe('weightsFileVerdict', () => {
  it('says per file whether it is what Keras checks', () => {
    expect(weightsFileVerdict(realFile(DENSENET121))).toEqual({ state: 'matches', expected: { algorithm: 'md5', value: '30ee3e1110167f948a6b9946edeeb738' } });
    expect(weightsFileVerdict(file(DENSENET121)).state).toBe('wrong-file');
    expect(weightsFileVerdict(file(MOBILENET))).toEqual({ state: 'no-hash' });
    expect(weightsFileVerdict(file('my_model.h5'))).toEqual({ state: 'not-in-catalog' });
    expect(weightsFileVerdict(file(DENSENET121), weightsHashTable(tableFor(file(DENSENET121)))).state).toBe('matches');
  });
});

describe('kerasMountSpec', () => {
  it('gives Keras 2 (~/.keras) and Keras 3 ($KERAS_HOME) the same folder: a writable tmpfs with the weights read-only in models/', () => {
    expect(CONTAINER_HOME).toBe('/tmp');
    expect(CONTAINER_KERAS_HOME).toBe('/tmp/.keras');
    expect(CONTAINER_KERAS_MODELS_DIR).toBe('/tmp/.keras/models');
    expect(kerasMountSpec('/home/ana/AUCMEDI Desk/weights')).toEqual({
      env: ['HOME=/tmp', 'KERAS_HOME=/tmp/.keras'],
      binds: ['/home/ana/AUCMEDI Desk/weights:/tmp/.keras/models:ro'],
      tmpfs: { '/tmp/.keras': 'rw,nosuid,nodev,size=64m,mode=1777' },
    });
    expect(kerasMountSpec('C:\\ProgramData\\AUCMEDI Desk\\weights').binds).toEqual(['C:\\ProgramData\\AUCMEDI Desk\\weights:/tmp/.keras/models:ro']);
  });

  it('keeps the Keras home writable and mounts nothing else without a weights folder', () => {
    expect(kerasMountSpec(null)).toEqual({ env: ['HOME=/tmp', 'KERAS_HOME=/tmp/.keras'], binds: [], tmpfs: { '/tmp/.keras': 'rw,nosuid,nodev,size=64m,mode=1777' } });
  });

  it('refuses a weights folder Docker cannot mount', () => {
    expect(() => kerasMountSpec('weights')).toThrow(/weights folder path is not a full path/);
    expect(() => kerasMountSpec('/media/usb:1/weights')).toThrow(/contains a colon/);
  });
});

describe('the stand-in carries the same table (docker/stand-in/aucmedi.py)', () => {
  it('names every file and hash of the catalog, as Keras does', () => {
    const standIn = readFileSync('docker/stand-in/aucmedi.py', 'utf8');
    for (const [name, hash] of Object.entries(KERAS_WEIGHTS_HASHES)) {
      const model = name.replace(/_inp_channel_3_tch_0_top_False\.h5$/, '');
      if (model !== name) expect(standIn, name).toMatch(new RegExp(`\\("${model}", "${hash!.value}"\\)`));
      else {
        expect(standIn.includes(name) || /^(densenet|resnet|efficientnet|convnext)/.test(name), name).toBe(true);
        if (hash) expect(standIn, name).toContain(`"${hash.value}"`);
      }
    }
  });
});

describe('a wrong file that reaches the container', () => {
  it('is explained as the wrong weights file, not as a permission problem', () => {
    // Keras, on a hash mismatch offline: the URL fetch failure, then removing the cached file fails on the read-only mount.
    const explained = explainError([
      `Exception: URL fetch failure on https://storage.googleapis.com/tensorflow/keras-applications/densenet/${DENSENET121}: None -- [Errno -3] Temporary failure in name resolution`,
      `OSError: [Errno 30] Read-only file system: '/tmp/.keras/models/${DENSENET121}'`,
    ]);
    expect(explained).toMatchObject({ code: 'WEIGHTS_WRONG_FILE', message: expect.stringContaining(`The weights file ${DENSENET121} in the weights folder is not the one`) });
    expect(explainError(["OSError: [Errno 30] Read-only file system: '/data/model/logs.training.csv'"]).code).toBe('PERMISSION_DENIED');
  });
});
