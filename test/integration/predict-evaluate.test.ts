import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationRecord, PredictionRecord, RunRecord } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { snapshotFolder } from '../helpers/snapshot';
import { tempDir } from '../helpers/temp';
import { ScriptedDialogs } from '../e2e/harness';

const hasEngine = requireEngine();

/** preds.csv read here with nothing of the app: header, then sample and one probability per class. */
function readPredsCsv(file: string): { classes: string[]; rows: { sample: string; p: number[] }[] } {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  return { classes: header!.split(',').slice(1), rows: lines.map((line) => ({ sample: line.split(',')[0]!, p: line.split(',').slice(1).map(Number) })) };
}

describe.runIf(hasEngine)('prediction and evaluation with the stand-in image (real engine, real containers)', () => {
  const dir = tempDir();
  const trainingSet = path.join(dir, 'training');
  const newImages = path.join(dir, 'new-images');
  const labelledSet = path.join(dir, 'labelled');
  const csvSet = path.join(dir, 'csv-set');
  const dataDir = path.join(dir, 'app-data');
  const dialogs = new ScriptedDialogs();
  const snapshots = new Map<string, string[]>();
  let core: Core;
  let trainingId: string;
  let labels: Record<string, string>;
  const extraCores: Core[] = [];

  const ok = async <T>(promise: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> => {
    const response = await promise;
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.data;
  };
  const containersOf = (runId: string) => docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${runId}`]).stdout;
  const runsNow = () => readdirSync(path.join(dir, 'runs')).length;

  beforeAll(async () => {
    buildStandIn();
    makeClassDataset(trainingSet, { classes: { benign: 20, malignant: 20 }, size: 16, seed: 3 });
    makeClassDataset(newImages, { classes: { benign: 5, malignant: 5 }, size: 16, seed: 5, layout: 'flat' });
    labels = makeClassDataset(labelledSet, { classes: { benign: 8, malignant: 8 }, size: 16, seed: 7 }).labels;
    const csv = makeClassDataset(csvSet, { classes: { benign: 6, malignant: 6 }, size: 16, seed: 9, layout: 'flat' });
    writeFileSync(path.join(dir, 'csv-labels.csv'), `SAMPLE,CLASS\n${Object.entries(csv.labels).map(([s, c]) => `${s},${c}`).join('\n')}\n`);
    for (const folder of [trainingSet, newImages, labelledSet, csvSet]) snapshots.set(folder, snapshotFolder(folder));

    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir, dialogs });
    const started = await ok(
      core.handlers['runs:start-training']({
        dataset: { path: trainingSet, gtFile: null, ohe: false },
        options: { analysis: 'standard', architectures: ['Vanilla'], epochs: 15, batchSize: 8, workers: 1, threeDim: false },
        gpus: { kind: 'none' },
      }),
    );
    trainingId = started.id;
    const trained = await core.runs.waitForEnd(trainingId);
    if (trained.state !== 'succeeded') throw new Error(`the training ${trained.state}: ${trained.error?.message}`);
  }, 900_000);
  afterAll(() => {
    core?.dispose();
    for (const extra of extraCores) extra.dispose();
  });

  it('predicts new images with a model from the history: preds.csv as AUCMEDI wrote it, the table equal to it, heat maps, manifest', async () => {
    const started = await ok(core.handlers['runs:start-prediction']({ model: { runId: trainingId }, images: newImages, options: { batchSize: 4, workers: 1, xaiMethod: 'gradcam' }, gpus: { kind: 'none' } }));
    expect(started.command).toEqual(expect.arrayContaining(['prediction', '--xai_method', 'gradcam', '--batch_size', '4']));
    const record = (await core.runs.waitForEnd(started.id)) as PredictionRecord;
    expect(record.state).toBe('succeeded');
    expect(record.results).toMatchObject({ samples: 10, classes: ['benign', 'malignant'], heatMaps: 10 });
    expect(record.model).toMatchObject({ runId: trainingId, classNames: ['benign', 'malignant'], analysis: 'standard' });
    expect(containersOf(record.id)).toBe('');

    const file = readPredsCsv(path.join(record.outputDir, 'preds.csv'));
    const table = await ok(core.handlers['runs:predictions']({ runId: record.id }));
    expect(table.classes).toEqual(file.classes);
    expect(table.rows.map((row) => row.sample)).toEqual(file.rows.map((row) => row.sample));
    table.rows.forEach((row, i) => {
      expect(row.probabilities).toEqual(file.rows[i]!.p);
      const best = file.rows[i]!.p.indexOf(Math.max(...file.rows[i]!.p));
      expect(row.predictedClass).toBe(file.classes[best]);
    });
    expect(table.heatMaps).toHaveLength(10);
    // the model learnt: most new images are classified as the class they were drawn from
    const right = table.rows.filter((row) => row.sample.startsWith(row.predictedClass ?? '?')).length;
    expect(right).toBeGreaterThanOrEqual(7);

    const image = await ok(core.handlers['runs:image']({ runId: record.id, sample: table.rows[0]!.sample, kind: 'image' }));
    expect(image.dataUrl).toMatch(/^data:image\/png;base64,/);
    const heat = await ok(core.handlers['runs:image']({ runId: record.id, sample: table.rows[0]!.sample, kind: 'heatmap' }));
    expect(heat.dataUrl).toMatch(/^data:image\/png;base64,/);
    expect(await core.handlers['runs:image']({ runId: record.id, sample: '../../etc/passwd', kind: 'image' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });

    // export of the filtered table; preds.csv stays as it was
    const preds = readFileSync(path.join(record.outputDir, 'preds.csv'), 'utf8');
    const exported = path.join(dir, 'export.csv');
    dialogs.saveQueue.push(exported);
    expect(await ok(core.handlers['runs:export-predictions']({ runId: record.id, predictedClass: 'benign' }))).toEqual({ path: exported });
    const lines = readFileSync(exported, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('SAMPLE,benign,malignant,PREDICTED,PROBABILITY');
    expect(lines.length - 1).toBe(table.rows.filter((row) => row.predictedClass === 'benign').length);
    expect(lines.slice(1).every((line) => line.split(',')[3] === 'benign')).toBe(true);
    expect(readFileSync(path.join(record.outputDir, 'preds.csv'), 'utf8')).toBe(preds);

    const manifest = JSON.parse(readFileSync(path.join(record.outputDir, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({ run: { id: record.id, mode: 'prediction', state: 'succeeded' }, model: { trainingRun: trainingId }, images: { path: newImages, fingerprint: { fileCount: 10 } } });
    expect(manifest.command[0]).toBe('aucmedi');
  }, 300_000);

  it('evaluates on a labelled class-folder set: two steps, metrics, and a confusion matrix equal to one computed from the CSVs', async () => {
    const events: string[] = [];
    const unsubscribe = core.subscribe((event) => {
      if (event.type === 'run:state') events.push(`${event.run.state}:${event.run.mode === 'evaluation' ? event.run.step : ''}`);
    });
    const started = await ok(core.handlers['runs:start-evaluation']({ model: { runId: trainingId }, dataset: { path: labelledSet, gtFile: null, ohe: false }, options: { batchSize: 8, workers: 1 }, gpus: { kind: 'none' } }));
    expect(started.step).toBe('prediction');
    const record = (await core.runs.waitForEnd(started.id)) as EvaluationRecord;
    unsubscribe();
    expect(record.state).toBe('succeeded');
    expect(record.step).toBe('evaluation');
    expect(events).toEqual(expect.arrayContaining(['running:prediction', 'running:evaluation', 'succeeded:evaluation']));
    expect(record.command[0]).toBe('evaluation');
    expect(record.predictionCommand[0]).toBe('prediction');
    expect(record.results).toMatchObject({ samples: 16, plots: expect.arrayContaining(['plot.performance.confusion_matrix.png']) });
    expect(containersOf(record.id)).toBe('');
    expect(existsSync(path.join(record.outputDir, 'prediction.log'))).toBe(true);

    const results = await ok(core.handlers['runs:evaluation']({ runId: record.id }));
    // the confusion matrix, computed here from preds.csv and the folder names alone
    const preds = readPredsCsv(path.join(record.outputDir, 'prediction', 'preds.csv'));
    const expected = preds.classes.map(() => preds.classes.map(() => 0));
    for (const row of preds.rows) {
      const truth = preds.classes.indexOf(labels[row.sample]!);
      const predicted = row.p.indexOf(Math.max(...row.p));
      expected[truth]![predicted]! += 1;
    }
    expect(results.confusion).toMatchObject({ kind: 'single-label', classes: ['benign', 'malignant'], matrix: expected, matched: 16 });
    expect(results.metrics.rows.map((row) => row.className)).toEqual(['benign', 'malignant']);
    expect(results.metrics.metrics).toEqual(expect.arrayContaining(['Sensitivity', 'Specificity', 'AUC', 'F1']));
    expect(results.roc).toHaveLength(2);
    expect(results.plots.every((plot) => plot.dataUrl?.startsWith('data:image/png;base64,'))).toBe(true);

    const report = path.join(dir, 'report.html');
    dialogs.saveQueue.push(report);
    expect(await ok(core.handlers['runs:export-report']({ runId: record.id }))).toEqual({ path: report });
    const html = readFileSync(report, 'utf8');
    expect(html).toContain(record.id);
    expect(html).toContain(record.dataset.fingerprint!.sha256);
    expect(html).toContain('Sensitivity');
    expect(html).not.toMatch(/<script|https?:\/\//);
  }, 300_000);

  it('evaluates on images with an annotation CSV: both steps read a clean view, the labels a comma-separated copy', async () => {
    const gtFile = path.join(dir, 'csv-labels.csv');
    const started = await ok(core.handlers['runs:start-evaluation']({ model: { runId: trainingId }, dataset: { path: csvSet, gtFile, ohe: false }, options: { batchSize: 8, workers: 1 }, gpus: { kind: 'none' } }));
    const record = (await core.runs.waitForEnd(started.id)) as EvaluationRecord;
    expect(record.state).toBe('succeeded');
    expect(existsSync(path.join(record.outputDir, 'inputs', 'prediction.json'))).toBe(true);
    expect(readFileSync(path.join(record.outputDir, 'inputs', 'annotations.csv'), 'utf8').split('\n')[0]).toBe('SAMPLE,CLASS');
    const results = await ok(core.handlers['runs:evaluation']({ runId: record.id }));
    expect(results.confusion.matched).toBe(12);
  }, 300_000);

  const slowCore = () => {
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    const slow = createCore({ settings, dataDir, dialogs, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.4'] });
    extraCores.push(slow);
    return slow;
  };

  // Keras redraws its bar with \r and no newline until the end, and Docker's log copier holds a
  // line until its newline: the bar reaches the log only when the prediction ends. AUCMEDI's first
  // line says the container is under way, with 10 batches of 0.4 s still to go.
  const waitForPredictionUnderWay = async (runCore: ReturnType<typeof slowCore>, runId: string) => {
    const until = Date.now() + 60_000;
    while (!/aucmedi_v[\d.]+/.test((await ok(runCore.handlers['runs:log']({ runId, offset: 0 }))).text)) {
      if (Date.now() > until) throw new Error('timed out waiting for the prediction to start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(runCore.runs.get(runId).state).toBe('running');
  };

  it('shows a prediction\'s progress while its container runs, though Keras\'s bar has no newline until the end', async () => {
    const slow = slowCore();
    const started = await ok(slow.handlers['runs:start-prediction']({ model: { runId: trainingId }, images: newImages, options: { batchSize: 1, workers: 1 }, gpus: { kind: 'none' } }));
    const until = Date.now() + 60_000;
    while ((slow.runs.get(started.id).progress?.batch ?? 0) < 3) {
      if (Date.now() > until) throw new Error('timed out waiting for the progress');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seen = slow.runs.get(started.id).progress;
    const running = docker(['inspect', '-f', '{{.State.Running}}', containersOf(started.id)]).stdout;
    expect({ phase: seen?.phase, running }).toEqual({ phase: 'predicting', running: 'true' });
    expect(seen?.batch).toBeLessThan(10);
    expect(await slow.runs.waitForEnd(started.id)).toMatchObject({ state: 'succeeded', progress: { batch: 10 } });
  }, 120_000);

  it('stops a prediction mid-way on request: cancelled, container removed, no results claimed', async () => {
    const slow = slowCore();
    const started = await ok(slow.handlers['runs:start-prediction']({ model: { runId: trainingId }, images: newImages, options: { batchSize: 1, workers: 1 }, gpus: { kind: 'none' } }));
    await waitForPredictionUnderWay(slow, started.id);
    const stopped = await ok(slow.handlers['runs:stop']({ runId: started.id }));
    expect(stopped).toMatchObject({ state: 'cancelled', results: null });
    expect(containersOf(started.id)).toBe('');
  }, 120_000);

  it('goes on with an evaluation after the core was closed mid-prediction: a new core reattaches and runs the second step', async () => {
    const first = slowCore();
    const started = await ok(first.handlers['runs:start-evaluation']({ model: { runId: trainingId }, dataset: { path: labelledSet, gtFile: null, ohe: false }, options: { batchSize: 1, workers: 1 }, gpus: { kind: 'none' } }));
    await waitForPredictionUnderWay(first, started.id);
    first.dispose();
    expect(containersOf(started.id)).not.toBe('');

    const second = slowCore();
    const reattached = await second.runs.reattach();
    expect(reattached.map((run) => run.id)).toContain(started.id);
    const record = (await second.runs.waitForEnd(started.id)) as EvaluationRecord;
    expect(record).toMatchObject({ state: 'succeeded', step: 'evaluation', results: { samples: 16 } });
    expect(containersOf(started.id)).toBe('');
  }, 180_000);

  it('surfaces a prediction that fails in the container (a damaged model file) with a sentence and the log', async () => {
    const damaged = path.join(dir, 'damaged-model');
    mkdirSync(damaged);
    writeFileSync(path.join(damaged, 'meta.training.json'), JSON.stringify({ class_names: ['benign', 'malignant'], analysis: 'minimal', architecture: 'Vanilla', three_dim: false }));
    writeFileSync(path.join(damaged, 'model.last.keras'), 'not a model');
    const started = await ok(core.handlers['runs:start-prediction']({ model: { dir: damaged }, images: newImages, options: { batchSize: 4, workers: 1 }, gpus: { kind: 'none' } }));
    const record = (await core.runs.waitForEnd(started.id)) as PredictionRecord;
    expect(record.state).toBe('failed');
    expect(record.results).toBeNull();
    expect(record.error?.message.length).toBeGreaterThan(10);
    expect(record.error?.action.length).toBeGreaterThan(10);
    const log = await ok(core.handlers['runs:log']({ runId: record.id, offset: 0 }));
    expect(log.text).toMatch(/Traceback/);
    expect(containersOf(record.id)).toBe('');
    expect(await core.handlers['runs:predictions']({ runId: record.id })).toMatchObject({ ok: false, error: { code: 'AUCMEDI_OUTPUT_MISSING' } });
  }, 120_000);

  it('refuses bad input before any container starts, each with a sentence and what to do', async () => {
    const before = runsNow();
    const refuse = async (promise: Promise<{ ok: boolean; error?: { code: string; message: string; action: string } }>) => {
      const response = await promise;
      expect(response.ok).toBe(false);
      expect(response.error!.action.length).toBeGreaterThan(10);
      return response.error!;
    };
    const options = { batchSize: 4, workers: 1 };
    const gpus = { kind: 'none' } as const;

    // a model folder missing its files
    const broken = path.join(dir, 'broken-model');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'meta.training.json'), JSON.stringify({ class_names: ['a', 'b'], analysis: 'standard', architecture: 'Vanilla', three_dim: false }));
    expect((await refuse(core.handlers['runs:start-prediction']({ model: { dir: broken }, images: newImages, options, gpus }))).code).toBe('MODEL_FOLDER_INCOMPLETE');
    // the same, said by models:check as soon as the folder is chosen
    const checked = await refuse(core.handlers['models:check']({ dir: broken }));
    expect(checked).toMatchObject({ code: 'MODEL_FOLDER_INCOMPLETE', message: expect.stringContaining('model.best_loss.keras') });
    // and a finished training's folder: what it holds, as its run recorded it
    const trained = core.runs.get(trainingId);
    if (trained.mode !== 'training') throw new Error('not a training');
    expect(await core.handlers['models:check']({ dir: trained.outputDir })).toEqual({
      ok: true,
      data: { dir: trained.outputDir, runId: null, classNames: trained.classNames, analysis: 'standard', architectures: ['Vanilla'], threeDim: false },
    });
    // a 3D model on 2D images
    const volumeModel = path.join(dir, 'volume-model');
    mkdirSync(volumeModel);
    writeFileSync(path.join(volumeModel, 'meta.training.json'), JSON.stringify({ class_names: ['a', 'b'], analysis: 'minimal', architecture: 'Vanilla', three_dim: true }));
    writeFileSync(path.join(volumeModel, 'model.last.keras'), 'x');
    expect((await refuse(core.handlers['runs:start-prediction']({ model: { dir: volumeModel }, images: newImages, options, gpus }))).message).toMatch(/trained on 3D volumes.*2D images/);
    // an empty image folder
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    expect((await refuse(core.handlers['runs:start-prediction']({ model: { runId: trainingId }, images: empty, options, gpus }))).message).toMatch(/no images to classify/);
    // classes the model does not know
    const otherClasses = path.join(dir, 'other-classes');
    makeClassDataset(otherClasses, { classes: { cyst: 3, benign: 3 }, size: 16, seed: 1 });
    expect((await refuse(core.handlers['runs:start-evaluation']({ model: { runId: trainingId }, dataset: { path: otherClasses, gtFile: null, ohe: false }, options, gpus }))).message).toMatch(/does not know: cyst/);
    // a set without one of the model's classes, and one with them in another order: AUCMEDI would score the wrong columns
    const benignOnly = path.join(dir, 'benign-only');
    makeClassDataset(benignOnly, { classes: { benign: 3 }, size: 16, seed: 2 });
    const lacking = await refuse(core.handlers['runs:start-evaluation']({ model: { runId: trainingId }, dataset: { path: benignOnly, gtFile: null, ohe: false }, options, gpus }));
    expect(lacking.message).toMatch(/lacks the class "malignant" of the model \(benign, malignant\)/);
    expect(lacking.action).toMatch(/one-hot annotation file, header SAMPLE,benign,malignant, 1 under each image's class and all 0 in the column of malignant/);
    // not an empty class folder, on which AUCMEDI's evaluation fails (pd.get_dummies gives it no column): refused, with the one-hot advice
    const emptyFolder = path.join(dir, 'benign-and-empty-malignant');
    makeClassDataset(emptyFolder, { classes: { benign: 3 }, size: 16, seed: 2 });
    mkdirSync(path.join(emptyFolder, 'malignant'));
    const withEmptyFolder = await refuse(core.handlers['runs:start-evaluation']({ model: { runId: trainingId }, dataset: { path: emptyFolder, gtFile: null, ohe: false }, options, gpus }));
    expect(withEmptyFolder).toMatchObject({ code: 'DATASET_INVALID', message: expect.stringContaining(`The class folder "malignant" holds no images: AUCMEDI's evaluation fails`) });
    expect(withEmptyFolder.action).toMatch(/one-hot annotation file: SAMPLE plus one column per class of the model, in the model's order/);
    const reordered = path.join(dir, 'csv-labels-reordered.csv');
    const csvLabels = readFileSync(path.join(dir, 'csv-labels.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
    writeFileSync(reordered, `SAMPLE,malignant,benign\n${csvLabels.map(([sample, label]) => `${sample},${label === 'malignant' ? 1 : 0},${label === 'benign' ? 1 : 0}`).join('\n')}\n`);
    const swapped = await refuse(core.handlers['runs:start-evaluation']({ model: { runId: trainingId }, dataset: { path: csvSet, gtFile: reordered, ohe: true }, options, gpus }));
    expect(swapped.message).toMatch(/in another order \(malignant, benign\) than the model \(benign, malignant\)/);
    // heat maps need a model of one network
    expect((await refuse(core.handlers['runs:start-prediction']({ model: { runId: trainingId }, images: newImages, options: { ...options, xaiMethod: 'nonsense' }, gpus }))).code).toBe('PREDICTION_OPTIONS_INVALID');
    // an output folder inside the images
    expect((await refuse(core.handlers['runs:start-prediction']({ model: { runId: trainingId }, images: newImages, options, gpus, outputDir: path.join(newImages, 'out') }))).code).toBe('OUTPUT_FOLDER_UNUSABLE');
    // a prediction is no model
    const prediction = (await core.runs.list()).find((run: RunRecord | { mode: string }) => run.mode === 'prediction')!;
    expect((await refuse(core.handlers['runs:start-prediction']({ model: { runId: prediction.id }, images: newImages, options, gpus }))).message).toMatch(/not a training/);

    expect(runsNow()).toBe(before);
    expect(existsSync(path.join(newImages, 'out'))).toBe(false);
  }, 120_000);

  it('wrote nothing into the training set, the images, the labelled sets', () => {
    for (const [folder, snapshot] of snapshots) expect(snapshotFolder(folder)).toEqual(snapshot);
  });
});
