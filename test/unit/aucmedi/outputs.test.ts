import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Predictions } from '../../../src/api/aucmedi';
import { UserErrorException, type UserError } from '../../../src/api/errors';
import {
  checkModelFolder,
  classifyModelFiles,
  aucmediMultiLabel,
  computeConfusionMatrix,
  computeRoc,
  listModelFiles,
  csvRows,
  parseNumber,
  parseTrainingMeta,
  readOutputText,
  readPerformanceMetrics,
  readPredictions,
  readTrainingLog,
  readTrainingMeta,
  sampleName,
} from '../../../src/aucmedi/outputs';
import { tempDir } from '../../helpers/temp';

const FIXTURES = path.resolve('test/fixtures/aucmedi');
const fixture = (...parts: string[]) => path.join(FIXTURES, ...parts);
const text = (...parts: string[]) => readFileSync(fixture(...parts), 'utf8');
const json = <T>(...parts: string[]) => JSON.parse(text(...parts)) as T;

async function userErrorOf(promiseOrFn: Promise<unknown> | (() => unknown)): Promise<UserError> {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    expect(error).toBeInstanceOf(UserErrorException);
    const e = (error as UserErrorException).userError;
    expect(e.message).toMatch(/^[A-Z].*\.$/);
    expect(e.action).toMatch(/^[A-Z].*\.$/);
    return e;
  }
  throw new Error('expected a UserErrorException');
}

describe('csvRows and parseNumber', () => {
  it('reads quoted fields, escaped quotes, line breaks in quotes, CRLF, CR alone and a BOM', () => {
    expect(csvRows('a,b\r1,2\r')).toEqual([['a', 'b'], ['1', '2']]);
    expect(csvRows('\uFEFFa,"b, c","say ""hi"""\r\n1,"two\nlines",3\r\n4,5,6\n\n')).toEqual([
      ['a', 'b, c', 'say "hi"'],
      ['1', 'two\nlines', '3'],
      ['4', '5', '6'],
    ]);
    expect(csvRows('x,y\n1,\n,2')).toEqual([['x', 'y'], ['1', ''], ['', '2']]);
    expect(csvRows('only\n""\n')).toEqual([['only'], ['']]);
    expect(csvRows('')).toEqual([]);
  });

  it('reads numbers as Python writes them and nothing else', () => {
    expect(parseNumber('0.5')).toBe(0.5);
    expect(parseNumber(' 1e-04 ')).toBe(0.0001);
    expect(parseNumber('9.999999747378752e-07')).toBeCloseTo(1e-6, 12);
    expect(parseNumber('12.0')).toBe(12);
    expect(parseNumber('-3')).toBe(-3);
    expect(parseNumber('.5')).toBe(0.5);
    for (const t of ['', 'NA', 'nan', 'NaN', 'inf', '-inf', 'Infinity', 'None', '[0.5 0.6]', '0x10', undefined]) expect(parseNumber(t), String(t)).toBeNull();
  });
});

