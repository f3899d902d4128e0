/**
 * Issue 14, points 3-7: what the app calls ready trains, predicts and evaluates on a stand-in as
 * strict as AUCMEDI's readers (io_directory.py, io_csv.py), because a run gets a clean view of the
 * folder; and what AUCMEDI cannot read is refused before any container exists. Each case is also
 * run against the stand-in directly, without the view, to show that the stand-in does fail there.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictionRecord, RunRecord, TrainingRecord } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { dicomBytes, jpegBytes } from '../helpers/image-bytes';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { snapshotFolder } from '../helpers/snapshot';
import { tempDir } from '../helpers/temp';

const hasEngine = requireEngine();

/** The stand-in run by hand on the folder as it is (what AUCMEDI would get without the app's view). */
function rawStandIn(mounts: string[], args: string[]): { code: number; output: string } {
  const result = docker(['run', '--rm', '--network', 'none', ...mounts.flatMap((m) => ['-v', m]), STAND_IN_TAG, ...args], { allowFail: true });
  return { code: result.code, output: `${result.stdout}\n${result.stderr}` };
}

function writeFile(file: string, bytes: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/** Litter a clinician's folder holds: system files, a note, a sub-folder with an image in it. */
function litter(folder: string): void {
  writeFileSync(path.join(folder, '.DS_Store'), Buffer.from('\0\0\0\x01Bud1\0\0'));
  writeFileSync(path.join(folder, 'Thumbs.db'), 'thumbnail cache');
  writeFileSync(path.join(folder, 'notes.txt'), 'exported from PACS on Monday');
  mkdirSync(path.join(folder, 'old'), { recursive: true });
  writeFileSync(path.join(folder, 'old', 'x.jpg'), jpegBytes(16, 16));
}

describe.runIf(hasEngine)('the clean view: littered folders train, predict and evaluate on a stand-in as strict as AUCMEDI', () => {
  const dir = tempDir();
  const dataDir = path.join(dir, 'app-data');
  let core: Core;
  const ok = async <T,>(promise: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> => {
    const response = await promise;
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.data;
  };
  const containersOf = (runId: string) => docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${runId}`]).stdout;
  const runContainers = () => docker(['ps', '-a', '-q', '--filter', 'label=org.aucmedi-desk.purpose=run']).stdout;
  const train = (datasetPath: string, gtFile: string | null = null) =>
    ok(
      core.handlers['runs:start-training']({
        dataset: { path: datasetPath, gtFile, ohe: false },
        options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 10, batchSize: 8, workers: 1, threeDim: false },
        gpus: { kind: 'none' },
      }),
    );

  beforeAll(() => {
    buildStandIn();
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir });
  }, 900_000);
  afterAll(() => core?.dispose());

  it('trains on class folders holding .DS_Store, Thumbs.db, a note, a sub-folder, a hidden top folder and a JPEG among PNGs', async () => {
    const dataset = path.join(dir, 'littered');
    makeClassDataset(dataset, { classes: { benign: 12, malignant: 12 }, size: 16, seed: 21 });
    for (const cls of ['benign', 'malignant']) litter(path.join(dataset, cls));
    writeFileSync(path.join(dataset, 'benign', 'benign_extra.jpg'), jpegBytes(16, 16));
    mkdirSync(path.join(dataset, '.ipynb_checkpoints'));

    const report = await ok(core.handlers['dataset:scan']({ path: dataset, scanId: 'littered' }));
    expect(report.errors).toBe(0);
    expect(report.classes).toEqual([{ name: 'benign', count: 13 }, { name: 'malignant', count: 12 }]);
    expect(report.leftOut).toBe(2 * 4 + 1); // per class: 2 system files, the note, the sub-folder; and the hidden top folder

    // AUCMEDI would read the folder whole: the stand-in fails on it as AUCMEDI does (here on the
    // hidden top folder, a class without samples; without it, on the first file that is no image)
    const raw = rawStandIn([`${dataset}:/data/training:ro`, `${path.join(dir, 'raw-model')}:/data/model`], ['training', '--path_imagedir', '/data/training', '--path_modeldir', '/data/model', '--analysis', 'minimal', '--architecture', 'Vanilla', '--epochs', '1']);
    expect(raw.code).not.toBe(0);
    expect(raw.output).toMatch(/are incompatible/);
    rmSync(path.join(dataset, '.ipynb_checkpoints'), { recursive: true });
    const raw2 = rawStandIn([`${dataset}:/data/training:ro`, `${path.join(dir, 'raw-model2')}:/data/model`], ['training', '--path_imagedir', '/data/training', '--path_modeldir', '/data/model', '--analysis', 'minimal', '--architecture', 'Vanilla', '--epochs', '1']);
    expect(raw2.output).toMatch(/UnidentifiedImageError: cannot identify image file/);
    mkdirSync(path.join(dataset, '.ipynb_checkpoints'));
    const before = snapshotFolder(dataset);

    const started = await train(dataset);
    const record = (await core.runs.waitForEnd(started.id)) as TrainingRecord;
    expect(record.error).toBeNull();
    expect(record.state).toBe('succeeded');
    expect(record.classNames).toEqual(['benign', 'malignant']);
    // the view AUCMEDI got: exactly the accepted images, under their own names
    const spec = JSON.parse(readFileSync(path.join(record.outputDir, 'inputs', 'training.json'), 'utf8'));
    expect(spec.views[0].links).toHaveLength(25);
    expect(spec.views[0].links).toContainEqual(['benign/benign_extra.jpg', 'benign/benign_extra.jpg']);
    expect(JSON.stringify(spec)).not.toMatch(/DS_Store|Thumbs|notes|old\/|ipynb/);
    expect(snapshotFolder(dataset)).toEqual(before);
    expect(containersOf(record.id)).toBe('');
  }, 300_000);

  it('predicts a flat folder with litter and mixed extensions (a.png, b.jpg): one row per image, named as the image', async () => {
    const model = path.join(dir, 'model-set');
    makeClassDataset(model, { classes: { benign: 10, malignant: 10 }, size: 16, seed: 23 });
    const trained = await core.runs.waitForEnd((await train(model)).id);
    expect(trained.state).toBe('succeeded');

    const images = path.join(dir, 'to-classify');
    makeClassDataset(images, { classes: { benign: 3, malignant: 3 }, size: 16, seed: 25, layout: 'flat' });
    writeFileSync(path.join(images, 'aaa_first.jpeg'), jpegBytes(16, 16));
    writeFileSync(path.join(images, 'zzz_last.jpg'), jpegBytes(16, 16));
    litter(images);

    // without the view: samples are named with the first file's extension, so the others are not found
    const raw = rawStandIn([`${images}:/data/test:ro`, `${trained.outputDir}:/data/model:ro`, `${path.join(dir, 'raw-pred')}:/data/prediction`], ['prediction', '--path_imagedir', '/data/test', '--path_modeldir', '/data/model', '--path_pred', '/data/prediction/preds.csv']);
    expect(raw.code).not.toBe(0);

    const started = await ok(core.handlers['runs:start-prediction']({ model: { runId: trained.id }, images, options: { batchSize: 4, workers: 1 }, gpus: { kind: 'none' } }));
    const record = (await core.runs.waitForEnd(started.id)) as PredictionRecord;
    expect(record.error).toBeNull();
    expect(record.state).toBe('succeeded');
    const samples = readFileSync(path.join(record.outputDir, 'preds.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',')[0]);
    expect(samples).toEqual(['aaa_first', 'benign_000', 'benign_001', 'benign_002', 'malignant_000', 'malignant_001', 'malignant_002', 'zzz_last']);
  }, 400_000);

  it("trains from a German-Excel CSV (';') with numeric classes 1, 2, 10: AUCMEDI's own order (numbers by value) shown and recorded", async () => {
    const images = path.join(dir, 'csv-images');
    const set = makeClassDataset(images, { classes: { a: 8, b: 8, c: 8 }, size: 16, seed: 27, layout: 'flat' });
    litter(images);
    const numeric: Record<string, string> = { a: '1', b: '10', c: '2' };
    const gt = path.join(dir, 'labels-semicolon.csv');
    writeFileSync(gt, `SAMPLE;CLASS\r\n${Object.entries(set.labels).map(([sample, cls]) => `${sample};${numeric[cls]}`).join('\r\n')}\r\n`);

    const report = await ok(core.handlers['dataset:scan']({ path: images, gtFile: gt, scanId: 'semicolon' }));
    expect(report.errors).toBe(0);
    expect(report.classes.map((c) => c.name)).toEqual(['1', '2', '10']);

    // AUCMEDI reads only commas: the file as it is fails
    const raw = rawStandIn([`${images}:/data/training:ro`, `${gt}:/data/annotations.csv:ro`, `${path.join(dir, 'raw-csv')}:/data/model`], ['training', '--path_imagedir', '/data/training', '--path_gt', '/data/annotations.csv', '--path_modeldir', '/data/model', '--analysis', 'minimal', '--architecture', 'Vanilla']);
    expect(raw.code).not.toBe(0);
    expect(raw.output).toContain('Sample column (SAMPLE) not available in CSV file!');

    const started = await train(images, gt);
    const record = (await core.runs.waitForEnd(started.id)) as TrainingRecord;
    expect(record.error).toBeNull();
    expect(record.state).toBe('succeeded');
    const meta = JSON.parse(readFileSync(path.join(record.outputDir, 'meta.training.json'), 'utf8'));
    expect(meta.class_names).toEqual([1, 2, 10]);
    expect(record.classNames).toEqual(['1', '2', '10']);
    const copy = readFileSync(path.join(record.outputDir, 'inputs', 'annotations.csv'), 'utf8');
    expect(copy.split('\n')[0]).toBe('SAMPLE,CLASS');
    expect(copy).toContain('a_000.png,1\n');
    const manifest = JSON.parse(readFileSync(path.join(record.outputDir, 'run.json'), 'utf8'));
    expect(manifest.container.inputs).toMatchObject({ lists: ['inputs/training.json'], annotationsCopy: 'inputs/annotations.csv' });
    expect(manifest.dataset.gtFile).toBe(gt);
  }, 300_000);

  it('refuses, before any container exists, what AUCMEDI would read otherwise or cannot read: classes 01/02, WebP, DICOM', async () => {
    const images = path.join(dir, 'zero-padded');
    const set = makeClassDataset(images, { classes: { a: 6, b: 6 }, size: 16, seed: 29, layout: 'flat' });
    const gt = path.join(dir, 'labels-01.csv');
    writeFileSync(gt, `SAMPLE,CLASS\n${Object.entries(set.labels).map(([sample, cls]) => `${sample},${cls === 'a' ? '01' : '02'}`).join('\n')}\n`);
    const webp = path.join(dir, 'webp-set');
    makeClassDataset(webp, { classes: { a: 6, b: 6 }, size: 16, seed: 31 });
    writeFileSync(path.join(webp, 'a', 'photo.webp'), Buffer.concat([Buffer.from('RIFF'), Buffer.from([26, 0, 0, 0]), Buffer.from('WEBPVP8L'), Buffer.alloc(14)]));

    const dicom = path.join(dir, 'dicom-set');
    for (const cls of ['a', 'b']) for (let i = 0; i < 3; i++) writeFile(path.join(dicom, cls, `IM_${cls}${i}.dcm`), dicomBytes(4, 4, `${cls}${i}`));

    const before = runContainers();
    for (const [datasetPath, gtFile, code, text] of [
      [images, gt, 'DATASET_INVALID', /"01", "02" as numbers/],
      [webp, null, 'DATASET_INVALID', /format AUCMEDI cannot read \(WebP images\)/],
      [dicom, null, 'DATASET_INVALID', /DICOM must be converted first/],
    ] as const) {
      const response = await core.handlers['runs:start-training']({
        dataset: { path: datasetPath, gtFile, ohe: false },
        options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 10, batchSize: 8, workers: 1, threeDim: false },
        gpus: { kind: 'none' },
      });
      expect(response.ok).toBe(false);
      if (!response.ok) {
        expect(response.error.code).toBe(code);
        expect(`${response.error.message} ${response.error.action}`).toMatch(text);
      }
    }
    expect(runContainers()).toBe(before);
  }, 120_000);

  it('evaluates a littered class-folder set: both steps get the view, and the numbers come out', async () => {
    const model = path.join(dir, 'eval-model-set');
    makeClassDataset(model, { classes: { benign: 10, malignant: 10 }, size: 16, seed: 33 });
    const trained = await core.runs.waitForEnd((await train(model)).id);
    expect(trained.state).toBe('succeeded');
    const labelled = path.join(dir, 'eval-littered');
    makeClassDataset(labelled, { classes: { benign: 5, malignant: 5 }, size: 16, seed: 35 });
    for (const cls of ['benign', 'malignant']) litter(path.join(labelled, cls));
    writeFileSync(path.join(labelled, 'malignant', 'malignant_extra.jpg'), jpegBytes(16, 16));

    const started = await ok(core.handlers['runs:start-evaluation']({ model: { runId: trained.id }, dataset: { path: labelled, gtFile: null, ohe: false }, options: { batchSize: 4, workers: 1 }, gpus: { kind: 'none' } }));
    const record: RunRecord = await core.runs.waitForEnd(started.id);
    expect(record.error).toBeNull();
    expect(record.state).toBe('succeeded');
    const metrics = readFileSync(path.join(record.outputDir, 'evaluation', 'metrics.performance.csv'), 'utf8');
    // 11 samples scored: TP + TN + FP + FN of a class
    const counts = Object.fromEntries(metrics.split('\n').filter((line) => line.endsWith(',benign')).map((line) => line.split(',')).map(([metric, score]) => [metric, Number(score)]));
    expect(counts.TP! + counts.TN! + counts.FP! + counts.FN!).toBe(11);
  }, 400_000);
});
