/**
 * Engine faults, injected into a SECOND, private dockerd (test/helpers/second-engine.ts), never
 * into the main engine the other test files share:
 *  (a) the engine stops in the middle of a training, then comes back;
 *  (b) the image in use is removed while the app is idle;
 *  (c) the engine stops in the middle of loading an image from a file;
 *  (d) an engine with live-restore restarts under a running training.
 * Each fault counts as survived when the app said what happened in a sentence with an action,
 * kept its records, and was usable again afterwards.
 *
 * What happens to the container in (a): the engine runs without live-restore (Docker's default), so
 * on SIGTERM dockerd first closes its socket, then stops every container with its stop signal
 * (SIGINT here: AUCMEDI ends with KeyboardInterrupt, exit 130). After the restart the container is
 * there again, exited; nothing of the run goes on. The run was recorded as interrupted when Docker
 * went away; reattaching after the restart leaves that record byte for byte and removes the
 * leftover container (with its anonymous /data volume). With live-restore (d) the container keeps
 * running while the engine is away; the app waits for the engine, then reads the log again from
 * the start, and the run ends as if it had never been left.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../src/api/events';
import type { RunRecord, TrainingRecord, TrainingRequest } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine, requireRoot } from '../helpers/requirements';
import { requireDockerd, secondEngine, type SecondEngine } from '../helpers/second-engine';
import { tempDir } from '../helpers/temp';
import { waitFor, withTimeout } from '../helpers/wait';

const ready = requireEngine() && requireRoot('start a second, private Docker engine') && requireDockerd();

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
    engine = secondEngine();
    buildStandIn();
    makeClassDataset(dataset, { classes: { benign: 24, malignant: 24 }, size: 16, seed: 21 });
    const begun = Date.now();
    await engine.start();
    figures.push(`second engine up in ${((Date.now() - begun) / 1000).toFixed(1)} s`);
    const loading = Date.now();
    await engine.loadFromMainEngine(STAND_IN_TAG);
    figures.push(`stand-in image loaded into it in ${((Date.now() - loading) / 1000).toFixed(1)} s`);

    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs'), engineEndpoint: engine.endpoint });
    // The watcher's default timings (5 s while healthy, back-off 1 s doubling to 10 s): what the app ships.
    core = createCore({ settings, dataDir, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.1'] });
    core.subscribe((event) => events.push(event));
    core.start();
    await waitFor(() => (statuses().at(-1)?.ok ? true : null), 20_000);
  }, 120_000);

  afterAll(async () => {
    core?.dispose();
    await engine?.cleanup();
    console.log(`\n[engine-faults] ${figures.join('; ')}\nfaults: ${faults.injected} injected, ${faults.survived} survived\n`);
  }, 120_000);

  it('(a) the engine stops mid-run: interrupted with a sentence, record kept, status follows; it comes back by itself and the app works again', async () => {
    const started = await start(request(60));
    await waitFor(() => (training(core.runs.get(started.id)).epochs.length >= 2 ? true : null), 60_000);
    const listedBefore = core.runs.list().length;

    faults.injected += 1;
    const statusesBefore = statuses().length;
    const stopMs = await engine.stop();
    figures.push(`engine stopped (SIGTERM) in ${(stopMs / 1000).toFixed(1)} s`);

    // The run ends as interrupted, in a sentence that says Docker stopped and what to do.
    const ended = training(await withTimeout(core.runs.waitForEnd(started.id), 30_000));
    expect(ended.state).toBe('interrupted');
    expect(ended.error).toMatchObject({ code: 'RUN_INTERRUPTED', message: expect.stringMatching(/^Docker stopped while the run was going/) });
    expect(ended.error!.action).toMatch(/^Start Docker again/);
    expect(ended.error!.action).toContain(ended.outputDir);
    expect(ended.epochs.length).toBeGreaterThanOrEqual(2);
    expect(ended.modelFiles).toContain('model.best_loss.keras');
    figures.push(`run interrupted after ${ended.epochs.length} epochs, ${ended.modelFiles.length} model file(s) kept`);

    // The record is kept: in the app's list, in its store file, and in run.json beside the outputs.
    expect(core.runs.list().length).toBe(listedBefore);
    expect(core.runs.list().find((run) => run.id === started.id)).toMatchObject({ state: 'interrupted', lastEpoch: { epoch: ended.epochs.length } });
    const stored = JSON.parse(readFileSync(storeFile(started.id), 'utf8')) as TrainingRecord;
    expect(stored).toMatchObject({ state: 'interrupted', error: { code: 'RUN_INTERRUPTED' } });
    expect(stored.epochs).toEqual(ended.epochs);
    expect(JSON.parse(readFileSync(path.join(ended.outputDir, 'run.json'), 'utf8'))).toMatchObject({ run: { id: started.id, state: 'interrupted' } });
    expect(existsSync(path.join(ended.outputDir, 'model.best_loss.keras'))).toBe(true);

    // The engine status the core reports (events and the handler) goes to not-running, by the watcher alone.
    const down = await waitFor(() => statuses().slice(statusesBefore).find((status) => !status.ok) ?? null, 15_000);
    expect(down).toMatchObject({ ok: false, code: 'ENGINE_NOT_RUNNING', endpoint: engine.endpoint });
    expect(down.action.length).toBeGreaterThan(20);
    const reported = await core.handlers['engine:status']({});
    expect(reported).toMatchObject({ ok: true, data: { ok: false, code: 'ENGINE_NOT_RUNNING' } });

    // Docker comes back: the watcher reconnects by itself (no call from here until its event).
    const statusesDown = statuses().length;
    const restartBegun = Date.now();
    await engine.start();
    const upAfterMs = Date.now() - restartBegun;
    const up = await waitFor(() => statuses().slice(statusesDown).find((status) => status.ok) ?? null, 30_000);
    expect(up).toMatchObject({ ok: true, code: 'ENGINE_OK', endpoint: engine.endpoint });
    figures.push(`engine answered again ${(upAfterMs / 1000).toFixed(1)} s after start, watcher reported it ${((Date.now() - restartBegun) / 1000).toFixed(1)} s after start (default back-off)`);

    // Without live-restore the container did not survive: dockerd stopped it on the way out (SIGINT, its
    // stop signal), so it comes back as an exited container. Reattaching leaves the record exactly as it
    // was and removes that leftover container.
    const leftover = engine.docker(['ps', '-a', '--filter', `label=org.aucmedi-desk.run-id=${started.id}`, '--format', '{{.State}} {{.Status}}']).stdout;
    expect(leftover).toMatch(/^exited Exited \(\d+\)/);
    figures.push(`container after the restart: ${leftover.split('\n')[0]}`);
    const before = readFileSync(storeFile(started.id), 'utf8');
    const reattached = await core.runs.reattach();
    expect(reattached).toEqual([]);
    expect(readFileSync(storeFile(started.id), 'utf8')).toBe(before);
    expect(core.runs.get(started.id)).toMatchObject({ state: 'interrupted', error: { code: 'RUN_INTERRUPTED' } });
    expect(engine.docker(['ps', '-aq', '--filter', `label=org.aucmedi-desk.run-id=${started.id}`]).stdout).toBe('');

    // The app is usable again.
    const again = await start(request(3));
    const done = await withTimeout(core.runs.waitForEnd(again.id), 60_000);
    expect(done.state).toBe('succeeded');
    faults.survived += 1;
  }, 180_000);

  it('(b) the image in use is removed while the app is idle: listed as absent, a start is refused before any container, loading it from a file brings the app back', async () => {
    expect(engine.docker(['ps', '-aq']).stdout).toBe(''); // idle, and no leftover container holds the image
    faults.injected += 1;
    engine.docker(['rmi', STAND_IN_TAG]);

    const list = await core.handlers['images:list']({});
    expect(list).toMatchObject({ ok: true, data: { inUse: STAND_IN_TAG, inUsePresent: false } });

    const runsBefore = core.runs.list().length;
    const foldersBefore = readdirSync(path.join(dir, 'runs')).length;
    const refused = await core.handlers['runs:start-training'](request(3));
    expect(refused).toMatchObject({ ok: false, error: { code: 'IMAGE_NOT_FOUND', message: expect.stringContaining(STAND_IN_TAG) } });
    if (refused.ok) throw new Error('the start was not refused');
    expect(refused.error.action).toMatch(/load it from a file/i);
    expect(engine.docker(['ps', '-aq']).stdout).toBe(''); // no container was created
    expect(core.runs.list().length).toBe(runsBefore); // no record
    expect(readdirSync(path.join(dir, 'runs')).length).toBe(foldersBefore); // no output folder

    // What the action says: load the image from a file (the app's own load, on the second engine).
    const tarball = path.join(dir, 'aucmedi.tar');
    const saving = Date.now();
    docker(['save', '-o', tarball, STAND_IN_TAG]);
    const loading = Date.now();
    const loaded = await core.handlers['images:load']({ file: tarball, operationId: 'reload-image' });
    expect(loaded).toMatchObject({ ok: true });
    figures.push(`image saved to a file in ${((loading - saving) / 1000).toFixed(1)} s, loaded back by the app in ${((Date.now() - loading) / 1000).toFixed(1)} s`);
    expect(await core.handlers['images:list']({})).toMatchObject({ ok: true, data: { inUsePresent: true } });
    const again = await start(request(3));
    expect((await withTimeout(core.runs.waitForEnd(again.id), 60_000)).state).toBe('succeeded');
    faults.survived += 1;
  }, 180_000);

  it('(c) the engine stops in the middle of an image load: a sentence, nothing half-loaded, and the load works once it is back', async () => {
    const tarball = path.join(dir, 'aucmedi.tar'); // saved in (b)
    expect(existsSync(tarball)).toBe(true);
    expect(engine.docker(['ps', '-aq']).stdout).toBe('');
    engine.docker(['rmi', STAND_IN_TAG]);

    faults.injected += 1;
    let stopping: Promise<number> | null = null;
    const stopWatching = core.subscribe((event) => {
      if (!stopping && event.type === 'image:progress' && event.progress.operationId === 'load-cut' && event.progress.phase === 'reading') {
        figures.push(`engine stopped after ${(event.progress.bytesDone / 2 ** 20).toFixed(0)} of ${((event.progress.bytesTotal ?? 0) / 2 ** 20).toFixed(0)} MiB sent`);
        stopping = engine.stop();
      }
    });
    const cut = await core.handlers['images:load']({ file: tarball, operationId: 'load-cut' });
    stopWatching();
    expect(stopping).not.toBeNull();
    await stopping;
    expect(cut).toMatchObject({ ok: false, error: { code: 'ENGINE_UNAVAILABLE', message: expect.stringMatching(/^Docker is not available/) } });

    await engine.start();
    // The watcher may not have seen so short a stop; if it did, it reports the engine back.
    await waitFor(() => (statuses().at(-1)?.ok ? true : null), 30_000);
    expect(engine.docker(['images', '-q', STAND_IN_TAG]).stdout).toBe(''); // nothing tagged from the cut load
    const loaded = await core.handlers['images:load']({ file: tarball, operationId: 'load-again' });
    expect(loaded).toMatchObject({ ok: true, data: { references: [STAND_IN_TAG] } });
    faults.survived += 1;
  }, 180_000);

  it('(d) live-restore: the engine restarts under a running training; the run goes on, is followed again and ends as if never left', async () => {
    await engine.stop();
    await engine.start({ liveRestore: true });
    const end = Date.now() + 30_000;
    for (;;) {
      const status = await core.handlers['engine:status']({});
      if (status.ok && status.data.info?.liveRestore) break;
      if (Date.now() > end) throw new Error('the app did not see the engine with live-restore');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const epochs = 30;
    const started = await start(request(epochs));
    await waitFor(() => (training(core.runs.get(started.id)).epochs.length >= 2 ? true : null), 60_000);
    const containerId = engine.docker(['ps', '-q', '--no-trunc', '--filter', `label=org.aucmedi-desk.run-id=${started.id}`]).stdout;
    const startedAt = engine.docker(['inspect', '-f', '{{.State.StartedAt}}', containerId]).stdout;

    faults.injected += 1;
    await engine.stop();
    const epochsWhenStopped = training(core.runs.get(started.id)).epochs.length;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(core.runs.get(started.id).state).toBe('running'); // waiting for the engine, not given up

    await engine.start({ liveRestore: true });
    // The same container, never restarted: it ran on while the engine was away.
    expect(engine.docker(['inspect', '-f', '{{.State.StartedAt}}', containerId]).stdout).toBe(startedAt);
    const ended = training(await withTimeout(core.runs.waitForEnd(started.id), 120_000));
    expect(ended.state).toBe('succeeded');
    expect(ended.epochs.map((epoch) => epoch.epoch)).toEqual(Array.from({ length: epochs }, (_, index) => index + 1));
    const log = readFileSync(path.join(ended.outputDir, 'run.log'), 'utf8');
    expect(log).toMatch(/^Epoch 1\//m); // read again from the start, not from where it was left
    expect(log).toContain(`Epoch ${epochs}/${epochs}`);
    expect(ended.modelFiles).toContain('model.last.keras');
    expect(JSON.parse(readFileSync(storeFile(started.id), 'utf8'))).toMatchObject({ state: 'succeeded' });
    expect(engine.docker(['ps', '-aq', '--filter', `label=org.aucmedi-desk.run-id=${started.id}`]).stdout).toBe('');
    figures.push(`live-restore: engine away at epoch ${epochsWhenStopped}, run followed again and ended after ${ended.epochs.length} epochs`);
    faults.survived += 1;
  }, 240_000);
});