describe('meta.training.json', () => {
  it('reads the config and class names of a real standard training', async () => {
    const meta = await readTrainingMeta(fixture('model-standard'));
    expect(meta).toMatchObject({
      classNames: ['benign', 'malignant', 'normal'],
      analysis: 'standard',
      architectures: ['Vanilla'],
      threeDim: false,
      shape3D: [128, 128, 128],
      epochs: 14,
      batchSize: 8,
      workers: 1,
      metalearner: 'mean',
      ohe: false,
      multiLabel: false,
      interface: 'directory',
    });
    expect(meta.config.path_modeldir).toBe('/data/model');
    expect(JSON.parse(JSON.stringify(meta))).toEqual(meta);
  });

  it('reads an advanced list of architectures, 3D shapes and multi-label CSV trainings', async () => {
    expect(await readTrainingMeta(fixture('model-advanced'))).toMatchObject({ analysis: 'advanced', architectures: ['Vanilla', 'DenseNet121'], metalearner: 'logistic_regression' });
    expect(await readTrainingMeta(fixture('model-3d-minimal'))).toMatchObject({ analysis: 'minimal', threeDim: true, shape3D: [64, 64, 32], classNames: ['left', 'right'] });
    expect(await readTrainingMeta(fixture('model-multilabel'))).toMatchObject({ ohe: true, multiLabel: true, interface: 'csv', classNames: ['a', 'b', 'c'] });
  });

  it("takes Python's NaN/Infinity, older keys and numeric class names", () => {
    const meta = parseTrainingMeta('{"analysis": "minimal", "two_dim": false, "epochs": NaN, "batch_size": Infinity, "note": "NaN stays text", "architecture": "ResNet18", "class_names": [0, 1], "shape_3D": "64x64x64"}');
    expect(meta).toMatchObject({ threeDim: true, epochs: null, batchSize: null, classNames: ['0', '1'], architectures: ['ResNet18'], shape3D: [64, 64, 64], multiLabel: null, interface: null });
    expect(meta.config.note).toBe('NaN stays text');
  });

  it('says what is wrong with a damaged or missing file', async () => {
    expect(await userErrorOf(() => parseTrainingMeta('{"analysis": "standard"'))).toMatchObject({ code: 'AUCMEDI_OUTPUT_INVALID', message: "AUCMEDI's training record (meta.training.json) is not valid JSON." });
    expect((await userErrorOf(() => parseTrainingMeta('[1, 2]'))).message).toBe("AUCMEDI's training record (meta.training.json) is not a JSON object.");
    expect((await userErrorOf(() => parseTrainingMeta('{"analysis": "standard"}'))).message).toBe("AUCMEDI's training record (meta.training.json) has no class names.");
    const missing = await userErrorOf(readTrainingMeta(fixture('no-such-folder')));
    expect(missing).toMatchObject({ code: 'AUCMEDI_OUTPUT_MISSING', message: "AUCMEDI's training record (meta.training.json) was not found." });
    expect(missing.detail).toContain('no-such-folder');
    expect((await userErrorOf(readOutputText(fixture('model-standard')))).code).toBe('AUCMEDI_OUTPUT_UNREADABLE');
  });
});

