import { describe, expect, it } from 'vitest';
import {
  AUCMEDI_DEFAULTS,
  evaluationOptionsSchema,
  predictionOptionsSchema,
  trainingOptionsSchema,
  type TrainingOptions,
} from '../../../src/api/aucmedi';
import { UserErrorException, type UserError } from '../../../src/api/errors';
import {
  bind,
  CONTAINER_PATHS,
  evaluationArgs,
  evaluationBinds,
  formatShape3D,
  parseShape3D,
  predictionArgs,
  predictionBinds,
  trainingArgs,
  trainingBinds,
  XAI_METHODS,
} from '../../../src/aucmedi/arguments';

const base: TrainingOptions = { analysis: 'standard', architectures: ['DenseNet121'], epochs: 25, batchSize: 24, workers: 1, threeDim: false, ohe: false };

/** The user error a call throws (fails the test when it throws something else or nothing). */
function userErrorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserErrorException);
    const e = (error as UserErrorException).userError;
    // A plain sentence and a next step, never a stack.
    expect(e.message).toMatch(/^[A-Z"].*[.?]$/);
    expect(e.action).toMatch(/^[A-Z].*[.?]$/);
    expect(e.message).not.toMatch(/\n|^\s*at \S+ \(|\w+Error:/);
    return e;
  }
  throw new Error('expected a UserErrorException');
}

describe('container layout', () => {
  it('names every mount point once, under /data', () => {
    expect(CONTAINER_PATHS).toEqual({
      dataset: '/data/training',
      annotations: '/data/annotations.csv',
      model: '/data/model',
      predictionImages: '/data/test',
      prediction: '/data/prediction',
      predictions: '/data/prediction/preds.csv',
      xai: '/data/prediction/xai',
      evaluationPredictions: '/data/preds.csv',
      evaluation: '/data/evaluation',
    });
  });

  it('binds datasets, annotations, models and predictions read-only and outputs writable', () => {
    expect(trainingBinds({ dataset: '/home/ana/xray', output: '/home/ana/runs/r1/model' })).toEqual([
      '/home/ana/xray:/data/training:ro',
      '/home/ana/runs/r1/model:/data/model',
    ]);
    expect(trainingBinds({ dataset: '/srv/images', annotations: '/srv/labels.csv', output: '/srv/out' })).toEqual([
      '/srv/images:/data/training:ro',
      '/srv/labels.csv:/data/annotations.csv:ro',
      '/srv/out:/data/model',
    ]);
    expect(predictionBinds({ images: '/srv/new', model: '/srv/out', output: '/srv/pred' })).toEqual([
      '/srv/new:/data/test:ro',
      '/srv/out:/data/model:ro',
      '/srv/pred:/data/prediction',
    ]);
    expect(evaluationBinds({ dataset: '/srv/test', predictions: '/srv/pred/preds.csv', output: '/srv/eval' })).toEqual([
      '/srv/test:/data/training:ro',
      '/srv/pred/preds.csv:/data/preds.csv:ro',
      '/srv/eval:/data/evaluation',
    ]);
    expect(evaluationBinds({ dataset: '/srv/img', annotations: '/srv/gt.csv', predictions: '/srv/p.csv', output: '/srv/e' })).toEqual([
      '/srv/img:/data/training:ro',
      '/srv/gt.csv:/data/annotations.csv:ro',
      '/srv/p.csv:/data/preds.csv:ro',
      '/srv/e:/data/evaluation',
    ]);
  });

  it('takes host paths in the host form: Windows drive letters and UNC shares, spaces', () => {
    expect(bind('C:\\Users\\Ana Lopez\\X-ray data', '/data/training', true)).toBe('C:\\Users\\Ana Lopez\\X-ray data:/data/training:ro');
    expect(bind('d:/scans', '/data/training', true)).toBe('d:/scans:/data/training:ro');
    expect(bind('\\\\pacs\\export\\study 1', '/data/test', true)).toBe('\\\\pacs\\export\\study 1:/data/test:ro');
    expect(bind('/mnt/usb stick/ct', '/data/model', false)).toBe('/mnt/usb stick/ct:/data/model');
  });

  it('refuses paths Docker would misread, with a sentence', () => {
    expect(userErrorOf(() => bind('relative/dir', '/data/training', true, 'dataset folder'))).toMatchObject({ code: 'MOUNT_PATH_INVALID', message: 'The dataset folder path is not a full path, so Docker cannot mount it.' });
    expect(userErrorOf(() => bind('', '/data/training', true)).code).toBe('MOUNT_PATH_INVALID');
    expect(userErrorOf(() => bind('/home/ana/scan 10:30', '/data/training', true, 'dataset folder')).message).toBe('The dataset folder path contains a colon (:), which Docker cannot mount.');
    expect(userErrorOf(() => bind('C:\\data:old', '/data/training', true)).code).toBe('MOUNT_PATH_INVALID');
    expect(userErrorOf(() => bind('/home/ana/a\nb', '/data/training', true)).code).toBe('MOUNT_PATH_INVALID');
    expect(userErrorOf(() => trainingBinds({ dataset: '/ok', output: 'out' })).message).toMatch(/^The output folder path/);
  });
});

describe('trainingArgs', () => {
  it('passes every option explicitly for a standard 2D run', () => {
    expect(trainingArgs(base)).toEqual([
      'training',
      '--path_imagedir', '/data/training',
      '--path_modeldir', '/data/model',
      '--analysis', 'standard',
      '--shape_3D', '128x128x128',
      '--epochs', '25',
      '--batch_size', '24',
      '--workers', '1',
      '--metalearner', 'mean',
      '--architecture', 'DenseNet121',
    ]);
  });

  it('joins the architectures of an advanced run and passes its metalearner', () => {
    expect(trainingArgs({ ...base, analysis: 'advanced', architectures: ['ResNet50', 'EfficientNetB0', 'DenseNet121'], metalearner: 'logistic_regression', epochs: 100, workers: 4 })).toEqual([
      'training',
      '--path_imagedir', '/data/training',
      '--path_modeldir', '/data/model',
      '--analysis', 'advanced',
      '--shape_3D', '128x128x128',
      '--epochs', '100',
      '--batch_size', '24',
      '--workers', '4',
      '--metalearner', 'logistic_regression',
      '--architecture', 'ResNet50,EfficientNetB0,DenseNet121',
    ]);
    // The same architecture several times is a valid composite (one model per fold).
    expect(trainingArgs({ ...base, analysis: 'advanced', architectures: ['Vanilla', 'Vanilla'] }).slice(-4)).toEqual(['--metalearner', 'mean', '--architecture', 'Vanilla,Vanilla']);
  });

  it('adds --three_dim and the shape for 3D volumes', () => {
    expect(trainingArgs({ ...base, analysis: 'minimal', architectures: ['ResNet18'], threeDim: true, shape3D: [96, 96, 64], epochs: 3, batchSize: 2 })).toEqual([
      'training',
      '--path_imagedir', '/data/training',
      '--path_modeldir', '/data/model',
      '--analysis', 'minimal',
      '--three_dim',
      '--shape_3D', '96x96x64',
      '--epochs', '3',
      '--batch_size', '2',
      '--workers', '1',
      '--metalearner', 'mean',
      '--architecture', 'ResNet18',
    ]);
    expect(trainingArgs({ ...base, threeDim: true })).toContain('128x128x128');
  });

  it('adds the annotation CSV and --ohe for the CSV interface', () => {
    expect(trainingArgs({ ...base, gt: true })).toEqual([
      'training', '--path_imagedir', '/data/training', '--path_modeldir', '/data/model',
      '--path_gt', '/data/annotations.csv',
      '--analysis', 'standard', '--shape_3D', '128x128x128', '--epochs', '25', '--batch_size', '24', '--workers', '1', '--metalearner', 'mean', '--architecture', 'DenseNet121',
    ]);
    expect(trainingArgs({ ...base, gt: true, ohe: true, analysis: 'advanced', architectures: ['Vanilla', 'MobileNetV2'], metalearner: 'weighted_mean' })).toEqual([
      'training', '--path_imagedir', '/data/training', '--path_modeldir', '/data/model',
      '--path_gt', '/data/annotations.csv', '--ohe',
      '--analysis', 'advanced', '--shape_3D', '128x128x128', '--epochs', '25', '--batch_size', '24', '--workers', '1', '--metalearner', 'weighted_mean', '--architecture', 'Vanilla,MobileNetV2',
    ]);
  });

  it("uses AUCMEDI's defaults where the options leave them out", () => {
    const argv = trainingArgs(base);
    expect(argv[argv.indexOf('--metalearner') + 1]).toBe(AUCMEDI_DEFAULTS.metalearner);
    expect(argv[argv.indexOf('--shape_3D') + 1]).toBe(formatShape3D(AUCMEDI_DEFAULTS.shape3D));
  });

  it('accepts every architecture of the catalog, each in its dimensionality', () => {
    for (const key of ['Vanilla', 'NASNetLarge', 'ConvNeXtLarge', 'EfficientNetB7', 'Xception']) expect(trainingArgs({ ...base, architectures: [key] }).at(-1)).toBe(key);
    for (const key of ['ResNet34', 'ResNeXt101', 'ConvNeXtTiny', 'VGG19']) expect(trainingArgs({ ...base, threeDim: true, architectures: [key] }).at(-1)).toBe(key);
  });

  it('refuses several architectures outside the advanced analysis', () => {
    const e = userErrorOf(() => trainingArgs({ ...base, architectures: ['ResNet50', 'VGG16'] }));
    expect(e).toMatchObject({ code: 'TRAINING_OPTIONS_INVALID', message: 'Several architectures can only be combined in the advanced analysis; the standard analysis trains one model.', action: 'Keep one architecture, or choose the advanced analysis.' });
    expect(userErrorOf(() => trainingArgs({ ...base, analysis: 'minimal', architectures: ['ResNet50', 'VGG16'] })).message).toMatch(/the minimal analysis trains one model/);
  });

  it('refuses an advanced analysis with one architecture (AUCMEDI needs a list) or too many', () => {
    expect(userErrorOf(() => trainingArgs({ ...base, analysis: 'advanced' }))).toMatchObject({
      code: 'TRAINING_OPTIONS_INVALID',
      message: 'The advanced analysis combines several models, but only one architecture was chosen.',
    });
    expect(userErrorOf(() => trainingArgs({ ...base, analysis: 'advanced', architectures: Array(11).fill('Vanilla') })).message).toBe('The advanced analysis takes at most 10 architectures; 11 were chosen.');
    expect(userErrorOf(() => trainingArgs({ ...base, architectures: [] })).message).toBe('No architecture was chosen.');
  });

  it('refuses unknown architectures and those of the other dimensionality, saying which exist', () => {
    const wrongCase = userErrorOf(() => trainingArgs({ ...base, architectures: ['densenet121'] }));
    expect(wrongCase).toMatchObject({ code: 'ARCHITECTURE_UNKNOWN', message: 'AUCMEDI has no architecture "densenet121" for 2D images.', action: 'Did you mean DenseNet121? Architecture names are case-sensitive.' });
    const only3D = userErrorOf(() => trainingArgs({ ...base, architectures: ['ResNet18'] }));
    expect(only3D.action).toBe('ResNet18 exists only for 3D volumes; choose one of the 2D images architectures.');
    const only2D = userErrorOf(() => trainingArgs({ ...base, threeDim: true, architectures: ['EfficientNetB0'] }));
    expect(only2D).toMatchObject({ code: 'ARCHITECTURE_UNKNOWN', message: 'AUCMEDI has no architecture "EfficientNetB0" for 3D volumes.' });
    const unknown = userErrorOf(() => trainingArgs({ ...base, analysis: 'advanced', architectures: ['Vanilla', 'SuperNet'] }));
    expect(unknown.action).toMatch(/^Choose one of: Vanilla, ResNet50, .*ConvNeXtLarge\.$/);
    expect(userErrorOf(() => trainingArgs({ ...base, architectures: ['ViT_B16'] })).code).toBe('ARCHITECTURE_UNKNOWN');
  });

  it('refuses epochs, batch sizes and workers that are not whole numbers in range', () => {
    for (const epochs of [0, -1, 1.5, 10_001, Number.NaN]) {
      expect(userErrorOf(() => trainingArgs({ ...base, epochs })), String(epochs)).toMatchObject({
        code: 'TRAINING_OPTIONS_INVALID',
        message: 'The number of epochs must be a whole number from 1 to 10000.',
        action: 'Correct the number of epochs.',
      });
    }
    expect(userErrorOf(() => trainingArgs({ ...base, batchSize: 0 })).message).toBe('The batch size must be a whole number from 1 to 1024.');
    expect(userErrorOf(() => trainingArgs({ ...base, batchSize: 2048 })).message).toBe('The batch size must be a whole number from 1 to 1024.');
    expect(userErrorOf(() => trainingArgs({ ...base, workers: 0 })).message).toBe('The number of workers must be a whole number from 1 to 64.');
    expect(trainingArgs({ ...base, epochs: 10_000, batchSize: 1, workers: 64 })).toContain('10000');
  });

  it('refuses a 3D shape for 2D images and shapes out of range', () => {
    expect(userErrorOf(() => trainingArgs({ ...base, shape3D: [64, 64, 64] })).message).toBe('A 3D input shape was given for 2D images.');
    for (const shape3D of [[8, 64, 64], [64, 64, 2048], [64.5, 64, 64]] as [number, number, number][]) {
      expect(userErrorOf(() => trainingArgs({ ...base, threeDim: true, architectures: ['Vanilla'], shape3D })).message).toBe(
        'The 3D input shape must be three whole numbers between 16 and 1024, like 128x128x128.',
      );
    }
  });

  it('refuses a metalearner outside the advanced analysis, and unknown ones', () => {
    expect(userErrorOf(() => trainingArgs({ ...base, metalearner: 'mean' }))).toMatchObject({
      code: 'TRAINING_OPTIONS_INVALID',
      message: 'A metalearner combines the models of the advanced analysis; the standard analysis trains one model.',
      action: 'Leave the metalearner empty, or choose the advanced analysis.',
    });
    const unknown = userErrorOf(() => trainingArgs({ ...base, analysis: 'advanced', architectures: ['Vanilla', 'Vanilla'], metalearner: 'xgboost' }));
    expect(unknown.message).toBe('"xgboost" is not a metalearner AUCMEDI knows.');
    expect(unknown.action).toMatch(/^Choose one of: mean, median, majority_vote, softmax, global_argmax, logistic_regression, /);
  });

  it('refuses one-hot annotations without a CSV, and metalearners AUCMEDI refuses for multi-label', () => {
    expect(userErrorOf(() => trainingArgs({ ...base, ohe: true })).message).toBe('One-hot (multi-label) annotations need an annotation file, but none was given.');
    for (const metalearner of ['logistic_regression', 'naive_bayes', 'support_vector_machine', 'gaussian_process', 'majority_vote', 'softmax', 'global_argmax']) {
      const e = userErrorOf(() => trainingArgs({ ...base, gt: true, ohe: true, analysis: 'advanced', architectures: ['Vanilla', 'Vanilla'], metalearner }));
      expect(e.message, metalearner).toBe(`The metalearner "${metalearner}" cannot combine multi-label (one-hot) predictions.`);
      expect(e.action).toBe('Choose one of: mlp, k_neighbors, random_forest, weighted_mean, best_model, decision_tree, mean, median.');
    }
    for (const metalearner of ['mlp', 'k_neighbors', 'random_forest', 'weighted_mean', 'best_model', 'decision_tree', 'mean', 'median']) {
      expect(trainingArgs({ ...base, gt: true, ohe: true, analysis: 'advanced', architectures: ['Vanilla', 'Vanilla'], metalearner })).toContain(metalearner);
    }
    // Single-label CSV data may use any metalearner.
    expect(trainingArgs({ ...base, gt: true, analysis: 'advanced', architectures: ['Vanilla', 'Vanilla'], metalearner: 'softmax' })).toContain('softmax');
  });
});

describe('predictionArgs', () => {
  it('passes the paths, batch size and workers', () => {
    expect(predictionArgs({ batchSize: 12, workers: 1 })).toEqual([
      'prediction',
      '--path_imagedir', '/data/test',
      '--path_modeldir', '/data/model',
      '--path_pred', '/data/prediction/preds.csv',
      '--batch_size', '12',
      '--workers', '1',
    ]);
  });

  it('adds the XAI method and directory', () => {
    expect(predictionArgs({ batchSize: 4, workers: 2, xaiMethod: 'gradcam', modelAnalysis: 'standard' })).toEqual([
      'prediction',
      '--path_imagedir', '/data/test',
      '--path_modeldir', '/data/model',
      '--path_pred', '/data/prediction/preds.csv',
      '--xai_method', 'gradcam',
      '--xai_directory', '/data/prediction/xai',
      '--batch_size', '4',
      '--workers', '2',
    ]);
    for (const method of XAI_METHODS) expect(predictionArgs({ batchSize: 1, workers: 1, xaiMethod: method })).toContain(method);
    expect(predictionArgs({ batchSize: 1, workers: 1, xaiMethod: 'gc++' })).toContain('gc++');
  });

  it('refuses unknown XAI methods, XAI for advanced models and bad numbers', () => {
    expect(userErrorOf(() => predictionArgs({ batchSize: 12, workers: 1, xaiMethod: 'shap' }))).toMatchObject({
      code: 'PREDICTION_OPTIONS_INVALID',
      message: '"shap" is not an explanation (XAI) method AUCMEDI knows.',
    });
    expect(userErrorOf(() => predictionArgs({ batchSize: 12, workers: 1, xaiMethod: 'gradcam', modelAnalysis: 'advanced' })).message).toBe(
      'Heat maps (XAI) cannot be made for a model of the advanced analysis: it combines several models.',
    );
    expect(predictionArgs({ batchSize: 12, workers: 1, modelAnalysis: 'advanced' })).not.toContain('--xai_method');
    expect(userErrorOf(() => predictionArgs({ batchSize: 0, workers: 1 })).code).toBe('PREDICTION_OPTIONS_INVALID');
    expect(userErrorOf(() => predictionArgs({ batchSize: 1, workers: 1.5 })).message).toBe('The number of workers must be a whole number from 1 to 64.');
  });
});

describe('evaluationArgs', () => {
  it('scores the predictions against class sub-folders or an annotation CSV', () => {
    expect(evaluationArgs({ ohe: false })).toEqual([
      'evaluation',
      '--path_imagedir', '/data/training',
      '--path_pred', '/data/preds.csv',
      '--path_evaldir', '/data/evaluation',
    ]);
    expect(evaluationArgs({ gt: true, ohe: true })).toEqual([
      'evaluation',
      '--path_imagedir', '/data/training',
      '--path_gt', '/data/annotations.csv',
      '--ohe',
      '--path_pred', '/data/preds.csv',
      '--path_evaldir', '/data/evaluation',
    ]);
    expect(evaluationArgs({ gt: true, ohe: false })).toContain('/data/annotations.csv');
  });

  it('refuses one-hot ground truth without a CSV', () => {
    expect(userErrorOf(() => evaluationArgs({ ohe: true }))).toMatchObject({ code: 'EVALUATION_OPTIONS_INVALID', message: 'One-hot (multi-label) ground truth needs an annotation file, but none was given.' });
  });
});

describe('3D shapes', () => {
  it('formats and parses AxBxC', () => {
    expect(formatShape3D([128, 128, 64])).toBe('128x128x64');
    expect(parseShape3D('128x128x64')).toEqual([128, 128, 64]);
    expect(parseShape3D(' 96 X 96 x 32 ')).toEqual([96, 96, 32]);
    for (const bad of ['128x128', '0x1x1', 'axbxc', '1x2x3x4', '', '-1x2x3']) expect(parseShape3D(bad), bad).toBeNull();
  });
});

describe('request schemas (the IPC boundary)', () => {
  it('accept well-formed options', () => {
    expect(trainingOptionsSchema.parse(base)).toEqual(base);
    const full = { ...base, analysis: 'advanced', architectures: ['Vanilla', 'ResNet18'], threeDim: true, shape3D: [64, 64, 64], metalearner: 'weighted_mean', ohe: true, gt: true };
    expect(trainingOptionsSchema.parse(full)).toEqual(full);
    const prediction = { batchSize: 12, workers: 1, xaiMethod: 'gradcam++', modelAnalysis: 'standard' };
    expect(predictionOptionsSchema.parse(prediction)).toEqual(prediction);
    expect(evaluationOptionsSchema.parse({ ohe: false, gt: true })).toEqual({ ohe: false, gt: true });
  });

  it('reject wrong types, ranges and unknown keys', () => {
    const bad: unknown[] = [
      { ...base, analysis: 'expert' },
      { ...base, epochs: 2.5 },
      { ...base, epochs: '25' },
      { ...base, batchSize: 0 },
      { ...base, architectures: [] },
      { ...base, architectures: ['Dense Net'] },
      { ...base, architectures: ['../../etc'] },
      { ...base, shape3D: [64, 64] },
      { ...base, metalearner: 'mean; rm -rf /' },
      { ...base, extra: true },
      { ...base, ohe: undefined },
    ];
    for (const value of bad) expect(trainingOptionsSchema.safeParse(value).success, JSON.stringify(value)).toBe(false);
    expect(predictionOptionsSchema.safeParse({ batchSize: 12, workers: 1, xaiMethod: '--rm' }).success).toBe(false);
    expect(predictionOptionsSchema.safeParse({ batchSize: 12 }).success).toBe(false);
    expect(evaluationOptionsSchema.safeParse({ ohe: 'yes' }).success).toBe(false);
  });
});
