import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../src/api/events';
import type { RunRecord, TrainingRecord, TrainingRequest } from '../../src/api/runs';
import { readTrainingLog } from '../../src/aucmedi/outputs';
import { createCore, type Core } from '../../src/core';
import { TEST_WEIGHTS_HASHES, testWeightsBytes } from '../helpers/test-weights';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { snapshotFolder } from '../helpers/snapshot';
import { tempDir } from '../helpers/temp';
import { waitFor } from '../helpers/wait';

const hasEngine = requireEngine();

function training(record: RunRecord): TrainingRecord {
  if (record.mode !== 'training') throw new Error(`run ${record.id} is a ${record.mode}`);
  return record;
}

describe.runIf(hasEngine)('training runs with the stand-in image (real engine, real containers)', () => {
  const dir = tempDir();
  const dataset = path.join(dir, 'dataset');
  const dataDir = path.join(dir, 'app-data');
  let before: string[];
  const cores: Core[] = [];

  const newCore = (runEnv: string[] = [], more: { weightsHashes?: typeof TEST_WEIGHTS_HASHES } = {}) => {
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    const core = createCore({ settings, dataDir, runEnv, ...more });
    cores.push(core);
    return core;
  };
  const request = (epochs: number, extra: Partial<TrainingRequest> = {}): TrainingRequest => ({
    dataset: { path: dataset, gtFile: null, ohe: false },
    options: { analysis: 'standard', architectures: ['Vanilla'], epochs, batchSize: 8, workers: 1, threeDim: false },
    gpus: { kind: 'none' },
    ...extra,
  });
  const start = async (core: Core, req: TrainingRequest): Promise<RunRecord> => {
    const response = await core.handlers['runs:start-training'](req);
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.data;
  };
  const containersOf = (runId: string) => docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${runId}`]).stdout;
  /** The epochs the container itself logged (logs.training.csv), as an independent witness. */
  const csvValLoss = (outputDir: string) => readTrainingLog(readFileSync(path.join(outputDir, 'logs.training.csv'), 'utf8')).rows.map((row) => row.metrics.val_loss);

  beforeAll(() => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { benign: 24, malignant: 24 }, size: 16, seed: 11 });
    before = snapshotFolder(dataset);
  }, 900_000);
  afterAll(() => {
    for (const core of cores) core.dispose();
  });

  it('trains to success: epochs streamed and persisted, outputs read, manifest written, container removed', async () => {
    const core = newCore();
    const events: CoreEvent[] = [];
    core.subscribe((event) => events.push(event));
    const started = await start(core, request(12));
    expect(started.state).toBe('running');
    expect(started.command).toEqual(expect.arrayContaining(['--architecture', 'Vanilla', '--epochs', '12', '--analysis', 'standard']));
    const record = training(await core.runs.waitForEnd(started.id));

    expect(record.state).toBe('succeeded');
    expect(record.exitCode).toBe(0);
    expect(record.epochs.length).toBeGreaterThanOrEqual(11);
    expect(record.epochs.map((e) => e.epoch)).toEqual(record.epochs.map((_, i) => i + 1));
    expect(record.epochs.map((e) => e.metrics.val_loss)).toEqual(csvValLoss(record.outputDir).map((v) => Number(v!.toFixed(4))));
    expect(record.classNames).toEqual(['benign', 'malignant']);
    expect(record.modelFiles).toEqual(expect.arrayContaining(['model.best_loss.keras', 'model.last.keras']));
    expect(events.filter((e) => e.type === 'run:progress' && e.epoch).length).toBe(record.epochs.length);
    expect(events.map((e) => (e.type === 'run:state' ? e.run.state : null)).filter(Boolean)).toEqual(expect.arrayContaining(['preparing', 'running', 'succeeded']));

    const manifest = JSON.parse(readFileSync(path.join(record.outputDir, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({
      run: { id: record.id, state: 'succeeded', exitCode: 0 },
      image: { reference: STAND_IN_TAG, id: expect.stringMatching(/^sha256:/) },
      command: ['aucmedi', ...record.command],
      dataset: { path: dataset, fingerprint: { fileCount: 48 } },
      engine: { version: expect.any(String) },
      results: { classNames: ['benign', 'malignant'], epochsCompleted: record.epochs.length },
    });
    expect(existsSync(path.join(record.outputDir, 'run.log'))).toBe(true);
    expect(containersOf(record.id)).toBe('');
    const stored = await core.handlers['runs:get']({ runId: record.id });
    expect(stored).toMatchObject({ ok: true, data: { state: 'succeeded' } });
    expect(snapshotFolder(dataset)).toEqual(before);

    const forgotten = await core.handlers['runs:delete']({ runId: record.id, deleteFiles: false });
    expect(forgotten).toMatchObject({ ok: true, data: { filesDeleted: false } });
    expect(existsSync(path.join(record.outputDir, 'model.best_loss.keras'))).toBe(true);
    expect((await core.handlers['runs:list']({})).ok && (await core.runs.list()).some((r) => r.id === record.id)).toBe(false);
  }, 240_000);

  it('creates the container hardened as DESIGN.md says', async () => {
    const core = newCore(['AUCMEDI_STANDIN_BATCH_DELAY=0.2']);
    const started = await start(core, request(30));
    try {
      const info = JSON.parse(docker(['inspect', started.containerId!]).stdout)[0];
      expect(info.HostConfig).toMatchObject({ NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Privileged: false, AutoRemove: false });
      expect(info.HostConfig.ShmSize).toBeGreaterThanOrEqual(1024 ** 3);
      // the dataset read-only where the clean view's links point, the view itself a tmpfs where AUCMEDI reads
      expect(info.HostConfig.Binds).toEqual(expect.arrayContaining([`${dataset}:/data/source:ro`, `${started.outputDir}/inputs/training.json:/data/inputs.json:ro`, `${started.outputDir}:/data/model`]));
      expect(Object.keys(info.HostConfig.Tmpfs)).toContain('/data/training');
      expect(info.Config.Entrypoint.slice(0, 2)).toEqual(['python3', '-c']);
      expect(info.Config.Entrypoint.slice(-2)).toEqual(['/data/inputs.json', 'aucmedi']);
      expect(info.Config.Image).toBe(started.imageId);
      expect(info.Config.Labels).toMatchObject({ 'org.aucmedi-desk.app': 'aucmedi-desk', 'org.aucmedi-desk.run-id': started.id, 'org.aucmedi-desk.mode': 'training' });
      if (process.getuid) expect(info.Config.User).toBe(`${process.getuid()}:${process.getgid!()}`);
    } finally {
      await core.handlers['runs:stop']({ runId: started.id });
    }
  }, 120_000);

  it('stops mid-run on request: cancelled, with the models saved so far kept and listed', async () => {
    const core = newCore(['AUCMEDI_STANDIN_BATCH_DELAY=0.2']);
    const started = await start(core, request(40));
    await waitFor(() => (training(core.runs.get(started.id)).epochs.length >= 2 ? true : null), 120_000);
    const refused = await core.handlers['runs:delete']({ runId: started.id, deleteFiles: true });
    expect(refused).toMatchObject({ ok: false, error: { code: 'RUN_ACTIVE' } });
    const stopped = await core.handlers['runs:stop']({ runId: started.id });
    if (!stopped.ok) throw new Error(stopped.error.message);
    expect(stopped.data.state).toBe('cancelled');
    // SIGINT (the container's stop signal) ends AUCMEDI itself; 137 would mean it ignored it and was killed after the grace period
    expect(stopped.data.exitCode).not.toBe(137);
    expect(training(stopped.data).modelFiles).toContain('model.best_loss.keras');
    expect(training(stopped.data).epochs.length).toBeLessThan(40);
    expect(existsSync(path.join(stopped.data.outputDir, 'model.best_loss.keras'))).toBe(true);
    expect(containersOf(started.id)).toBe('');

    // Deleting the record keeps the files; deleting files needs the folder's run.json to name the run.
    const manifest = path.join(stopped.data.outputDir, 'run.json');
    const original = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, original.replace(started.id, 'run-someone-else'));
    const notTheirs = await core.handlers['runs:delete']({ runId: started.id, deleteFiles: true });
    expect(notTheirs).toMatchObject({ ok: false, error: { code: 'RUN_FILES_NOT_DELETED' } });
    expect(existsSync(stopped.data.outputDir)).toBe(true);
    writeFileSync(manifest, original);
    const deleted = await core.handlers['runs:delete']({ runId: started.id, deleteFiles: true });
    expect(deleted).toMatchObject({ ok: true, data: { deleted: started.id, filesDeleted: true } });
    expect(existsSync(stopped.data.outputDir)).toBe(false);
    expect(await core.handlers['runs:get']({ runId: started.id })).toMatchObject({ ok: false, error: { code: 'RUN_NOT_FOUND' } });
  }, 180_000);

  it('reattaches from a new core after the first one went away, with the same epoch history as the container logged', async () => {
    const first = newCore(['AUCMEDI_STANDIN_BATCH_DELAY=0.05']);
    const started = await start(first, request(14));
    await waitFor(() => (training(first.runs.get(started.id)).epochs.length >= 2 ? true : null), 120_000);
    first.dispose(); // the app quits (or crashes); the container keeps running

    const second = newCore();
    const reattached = await second.runs.reattach();
    expect(reattached.map((r) => r.id)).toContain(started.id);
    const record = training(await second.runs.waitForEnd(started.id));
    expect(record.state).toBe('succeeded');
    expect(record.epochs.map((e) => e.metrics.val_loss)).toEqual(csvValLoss(record.outputDir).map((v) => Number(v!.toFixed(4))));
    expect(containersOf(started.id)).toBe('');
  }, 240_000);

  it('surfaces a failing container with a plain sentence and the error line', async () => {
    const weights = path.join(dir, 'weights');
    // A fake DenseNet121 file that the app is told is right (the TEST hash table injected), while the
    // image keeps Keras's own table: the preflight lets it through, the container fails on it.
    const densenet = 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';
    mkdirSync(weights, { recursive: true });
    writeFileSync(path.join(weights, densenet), testWeightsBytes(densenet));
    const core = newCore([], { weightsHashes: TEST_WEIGHTS_HASHES });
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), weightsDir: weights });
    const started = await start(core, request(3, { options: { analysis: 'standard', architectures: ['DenseNet121'], epochs: 3, batchSize: 8, workers: 1, threeDim: false } }));
    const record = training(await core.runs.waitForEnd(started.id));
    settings.write({ ...settings.read(), weightsDir: null });
    expect(record.state).toBe('failed');
    expect(record.exitCode).not.toBe(0);
    // The container's last meaningful error line, in plain form, and a sentence with an action.
    expect(record.error?.detail).toMatch(/^OSError: \[Errno 30\] Read-only file system: '\/tmp\/\.keras\/models\/densenet121/);
    expect(record.error).toMatchObject({ code: 'WEIGHTS_WRONG_FILE', message: expect.stringMatching(/^The weights file densenet121_weights_tf_dim_ordering_tf_kernels_notop\.h5 in the weights folder is not the one/) });
    expect(record.error?.action.length).toBeGreaterThan(20);
    expect(containersOf(started.id)).toBe('');
  }, 120_000);

  it('refuses before any container starts: missing weights, a broken dataset, a missing image', async () => {
    const core = newCore();
    const noWeights = await core.handlers['runs:start-training'](request(3, { options: { analysis: 'standard', architectures: ['ResNet50'], epochs: 3, batchSize: 8, workers: 1, threeDim: false } }));
    expect(noWeights).toMatchObject({ ok: false, error: { code: 'WEIGHTS_MISSING', action: expect.stringContaining('resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5') } });
    const broken = path.join(dir, 'one-class');
    makeClassDataset(broken, { classes: { only: 5 } });
    const badData = await core.handlers['runs:start-training'](request(3, { dataset: { path: broken, gtFile: null, ohe: false } }));
    expect(badData).toMatchObject({ ok: false, error: { code: 'DATASET_INVALID' } });
    const noImage = await core.handlers['runs:start-training'](request(3, { imageRef: 'aucmedi-desk/absent:1' }));
    expect(noImage).toMatchObject({ ok: false, error: { code: 'IMAGE_NOT_FOUND' } });
  }, 60_000);
});