describe('training logs (Keras CSVLogger)', () => {
  it('reads a real standard log across both fits, columns by header', () => {
    const log = readTrainingLog(text('model-standard', 'logs.training.csv'));
    expect(log.columns).toEqual(['auc', 'loss', 'lr', 'val_auc', 'val_loss']);
    expect(log.rows).toHaveLength(14);
    expect(log.rows.map((r) => r.epoch)).toEqual([...Array(14).keys()]);
    expect(log.rows[0]).toEqual({ epoch: 0, epochNumber: 1, metrics: { auc: 0.9652777910232544, loss: 0.8023741841316223, lr: 0.0001, val_auc: 1, val_loss: 0.7451441287994385 } });
    // The fine-tuning fit starts at epoch 11 with the lower learning rate.
    expect(log.rows[9]!.metrics.lr).toBe(1e-4);
    expect(log.rows[10]!.metrics.lr).toBe(1e-5);
    expect(log.rows[13]!.epochNumber).toBe(14);
  });

  it('reads minimal logs and the per-fold logs of an advanced run', () => {
    expect(readTrainingLog(text('model-minimal', 'logs.training.csv'))).toMatchObject({ columns: ['auc', 'loss'], rows: [{ epoch: 0 }, { epoch: 1 }, { epoch: 2 }] });
    const fold = readTrainingLog(text('model-advanced', 'cv_1.logs.csv'));
    expect(fold.columns).toContain('val_loss');
    expect(fold.rows.length).toBeGreaterThan(0);
  });

  it('reads older columns, CRLF, quoted headers and missing values (hand-written)', () => {
    const older = '"epoch","auc","f1_score","loss","lr","val_auc","val_f1_score","val_loss"\r\n0,0.81,0.55,0.71,1e-04,0.85,0.60,0.66\r\n1,0.88,NA,0.62,1e-04,nan,,0.58\r\n';
    expect(readTrainingLog(older)).toEqual({
      columns: ['auc', 'f1_score', 'loss', 'lr', 'val_auc', 'val_f1_score', 'val_loss'],
      rows: [
        { epoch: 0, epochNumber: 1, metrics: { auc: 0.81, f1_score: 0.55, loss: 0.71, lr: 0.0001, val_auc: 0.85, val_f1_score: 0.6, val_loss: 0.66 } },
        { epoch: 1, epochNumber: 2, metrics: { auc: 0.88, f1_score: null, loss: 0.62, lr: 0.0001, val_auc: null, val_f1_score: null, val_loss: 0.58 } },
      ],
    });
  });

  it('reads Keras 3\'s learning_rate column as lr, as Keras 2 names it (hand-written, Keras 3 CSVLogger style)', () => {
    // Keras 3: sorted keys, `learning_rate` (ReduceLROnPlateau), values as Python floats, LF line ends.
    const keras3 = 'epoch,auc,learning_rate,loss,val_auc,val_loss\n0,0.61,0.0001,0.69,0.68,0.66\n10,0.83,1e-05,0.51,0.86,0.49\n';
    const log = readTrainingLog(keras3);
    expect(log.columns).toEqual(['auc', 'lr', 'loss', 'val_auc', 'val_loss']);
    expect(log.rows.map((r) => [r.epochNumber, r.metrics.lr])).toEqual([[1, 1e-4], [11, 1e-5]]);
    expect(log.rows[0]!.metrics).not.toHaveProperty('learning_rate');
    // the same log from Keras 2 reads the same
    expect(readTrainingLog(keras3.replace('learning_rate', 'lr'))).toEqual(log);
  });

  it('follows a repeated header and a log without an epoch column (hand-written)', () => {
    expect(readTrainingLog('epoch,loss,auc\n0,0.9,0.7\nepoch,loss,auc,lr\n1,0.8,0.75,1e-05\n')).toEqual({
      columns: ['loss', 'auc', 'lr'],
      rows: [
        { epoch: 0, epochNumber: 1, metrics: { loss: 0.9, auc: 0.7 } },
        { epoch: 1, epochNumber: 2, metrics: { loss: 0.8, auc: 0.75, lr: 0.00001 } },
      ],
    });
    expect(readTrainingLog('loss,accuracy\r0.5,0.8\r0.4,0.9').rows.map((r) => [r.epoch, r.metrics.accuracy])).toEqual([[0, 0.8], [1, 0.9]]);
    expect(readTrainingLog('epoch,loss\n')).toEqual({ columns: ['loss'], rows: [] });
  });

  it('refuses an empty log', async () => {
    expect((await userErrorOf(() => readTrainingLog(''))).message).toBe("AUCMEDI's training log (logs.training.csv) is empty.");
  });
});

