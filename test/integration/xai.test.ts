import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingOptions } from '../../src/api/aucmedi';
import type { PredictionRecord } from '../../src/api/runs';
import { heatMapFileName } from '../../src/aucmedi/outputs';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { jpegBytes } from '../helpers/image-bytes';
import { makeClassDataset, makeVolumeDataset, writeNifti } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const hasEngine = requireEngine();

/** The image format AUCMEDI saw in the prediction's folder (io_directory.py: the extension of the first file): the run's view of it, or the folder itself. */
function formatSeen(record: PredictionRecord): string {
  const spec = path.join(record.outputDir, 'inputs', 'prediction.json');
  const names = existsSync(spec)
    ? (JSON.parse(readFileSync(spec, 'utf8')) as { views: { links: [string, string][] }[] }).views[0]!.links.map(([name]) => name)
    : readdirSync(record.images.path);
  return names.sort()[0]!.split('.').pop()!;
}

/** NIfTI-1 header fields of a (gzip-compressed) file. */
function niftiHeader(file: string) {
  let bytes = readFileSync(file);
  if (file.endsWith('.gz')) bytes = zlib.gunzipSync(bytes);
  const dims = Array.from({ length: 8 }, (_, i) => bytes.readInt16LE(40 + 2 * i));
  return { sizeofHdr: bytes.readInt32LE(0), dims, intent: bytes.readInt16LE(68), datatype: bytes.readInt16LE(70), magic: bytes.toString('latin1', 344, 347), bytes: bytes.length };
}

