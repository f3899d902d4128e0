/**
 * The app's evaluation numbers are AUCMEDI's (issue 14, point 9), against the real engine and the
 * stand-in image. AUCMEDI's evaluation decides single- or multi-label from the predictions, not from
 * the annotation format (aucmedi/automl/block_eval.py: `np.sum(data_pd) > (class_ohe.shape[0] + 1.5)`),
 * and scores single-label by argmax, multi-label at 0.5 per class (aucmedi/evaluation/metrics.py).
 * A softmax model evaluated through a one-hot annotation file is therefore scored single-label: the
 * app's confusion matrix, its per-class counts and its ROC curves must say what metrics.performance.csv
 * says for the same run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationRecord } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { ScriptedDialogs } from '../e2e/harness';

const hasEngine = requireEngine();

/** A CSV read here with nothing of the app (the files involved have no quoted fields). */
function readPlainCsv(file: string): string[][] {
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split(','));
}

describe.runIf(hasEngine)("evaluation: the app's numbers are metrics.performance.csv's (real engine, stand-in image)", () => {
  const dir = tempDir('aucmedi-agreement-');
  const trainingSet = path.join(dir, 'training');
  const labelledImages = path.join(dir, 'labelled-images');
  const oneHotFile = path.join(dir, 'labels.one-hot.csv');
  const dataDir = path.join(dir, 'app-data');
  let core: Core;
  let trainingId: string;
  let classes: string[];

  const ok = async <T>(promise: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> => {
    const response = await promise;
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.data;
  };

  beforeAll(async () => {
    buildStandIn();
    // Three classes, so that a most probable class can lie below 0.5 (argmax and the 0.5 threshold then differ).
    makeClassDataset(trainingSet, { classes: { benign: 12, cyst: 12, malignant: 12 }, size: 16, seed: 31 });
    classes = ['benign', 'cyst', 'malignant']; // the class folders, sorted: the model's order
    const labelled = makeClassDataset(labelledImages, { classes: { benign: 6, cyst: 6, malignant: 6 }, size: 16, seed: 37, layout: 'flat' });
    // one-hot, each sample exactly one 1: the format alone says nothing about single- or multi-label
    writeFileSync(oneHotFile, `SAMPLE,${classes.join(',')}\n${Object.entries(labelled.labels).map(([sample, label]) => `${sample},${classes.map((c) => (c === label ? 1 : 0)).join(',')}`).join('\n')}\n`);
    mkdirSync(dataDir, { recursive: true });
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir, dialogs: new ScriptedDialogs() });
    const started = await ok(
      core.handlers['runs:start-training']({
        dataset: { path: trainingSet, gtFile: null, ohe: false },
        options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 10, batchSize: 8, workers: 1, threeDim: false },
        gpus: { kind: 'none' },
      }),
    );
    trainingId = started.id;
    const trained = await core.runs.waitForEnd(trainingId);
    if (trained.state !== 'succeeded') throw new Error(`the training ${trained.state}: ${trained.error?.message}`);
  }, 900_000);
  afterAll(() => core?.dispose());

  it('a softmax model evaluated through a one-hot file: confusion matrix, per-class counts and ROC equal metrics.performance.csv', async () => {
    const started = await ok(core.handlers['runs:start-evaluation']({ model: { runId: trainingId }, dataset: { path: labelledImages, gtFile: oneHotFile, ohe: true }, options: { batchSize: 6, workers: 1 }, gpus: { kind: 'none' } }));
    const record = (await core.runs.waitForEnd(started.id)) as EvaluationRecord;
    expect(record.state, record.error?.message).toBe('succeeded');
    expect(record.command).toEqual(expect.arrayContaining(['evaluation', '--ohe']));
    const evaluationDir = path.join(record.outputDir, 'evaluation');
    const results = await ok(core.handlers['runs:evaluation']({ runId: record.id }));

    // What AUCMEDI wrote, read here: metric,score,class; an undefined score is empty, an undefined AUC absent.
    const csv = readPlainCsv(path.join(evaluationDir, 'metrics.performance.csv'));
    expect(csv[0]).toEqual(['metric', 'score', 'class']);
    const aucmedi = new Map<string, Map<string, number | null>>();
    for (const [metric, score, className] of csv.slice(1)) {
      if (!aucmedi.has(className!)) aucmedi.set(className!, new Map());
      aucmedi.get(className!)!.set(metric!, score === '' ? null : Number(score));
    }
    expect([...aucmedi.keys()]).toEqual(classes);

    // AUCMEDI's decision, as its output shows it: a confusion-matrix plot only for single-label (performance.py).
    const preds = readPlainCsv(path.join(record.outputDir, 'prediction', 'preds.csv'));
    const probabilities = preds.slice(1).map((row) => row.slice(1).map(Number));
    expect(probabilities.every((p) => Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4)).toBe(true); // softmax
    expect(existsSync(path.join(evaluationDir, 'plot.performance.confusion_matrix.png'))).toBe(true);
    // Several images have a most probable class below 0.5: counted at 0.5 per class, they would be nobody's.
    expect(probabilities.filter((p) => Math.max(...p) < 0.5).length).toBeGreaterThan(0);

    // The app's per-class counts, whichever way it scored, are AUCMEDI's TP, FP, FN, TN.
    const { confusion } = results;
    const counts = (c: number) => {
      if (confusion.kind === 'multi-label') {
        const { tp, fp, fn, tn } = confusion.perClass[c]!;
        return { TP: tp, FP: fp, FN: fn, TN: tn };
      }
      const tp = confusion.matrix[c]![c]!;
      const fn = confusion.matrix[c]!.reduce((a, b) => a + b, 0) - tp;
      const fp = confusion.matrix.reduce((a, row) => a + row[c]!, 0) - tp;
      return { TP: tp, FP: fp, FN: fn, TN: confusion.matched - tp - fp - fn };
    };
    classes.forEach((className, c) => {
      const scores = aucmedi.get(className)!;
      expect(counts(c), className).toEqual({ TP: scores.get('TP'), FP: scores.get('FP'), FN: scores.get('FN'), TN: scores.get('TN') });
    });
    expect(confusion.kind).toBe('single-label');
    if (confusion.kind !== 'single-label') return;

    // The matrix, computed here from preds.csv and the one-hot file, both by argmax (metrics.py compute_confusion_matrix).
    const truthOf = new Map(readPlainCsv(oneHotFile).slice(1).map(([sample, ...ones]) => [sample!, ones.map(Number).indexOf(1)]));
    const expected = classes.map(() => classes.map(() => 0));
    for (const [i, row] of preds.slice(1).entries()) {
      const p = probabilities[i]!;
      expected[truthOf.get(row[0]!)!]![p.indexOf(Math.max(...p))]! += 1;
    }
    expect(confusion).toMatchObject({ classes, matrix: expected, matched: 18, withoutGroundTruth: [], withoutPrediction: [] });

    classes.forEach((className) => {
      const scores = aucmedi.get(className)!;
      // the per-class table is the file, metric by metric
      const row = results.metrics.rows.find((r) => r.className === className)!;
      expect(Object.keys(row.metrics), className).toEqual([...scores.keys()]);
      for (const [metric, score] of scores) expect(row.metrics[metric], `${className} ${metric}`).toBe(score);
      // the ROC curve's area is AUCMEDI's AUC (roc_auc_score), or undefined where AUCMEDI left it out
      const roc = results.roc.find((r) => r.className === className)!;
      if (scores.has('AUC')) expect(roc.auc, className).toBeCloseTo(scores.get('AUC')!, 9);
      else expect(roc.auc, className).toBeNull();
      expect(roc.positives, className).toBe(6);
    });
  }, 600_000);
});