describe('model folders', () => {
  it('lists the files of real trainings by role', async () => {
    expect(await listModelFiles(fixture('model-standard'))).toEqual({
      meta: 'meta.training.json',
      bestLoss: 'model.best_loss.keras',
      last: 'model.last.keras',
      trainingLog: 'logs.training.csv',
      folds: [],
      metalearner: null,
      plots: ['plot.fitting_course.png'],
      other: ['command.json', 'console.txt'],
    });
    expect(await listModelFiles(fixture('model-advanced'))).toEqual({
      meta: 'meta.training.json',
      bestLoss: null,
      last: null,
      trainingLog: null,
      folds: [
        { index: 0, model: 'cv_0.model.keras', log: 'cv_0.logs.csv' },
        { index: 1, model: 'cv_1.model.keras', log: 'cv_1.logs.csv' },
      ],
      metalearner: 'metalearner.model.pickle',
      plots: ['plot.fitting_course.png'],
      other: ['command.json', 'console.txt'],
    });
    expect((await listModelFiles(fixture('model-minimal'))).bestLoss).toBeNull();
  });

  it('sorts folds numerically, prefers .keras over older formats, leaves temporary files aside', () => {
    const files = classifyModelFiles(['cv_10.model.keras', 'cv_2.model.hdf5', 'cv_2.model.keras', 'model.best_loss.hdf5', 'model.best_loss.keras', 'model.last.hdf5', 'model.best_loss.keras.tmp', 'plot.performance.roc.png', 'notes.txt']);
    expect(files.folds).toEqual([{ index: 2, model: 'cv_2.model.keras', log: null }, { index: 10, model: 'cv_10.model.keras', log: null }]);
    expect(files.bestLoss).toBe('model.best_loss.keras');
    expect(files.last).toBe('model.last.hdf5');
    expect(files.other).toEqual(['model.best_loss.keras.tmp', 'notes.txt']);
    expect(files.plots).toEqual(['plot.performance.roc.png']);
  });

  it('accepts finished trainings and names the files prediction loads', async () => {
    expect((await checkModelFolder(fixture('model-standard'))).modelFiles).toEqual(['model.best_loss.keras']);
    expect((await checkModelFolder(fixture('model-minimal'))).modelFiles).toEqual(['model.last.keras']);
    expect((await checkModelFolder(fixture('model-3d-minimal'))).meta.threeDim).toBe(true);
    const advanced = await checkModelFolder(fixture('model-advanced'));
    expect(advanced.modelFiles).toEqual(['cv_0.model.keras', 'cv_1.model.keras', 'metalearner.model.pickle']);
    expect(advanced.dir).toBe(fixture('model-advanced'));
    expect(JSON.parse(JSON.stringify(advanced))).toEqual(advanced);
  });

  it('says what is missing from an incomplete folder', async () => {
    const root = tempDir('aucmedi-model-');
    const copy = (name: string) => {
      const dir = path.join(root, name);
      cpSync(fixture(name), dir, { recursive: true });
      return dir;
    };
    const standard = copy('model-standard');
    rmSync(path.join(standard, 'model.best_loss.keras'));
    expect(await userErrorOf(checkModelFolder(standard))).toMatchObject({
      code: 'MODEL_FOLDER_INCOMPLETE',
      message: 'The model folder is incomplete: model.best_loss.keras is missing.',
      action: 'The training may not have finished. Choose the folder of a finished training, or train again.',
    });
    const advanced = copy('model-advanced');
    rmSync(path.join(advanced, 'cv_1.model.keras'));
    rmSync(path.join(advanced, 'metalearner.model.pickle'));
    expect((await userErrorOf(checkModelFolder(advanced))).message).toBe('The model folder is incomplete: cv_1.model.keras, metalearner.model.pickle are missing.');
    const minimal = copy('model-minimal');
    rmSync(path.join(minimal, 'meta.training.json'));
    expect(await userErrorOf(checkModelFolder(minimal))).toMatchObject({ code: 'MODEL_FOLDER_INCOMPLETE', message: 'This folder is not an AUCMEDI model: it has no meta.training.json.' });
    expect((await userErrorOf(checkModelFolder(path.join(root, 'nothing-here')))).code).toBe('AUCMEDI_OUTPUT_MISSING');
  });

  it('needs no metalearner file for an aggregate, and refuses unknown analyses', async () => {
    const dir = path.join(tempDir('aucmedi-model-'), 'agg');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'meta.training.json'), JSON.stringify({ analysis: 'advanced', architecture: ['Vanilla', 'ResNet50', 'Vanilla'], metalearner: 'median', class_names: ['x', 'y'] }));
    for (const i of [0, 1, 2]) writeFileSync(path.join(dir, `cv_${i}.model.keras`), 'model');
    expect((await checkModelFolder(dir)).modelFiles).toEqual(['cv_0.model.keras', 'cv_1.model.keras', 'cv_2.model.keras']);
    writeFileSync(path.join(dir, 'meta.training.json'), JSON.stringify({ analysis: 'expert', class_names: ['x'] }));
    expect((await userErrorOf(checkModelFolder(dir))).message).toBe("The model's meta.training.json names an analysis the app does not know (expert).");
    writeFileSync(path.join(dir, 'meta.training.json'), JSON.stringify({ analysis: 'minimal', class_names: [] }));
    expect((await userErrorOf(checkModelFolder(dir))).message).toBe("The model's meta.training.json lists no classes.");
  });
});

