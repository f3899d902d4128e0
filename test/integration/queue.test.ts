import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../src/api/events';
import type { QueueEntry, TrainingRequest } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const hasEngine = requireEngine();

describe.runIf(hasEngine)('the run queue (real engine, stand-in image)', () => {
  const dir = tempDir();
  const dataset = path.join(dir, 'dataset');
  const cores: Core[] = [];
  const newCore = (dataDir: string, extra: { engineEndpoint?: string } = {}) => {
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs'), engineEndpoint: extra.engineEndpoint ?? null });
    const core = createCore({ settings, dataDir, runQueue: true, reattachRuns: true, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.15'] });
    cores.push(core);
    return core;
  };
  const training = (epochs: number, datasetPath = dataset): TrainingRequest => ({
    dataset: { path: datasetPath, gtFile: null, ohe: false },
    options: { analysis: 'minimal', architectures: ['Vanilla'], epochs, batchSize: 8, workers: 1, threeDim: false },
    gpus: { kind: 'none' },
  });
  const add = async (core: Core, epochs: number, datasetPath?: string): Promise<QueueEntry> => {
    const response = await core.handlers['queue:add']({ mode: 'training', request: training(epochs, datasetPath) });
    if (!response.ok) throw new Error(response.error.message);
    return response.data;
  };
  const queueOf = async (core: Core) => {
    const response = await core.handlers['queue:list']({});
    return response.ok ? response.data : [];
  };
  const waitFor = async (check: () => Promise<boolean> | boolean, timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  };

  beforeAll(() => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { a: 8, b: 8 }, size: 16 });
  }, 900_000);
  afterAll(() => {
    for (const core of cores) core.dispose();
  });

  it('runs one CPU run at a time in queue order, can be reordered, and survives a restart of the app', async () => {
    const dataDir = path.join(dir, 'app-1');
    const first = newCore(dataDir);
    const events: CoreEvent[] = [];
    first.subscribe((event) => events.push(event));
    const a = await add(first, 6);
    await waitFor(() => first.runs.activeRuns().length === 1, 30_000);
    const b = await add(first, 2);
    const c = await add(first, 2);
    expect((await queueOf(first)).map((e) => [e.id, e.position])).toEqual([[b.id, 1], [c.id, 2]]);
    expect(first.runs.activeRuns()).toHaveLength(1); // the CPU is taken: b and c wait
    const moved = await first.handlers['queue:move']({ id: c.id, position: 1 });
    expect(moved.ok && moved.data.map((e) => e.id)).toEqual([c.id, b.id]);
    expect(events.some((e) => e.type === 'queue:changed')).toBe(true);
    expect(a.position).toBe(1);

    // the app closes while the first run goes on; the next start finds it and the queue as it was
    first.dispose();
    const second = newCore(dataDir);
    expect((await queueOf(second)).map((e) => e.id)).toEqual([c.id, b.id]);
    second.start();
    await waitFor(async () => (await queueOf(second)).length === 0 && second.runs.activeRuns().length === 0, 180_000);
    const runs = second.runs.list().slice().sort((x, y) => x.createdAt.localeCompare(y.createdAt));
    expect(runs.map((run) => `${run.state} ${run.mode === 'training' ? run.options.epochs : ''} ${run.createdAt}`)).toHaveLength(3);
    expect(runs.map((run) => run.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // c was moved before b: it started second
    expect(runs.map((run) => (run.mode === 'training' ? run.options.epochs : 0))).toEqual([6, 2, 2]);
    const startedAt = runs.map((run) => Date.parse(run.startedAt!));
    const endedAt = runs.map((run) => Date.parse(run.endedAt!));
    expect(startedAt[1]!).toBeGreaterThanOrEqual(endedAt[0]! - 1000);
    expect(startedAt[2]!).toBeGreaterThanOrEqual(endedAt[1]! - 1000);
  }, 300_000);

  it('waits while the engine is down instead of failing, and starts when it is back', async () => {
    const core = newCore(path.join(dir, 'app-2'), { engineEndpoint: `unix://${path.join(dir, 'no-engine.sock')}` });
    const entry = await add(core, 2);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await queueOf(core)).toMatchObject([{ id: entry.id, error: null }]);
    expect(core.runs.list()).toEqual([]);
    await core.handlers['settings:update']({ engineEndpoint: null });
    await waitFor(async () => (await queueOf(core)).length === 0, 30_000);
    const [run] = core.runs.list();
    expect(run).toBeDefined();
    expect((await core.runs.waitForEnd(run!.id)).state).toBe('succeeded');
  }, 120_000);

  it('checks options when queued, and keeps a run the preflight refuses with the reason until removed', async () => {
    const core = newCore(path.join(dir, 'app-3'));
    const wrong = await core.handlers['queue:add']({ mode: 'training', request: { ...training(2), options: { ...training(2).options, analysis: 'advanced' } } });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'TRAINING_OPTIONS_INVALID' } });
    const gone = path.join(dir, 'gone');
    const missing = await core.handlers['queue:add']({ mode: 'training', request: training(2, gone) });
    expect(missing).toMatchObject({ ok: false, error: { code: 'DATASET_NOT_FOUND' } });
    // a folder that is there, but not a dataset AUCMEDI can learn from: refused when its turn comes
    const oneClass = path.join(dir, 'one-class');
    makeClassDataset(oneClass, { classes: { a: 3 }, size: 16 });
    const entry = await add(core, 2, oneClass);
    await waitFor(async () => (await queueOf(core))[0]?.error !== null, 30_000);
    const [refused] = await queueOf(core);
    expect(refused).toMatchObject({ id: entry.id, error: { code: 'DATASET_INVALID' } });
    expect(refused!.error!.action.length).toBeGreaterThan(10);
    expect(await core.handlers['queue:remove']({ id: entry.id })).toMatchObject({ ok: true, data: [] });
    expect(await core.handlers['queue:remove']({ id: entry.id })).toMatchObject({ ok: false, error: { code: 'RUN_NOT_FOUND' } });
  }, 120_000);
});