describe.runIf(hasEngine)('XAI heat maps named and found as AUCMEDI writes them (real engine, stand-in image)', () => {
  const dir = tempDir();
  const dataDir = path.join(dir, 'app-data');
  const jpegs = path.join(dir, 'jpeg-images');
  const volumes = path.join(dir, 'volumes');
  let core: Core;
  const trained: Record<'2D' | '3D', string> = { '2D': '', '3D': '' };

  const ok = async <T>(promise: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> => {
    const response = await promise;
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.data;
  };
  const train = async (dataset: string, options: Partial<TrainingOptions>): Promise<string> => {
    const started = await ok(
      core.handlers['runs:start-training']({
        dataset: { path: dataset, gtFile: null, ohe: false },
        options: { analysis: 'standard', architectures: ['Vanilla'], epochs: 11, batchSize: 8, workers: 1, threeDim: false, ...options },
        gpus: { kind: 'none' },
      }),
    );
    const record = await core.runs.waitForEnd(started.id);
    if (record.state !== 'succeeded') throw new Error(`the training ${record.state}: ${record.error?.message} ${record.error?.detail ?? ''}`);
    return record.outputDir;
  };
  const predict = async (model: string, images: string): Promise<PredictionRecord> => {
    const started = await ok(core.handlers['runs:start-prediction']({ model: { dir: model }, images, options: { batchSize: 4, workers: 1, xaiMethod: 'gradcam' }, gpus: { kind: 'none' } }));
    const record = await core.runs.waitForEnd(started.id);
    if (record.mode !== 'prediction') throw new Error('not a prediction');
    expect(record.state, `${record.error?.message} ${record.error?.detail ?? ''}`).toBe('succeeded');
    return record;
  };

  beforeAll(async () => {
    buildStandIn();
    makeClassDataset(path.join(dir, 'training-2d'), { classes: { benign: 12, malignant: 12 }, size: 16, seed: 31 });
    makeVolumeDataset(path.join(dir, 'training-3d'), { classes: { benign: 6, malignant: 6 }, size: 12, seed: 33 });
    mkdirSync(jpegs, { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(path.join(jpegs, `case_${i}.jpg`), jpegBytes(24 + 8 * i, 16));
    mkdirSync(volumes, { recursive: true });
    for (let i = 0; i < 3; i++) {
      // one format in the folder (AUCMEDI takes the first file's extension for every sample): .nii.gz only
      const file = path.join(dir, 'nii', `scan_${i}.nii`);
      writeNifti(file, [10, 12, 14], Float32Array.from({ length: 10 * 12 * 14 }, (_, v) => (v % 10) * (i + 1)));
      writeFileSync(path.join(volumes, `scan_${i}.nii.gz`), zlib.gzipSync(readFileSync(file)));
    }
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir });
    trained['2D'] = await train(path.join(dir, 'training-2d'), {});
    trained['3D'] = await train(path.join(dir, 'training-3d'), { threeDim: true, shape3D: [16, 16, 16], batchSize: 4 });
  }, 900_000);
  afterAll(() => core?.dispose());

  it('the stand-in writes a JPEG folder\'s heat maps as <sample>.jpg, JPEG files (xai/decoder.py, utils/visualizer.py)', () => {
    const out = path.join(dir, 'direct-2d');
    mkdirSync(out, { recursive: true });
    const user = process.getuid ? ['--user', `${process.getuid()}:${process.getgid!()}`] : [];
    docker(['run', '--rm', '--network', 'none', ...user, '-e', 'HOME=/tmp', '-v', `${jpegs}:/data/test:ro`, '-v', `${trained['2D']}:/data/model:ro`, '-v', `${out}:/data/out`, STAND_IN_TAG,
      'prediction', '--path_imagedir', '/data/test', '--path_modeldir', '/data/model', '--path_pred', '/data/out/preds.csv', '--xai_method', 'gradcam', '--xai_directory', '/data/out/xai']);
    const written = readdirSync(path.join(out, 'xai')).sort();
    expect(written).toEqual(['case_0.jpg', 'case_1.jpg', 'case_2.jpg', 'case_3.jpg']);
    for (const name of written) expect(readFileSync(path.join(out, 'xai', name)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  }, 120_000);

  it('2D prediction on JPEG inputs: every heat map found as <sample>.<the format AUCMEDI read>, and shown', async () => {
    const record = await predict(trained['2D'], jpegs);
    const format = formatSeen(record);
    const table = await ok(core.handlers['runs:predictions']({ runId: record.id }));
    expect(table.rows.map((row) => row.sample).sort()).toEqual(['case_0', 'case_1', 'case_2', 'case_3']);
    expect(table.heatMaps.sort()).toEqual(['case_0', 'case_1', 'case_2', 'case_3']);
    expect(table.heatMapVolumes).toBe(false);
    for (const sample of table.heatMaps) {
      expect(table.heatMapFiles[sample]).toBe(heatMapFileName(sample, format));
      expect(existsSync(path.join(record.outputDir, 'xai', table.heatMapFiles[sample]!))).toBe(true);
    }
    const image = await ok(core.handlers['runs:image']({ runId: record.id, sample: 'case_2', kind: 'heatmap' }));
    expect(image.dataUrl).toMatch(format === 'jpg' ? /^data:image\/jpeg;base64,/ : /^data:image\/png;base64,/);
  }, 240_000);

  it('3D prediction on .nii.gz volumes: the heat maps are NIfTI volumes <sample>.gz (sample x.nii), named, not drawn', async () => {
    const record = await predict(trained['3D'], volumes);
    const format = formatSeen(record);
    expect(format).toBe('gz');
    const table = await ok(core.handlers['runs:predictions']({ runId: record.id }));
    expect(table.heatMaps.length).toBe(3);
    expect(table.heatMapVolumes).toBe(true);
    for (const sample of table.heatMaps) {
      const file = table.heatMapFiles[sample]!;
      expect(file).toBe(heatMapFileName(sample, format));
      expect(file).toMatch(/^scan_\d\.nii\.gz$/);
      // sitk.WriteImage of the RGB overlay at shape_3D: a 3-component float64 vector volume
      const header = niftiHeader(path.join(table.heatMapDir, file));
      expect(header).toMatchObject({ sizeofHdr: 348, magic: 'n+1', intent: 1007, datatype: 64 });
      expect(header.dims.slice(0, 6)).toEqual([5, 16, 16, 16, 1, 3]);
      expect(header.bytes).toBe(352 + 16 * 16 * 16 * 3 * 8);
    }
    const image = await ok(core.handlers['runs:image']({ runId: record.id, sample: table.heatMaps[0]!, kind: 'heatmap' }));
    expect(image.dataUrl).toBeNull();
    expect(image.reason).toContain('volume');
    expect(image.reason).toContain(path.join(table.heatMapDir, table.heatMapFiles[table.heatMaps[0]!]!));
  }, 240_000);
});