describe('preds.csv', () => {
  it('reads real predictions with the predicted class and its probability', () => {
    const preds = readPredictions(text('prediction-standard', 'preds.csv'));
    expect(preds.classes).toEqual(['benign', 'malignant', 'normal']);
    expect(preds.rows).toHaveLength(15);
    expect(preds.rows[0]).toEqual({ sample: 'benign_000', probabilities: [0.9722331, 0.024458688, 0.0033081812], predictedClass: 'benign', probability: 0.9722331 });
    expect(preds.rows.find((r) => r.sample === 'malignant_002')).toMatchObject({ predictedClass: 'malignant', probability: 0.7843029 });
    for (const row of preds.rows) expect(row.probabilities.reduce((a, b) => a! + b!, 0)).toBeCloseTo(1, 5);
    expect(JSON.parse(JSON.stringify(preds))).toEqual(preds);
  });

  it('reads quoted class names, CRLF, ties, empty values and SAMPLE anywhere (hand-written)', () => {
    const handWritten = '\uFEFF"lesion, benign",SAMPLE,"lesion ""malignant""",normal\r\n0.2,"scan 01",0.7,0.1\r\n0.5,scan_02,0.5,0\r\n,scan_03,,\r\n0.1,scan_04,,0.3\r\n';
    expect(readPredictions(handWritten)).toEqual({
      classes: ['lesion, benign', 'lesion "malignant"', 'normal'],
      rows: [
        { sample: 'scan 01', probabilities: [0.2, 0.7, 0.1], predictedClass: 'lesion "malignant"', probability: 0.7 },
        { sample: 'scan_02', probabilities: [0.5, 0.5, 0], predictedClass: 'lesion, benign', probability: 0.5 },
        { sample: 'scan_03', probabilities: [null, null, null], predictedClass: null, probability: null },
        { sample: 'scan_04', probabilities: [0.1, null, 0.3], predictedClass: 'normal', probability: 0.3 },
      ],
    });
  });

  it('refuses files that are not predictions', async () => {
    expect(await userErrorOf(() => readPredictions('metric,score,class\nTP,1,a\n'))).toMatchObject({ code: 'AUCMEDI_OUTPUT_INVALID', message: "AUCMEDI's predictions (preds.csv) have no SAMPLE column." });
    expect((await userErrorOf(() => readPredictions('SAMPLE\nx\n'))).message).toBe("AUCMEDI's predictions (preds.csv) have no class columns.");
    expect((await userErrorOf(() => readPredictions(''))).message).toBe("AUCMEDI's predictions (preds.csv) are empty.");
    expect(readPredictions('SAMPLE,a,b\n')).toEqual({ classes: ['a', 'b'], rows: [] });
  });
});

