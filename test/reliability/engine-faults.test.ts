/**
 * Engine faults, injected into a SECOND, private dockerd (test/helpers/second-engine.ts), never
 * into the main engine the other test files share:
 *  (a) the engine stops in the middle of a training, then comes back;
 *  (b) the image in use is removed while the app is idle.
 * Each fault counts as survived when the app said what happened in a sentence with an action,
 * kept its records, and was usable again afterwards.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../src/api/events';
import type { RunRecord, TrainingRecord, TrainingRequest } from '../../src/api/runs';
import type { EngineStatus } from '../../src/api/types';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine, requireRoot } from '../helpers/requirements';
import { dockerdAvailable, secondEngine, type SecondEngine } from '../helpers/second-engine';
import { tempDir } from '../helpers/temp';

const ready = requireEngine() && requireRoot('start a second, private Docker engine') && dockerdAvailable();

function training(record: RunRecord): TrainingRecord {
  if (record.mode !== 'training') throw new Error(`run ${record.id} is a ${record.mode}`);
  return record;
}

describe.runIf(ready)('engine faults (a second, private dockerd)', () => {
  const dir = tempDir('aucmedi-faults-');
  const dataset = path.join(dir, 'dataset');
  const dataDir = path.join(dir, 'app-data');
  const faults = { injected: 0, survived: 0 };
  const figures: string[] = [];
  let engine: SecondEngine;
  let core: Core;
  const events: CoreEvent[] = [];
  const statuses = () => events.filter((e): e is Extract<CoreEvent, { type: 'engine:status' }> => e.type === 'engine:status').map((e) => e.status);

  const request = (epochs: number): TrainingRequest => ({
    dataset: { path: dataset, gtFile: null, ohe: false },
    options: { analysis: 'standard', architectures: ['Vanilla'], epochs, batchSize: 8, workers: 1, threeDim: false },
    gpus: { kind: 'none' },
  });
  const start = async (req: TrainingRequest): Promise<RunRecord> => {
    const response = await core.handlers['runs:start-training'](req);
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.data;
  };
  const storeFile = (id: string) => path.join(dataDir, 'runs', `${id}.json`);

  beforeAll(async () => {
    const begun = Date.now();
    engine = secondEngine();
    buildStandIn();
    makeClassDataset(dataset, { classes: { benign: 24, malignant: 24 }, size: 16, seed: 21 });
    await engine.start();
    figures.push(`second engine up in ${((Date.now() - begun) / 1000).toFixed(1)} s`);
    const loading = Date.now();
    await engine.loadFromMainEngine(STAND_IN_TAG);
    figures.push(`stand-in image loaded into it in ${((Date.now() - loading) / 1000).toFixed(1)} s`);

    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs'), engineEndpoint: engine.endpoint });
    core = createCore({ settings, dataDir, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.1'], watchTimings: { okIntervalMs: 500, minBackoffMs: 250, maxBackoffMs: 1000 } });
    core.subscribe((event) => events.push(event));
    core.start();
    await waitFor(() => (statuses().at(-1)?.ok ? true : null), 20_000);
  }, 120_000);

  afterAll(async () => {
    core?.dispose();
    await engine?.cleanup();
    console.log(`\n[engine-faults] ${figures.join('; ')}\nfaults: ${faults.injected} injected, ${faults.survived} survived\n`);
  }, 120_000);

  it('the engine stops mid-run: interrupted with a sentence, record kept, status follows; it comes back by itself and the app works again', async () => {
    const started = await start(request(60));
    await waitFor(() => (training(core.runs.get(started.id)).epochs.length >= 2 ? true : null), 60_000);
    const containerId = started.containerId!;

    faults.injected += 1;
    const statusesBefore = statuses().length;
    const stopMs = await engine.stop();
    figures.push(`engine stopped (SIGTERM) in ${(stopMs / 1000).toFixed(1)} s`);

    const ended = training(await withTimeout(core.runs.waitForEnd(started.id), 30_000));
    console.log('ENDED', JSON.stringify({ state: ended.state, exit: ended.exitCode, error: ended.error, epochs: ended.epochs.length, models: ended.modelFiles }));
    const downAt = Date.now();
    const down = await waitFor(() => statuses().slice(statusesBefore).find((s) => !s.ok) ?? null, 15_000);
    console.log('DOWN', JSON.stringify(down), `after ${Date.now() - downAt} ms`);
    const statusNow = await core.handlers['engine:status']({});
    console.log('STATUS NOW', JSON.stringify(statusNow));
    const stored = JSON.parse(readFileSync(storeFile(started.id), 'utf8')) as TrainingRecord;
    console.log('STORED', stored.state, stored.epochs.length);

    const restartBegun = Date.now();
    const upIndex = statuses().length;
    await engine.start();
    const up = await waitFor(() => statuses().slice(upIndex).find((s) => s.ok) ?? null, 30_000);
    figures.push(`watcher saw the engine back ${((Date.now() - restartBegun) / 1000).toFixed(1)} s after its restart began`);
    console.log('UP', up.code);
    console.log('CONTAINER AFTER RESTART', engine.docker(['ps', '-a', '--format', '{{.ID}} {{.Status}}']).stdout, containerId.slice(0, 12));
    const before = readFileSync(storeFile(started.id), 'utf8');
    const reattached = await core.runs.reattach();
    console.log('REATTACHED', reattached.map((r) => r.id));
    const after = readFileSync(storeFile(started.id), 'utf8');
    console.log('SAME AFTER REATTACH', before === after);

    const again = await start(request(3));
    const done = await withTimeout(core.runs.waitForEnd(again.id), 60_000);
    console.log('AGAIN', done.state);
  }, 180_000);
});

async function waitFor<T>(probe: () => T | null, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export type { EngineStatus };