describe('metrics.performance.csv', () => {
  it("pivots AUCMEDI's long layout to one row per class", () => {
    const perf = readPerformanceMetrics(text('evaluation-standard', 'metrics.performance.csv'));
    expect(perf.metrics).toEqual(['TP', 'TN', 'FP', 'FN', 'Sensitivity', 'Specificity', 'Precision', 'FPR', 'FNR', 'FDR', 'Accuracy', 'F1', 'AUC']);
    expect(perf.rows.map((r) => r.className)).toEqual(['benign', 'malignant', 'normal']);
    expect(perf.rows[0]!.metrics).toEqual({ TP: 4, TN: 9, FP: 1, FN: 1, Sensitivity: 0.8, Specificity: 0.9, Precision: 0.8, FPR: 0.1, FNR: 0.2, FDR: 0.2, Accuracy: 0.8666666666666667, F1: 0.8, AUC: 0.86 });
    expect(perf.rows[1]!.metrics.AUC).toBe(0.82);
  });

  it('keeps unknown metrics, any column order, missing AUC and empty scores (hand-written)', () => {
    const handWritten = 'class,score,metric\r\n"cyst, simple",3.0,TP\r\n"cyst, simple",0.75,Sensitivity\r\n"cyst, simple",0.61,MCC\r\nsolid,,Precision\r\nsolid,2.0,TP\r\nsolid,0.9,AUC\r\n';
    expect(readPerformanceMetrics(handWritten)).toEqual({
      metrics: ['TP', 'Sensitivity', 'MCC', 'Precision', 'AUC'],
      rows: [
        { className: 'cyst, simple', metrics: { TP: 3, Sensitivity: 0.75, MCC: 0.61 } },
        { className: 'solid', metrics: { Precision: null, TP: 2, AUC: 0.9 } },
      ],
    });
  });

  it('refuses files without metric and score columns', async () => {
    expect(await userErrorOf(() => readPerformanceMetrics('SAMPLE,a\nx,1\n'))).toMatchObject({ code: 'AUCMEDI_OUTPUT_INVALID', message: "AUCMEDI's evaluation metrics (metrics.performance.csv) have no metric and score columns." });
  });
});

describe('confusion matrix and ROC, by hand', () => {
  // Five images, three classes. Truth: a1 A, a2 A, b1 B, b2 B, c1 C.
  const preds = readPredictions('SAMPLE,A,B,C\na1,0.7,0.2,0.1\na2,0.3,0.6,0.1\nb1,0.1,0.8,0.1\nb2,0.2,0.3,0.5\nc1,0.1,0.1,0.8\nextra,0.4,0.3,0.3\n');

  it('counts truth by rows and the most probable class by columns', () => {
    const cm = computeConfusionMatrix(preds, { 'A/a1.png': 'A', 'A/a2.png': 'A', 'B/b1.png': 'B', 'B/b2.png': 'B', c1: 'C', 'C/c2.png': 'C' });
    expect(cm).toEqual({
      kind: 'single-label',
      classes: ['A', 'B', 'C'],
      //        pred A  B  C
      matrix: [[1, 1, 0], // truth A: a1 -> A, a2 -> B
               [0, 1, 1], // truth B: b1 -> B, b2 -> C
               [0, 0, 1]], // truth C: c1 -> C
      matched: 5,
      withoutGroundTruth: ['extra'],
      withoutPrediction: ['c2'],
    });
  });

  it('refuses ground truth with classes the model does not know', async () => {
    const e = await userErrorOf(() => computeConfusionMatrix(preds, { a1: 'A', b1: 'D' }));
    expect(e).toMatchObject({ code: 'CLASSES_MISMATCH', message: 'The ground truth has a class the model does not know: D.', action: "Evaluate with a dataset that has the model's classes (A, B, C)." });
    expect((await userErrorOf(() => computeRoc(preds, { a1: 'A' }, 'Z'))).message).toBe('The predictions have no class "Z".');
  });

  it('computes per-class counts at the threshold when scored multi-label', () => {
    const cm = computeConfusionMatrix(preds, { a1: ['A'], a2: ['A', 'B'], b1: ['B'], b2: [], c1: ['C', 'A'] }, { multiLabel: true });
    expect(cm).toEqual({
      kind: 'multi-label',
      classes: ['A', 'B', 'C'],
      threshold: 0.5,
      perClass: [
        { className: 'A', tp: 1, fp: 0, fn: 2, tn: 2 }, // A >= 0.5: a1 only; truth A: a1, a2, c1
        { className: 'B', tp: 2, fp: 0, fn: 0, tn: 3 }, // B >= 0.5: a2, b1; truth B: a2, b1
        { className: 'C', tp: 1, fp: 1, fn: 0, tn: 3 }, // C >= 0.5: b2, c1; truth C: c1
      ],
      matched: 5,
      withoutGroundTruth: ['extra'],
      withoutPrediction: [],
    });
    expect(computeConfusionMatrix(preds, { a1: ['A'], b1: ['B'] }).kind).toBe('single-label');
    expect(computeConfusionMatrix(preds, { a1: ['A'], b1: ['B'] }, { multiLabel: true, threshold: 0.75 })).toMatchObject({ kind: 'multi-label', threshold: 0.75 });
  });

  it("decides multi-label from the predictions as AUCMEDI's block_eval.py, not from the labels' format", () => {
    // softmax rows (each adds up to 1) through one-hot labels, even with several classes per image: single-label, by argmax
    const oneHot = { a1: ['A'], a2: ['A', 'B'], b1: ['B'], b2: [], c1: ['C', 'A'] };
    const softmax = computeConfusionMatrix(preds, oneHot);
    if (softmax.kind !== 'single-label') throw new Error('expected single-label');
    // the truth is the label row's argmax: the first of the model's classes marked, the first class for none
    expect(softmax.matrix).toEqual([
      [1, 1, 2], // truth A: a1 -> A, a2 (A and B) -> B, b2 (none) -> C, c1 (C and A) -> C
      [0, 1, 0], // truth B: b1 -> B
      [0, 0, 0],
    ]);
    expect(softmax.matched).toBe(5);
    // sigmoid outputs that add up to more than the labelled samples + 1.5: multi-label, at 0.5
    const sigmoid = readPredictions('SAMPLE,A,B,C\na1,0.9,0.6,0.1\na2,0.8,0.7,0.2\nb1,0.1,0.9,0.9\n');
    expect(aucmediMultiLabel(sigmoid.rows, 3)).toBe(true); // 5.2 > 4.5
    expect(computeConfusionMatrix(sigmoid, { a1: ['A'], a2: ['A', 'B'], b1: ['B'] }).kind).toBe('multi-label');
    // the count is of every labelled sample, scored or not (class_ohe.shape[0]): 5.2 > 3.7 + 1.5 is false
    expect(aucmediMultiLabel(sigmoid.rows, 4)).toBe(false);
    expect(computeConfusionMatrix(sigmoid, { a1: ['A'], a2: ['A', 'B'], b1: ['B'], x: ['C'] }).kind).toBe('single-label');
    // a missing probability makes numpy's sum NaN, which is not greater
    expect(aucmediMultiLabel(readPredictions('SAMPLE,A,B\na1,0.9,\na2,0.9,0.9\n').rows, 0)).toBe(false);
  });

  it('draws the ROC curve through every distinct score and integrates it', () => {
    // Positives score 0.9, 0.8, 0.4; negatives 0.7, 0.4, 0.2. Of the 9 pairs the positive wins
    // 3 + 3 + 1 and ties 1 (counted half): AUC = 7.5 / 9.
    const p = readPredictions('SAMPLE,yes,no\np1,0.9,0.1\np2,0.8,0.2\np3,0.4,0.6\nn1,0.7,0.3\nn2,0.4,0.6\nn3,0.2,0.8\n');
    const truth = { p1: 'yes', p2: 'yes', p3: 'yes', n1: 'no', n2: 'no', n3: 'no' };
    const roc = computeRoc(p, truth, 'yes');
    expect(roc.positives).toBe(3);
    expect(roc.negatives).toBe(3);
    expect(roc.auc).toBeCloseTo(7.5 / 9, 12);
    const third = 1 / 3;
    expect(roc.points.map((q) => [q.fpr, q.tpr, q.threshold])).toEqual([
      [0, 0, null],
      [0, third, 0.9],
      [0, 2 * third, 0.8],
      [third, 2 * third, 0.7],
      [2 * third, 1, 0.4], // p3 and n2 tie: both move at once
      [1, 1, 0.2],
    ]);
    // The other class of a two-class problem is its mirror image.
    expect(computeRoc(p, truth, 'no').auc).toBeCloseTo(7.5 / 9, 12);
  });

  it('leaves the AUC undefined without positives or negatives, as AUCMEDI does', () => {
    expect(computeRoc(preds, { a1: 'A', a2: 'A' }, 'A')).toEqual({ className: 'A', positives: 2, negatives: 0, points: [], auc: null });
    expect(computeRoc(preds, { a1: 'A', b1: 'B' }, 'C')).toEqual({ className: 'C', positives: 0, negatives: 2, points: [], auc: null });
  });

  it('matches sample names as AUCMEDI does', () => {
    expect(sampleName('benign/benign_001.png')).toBe('benign_001');
    expect(sampleName('C:\\data\\ct\\vol.nii.gz')).toBe('vol');
    expect(sampleName('scan.JPEG')).toBe('scan');
    expect(sampleName('patient.v2')).toBe('patient.v2');
    expect(sampleName('plain')).toBe('plain');
  });
});

describe('confusion matrix and ROC against real stand-in evaluations', () => {
  it('single-label: the same counts and AUC as metrics.performance.csv', () => {
    const preds = readPredictions(text('prediction-standard', 'preds.csv'));
    const truth = json<Record<string, string>>('ground-truth.single-label.json');
    const perf = readPerformanceMetrics(text('evaluation-standard', 'metrics.performance.csv'));
    const cm = computeConfusionMatrix(preds, truth);
    if (cm.kind !== 'single-label') throw new Error('expected single-label');
    // Three relabelled images: benign_004 is "malignant", malignant_004 "normal", normal_003 "benign".
    expect(cm.matrix).toEqual([[4, 0, 1], [1, 4, 0], [0, 1, 4]]);
    expect(cm).toMatchObject({ matched: 15, withoutGroundTruth: [], withoutPrediction: [] });
    cm.classes.forEach((className, c) => {
      const tp = cm.matrix[c]![c]!;
      const fn = cm.matrix[c]!.reduce((a, b) => a + b, 0) - tp;
      const fp = cm.matrix.reduce((a, row) => a + row[c]!, 0) - tp;
      const tn = cm.matched - tp - fn - fp;
      const row = perf.rows.find((r) => r.className === className)!.metrics;
      expect({ TP: tp, FP: fp, FN: fn, TN: tn }, className).toEqual({ TP: row.TP, FP: row.FP, FN: row.FN, TN: row.TN });
      expect(computeRoc(preds, truth, className).auc, className).toBeCloseTo(row.AUC!, 10);
    });
  });

  it('multi-label: the same counts at 0.5 and AUC as metrics.performance.csv', () => {
    const preds = readPredictions(text('prediction-multilabel', 'preds.csv'));
    const truth = json<Record<string, string[]>>('ground-truth.multi-label.json');
    const perf = readPerformanceMetrics(text('evaluation-multilabel', 'metrics.performance.csv'));
    const cm = computeConfusionMatrix(preds, truth);
    if (cm.kind !== 'multi-label') throw new Error('expected multi-label');
    expect(cm.matched).toBe(30);
    for (const counts of cm.perClass) {
      const row = perf.rows.find((r) => r.className === counts.className)!.metrics;
      expect([counts.tp, counts.fp, counts.fn, counts.tn], counts.className).toEqual([row.TP, row.FP, row.FN, row.TN]);
      expect(computeRoc(preds, truth, counts.className).auc, counts.className).toBeCloseTo(row.AUC!, 10);
    }
    // The annotation CSV the training used says the same as the ground truth.
    const csv = csvRows(text('annotations.multi-label.csv'));
    expect(csv.length - 1).toBe(Object.keys(truth).length);
  });
});

describe('the predictions type stays JSON', () => {
  it('round-trips through JSON', () => {
    const p: Predictions = readPredictions('SAMPLE,a\nx,\n');
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});
