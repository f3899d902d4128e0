/**
 * Runs on the hospital's GPU server (issue 15), against a real second dockerd that cannot see this
 * machine's files (test/helpers/remote-engine.ts), over TLS and over SSH, with the stand-in image:
 * the data staged through the engine API, the outputs brought back, nothing left on the server.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../src/api/events';
import type { EvaluationRecord, PredictionRecord, RunRecord, StagingProgress, TrainingRecord } from '../../src/api/runs';
import type { EngineEntry } from '../../src/api/types';
import { createCore, type Core } from '../../src/core';
import { closeSshConnections } from '../../src/engine/client';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireRemoteEngineTools, startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine';
import { requireBuild, requireEngine, requireRoot } from '../helpers/requirements';
import { requireDockerd } from '../helpers/second-engine';
import { tempDir } from '../helpers/temp';

const NON_ROOT_TAG = 'aucmedi-desk/aucmedi-stand-in:test-uid1000';
const ready = requireRoot('start a second dockerd and sshd') && requireDockerd() && requireRemoteEngineTools() && requireEngine() && requireBuild();

async function waitFor<T>(check: () => T | null | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.runIf(ready)('runs on a server that cannot see this computer\'s files (real second engine, TLS and SSH)', () => {
  let remote: RemoteEngine;
  const dir = tempDir();
  const home = path.join(dir, 'home');
  const dataDir = path.join(dir, 'app');
  const trainingSet = path.join(dir, 'training');
  const newImages = path.join(dir, 'new-images');
  const csvSet = path.join(dir, 'csv-set');
  const csvLabels = path.join(dir, 'csv-labels.csv');
  const bigSet = path.join(dir, 'big');
  const events: CoreEvent[] = [];
  const cores: Core[] = [];
  let core: Core;
  let trainingId: string;

  const newCore = (runEnv: string[] = []) => {
    const made = createCore({ settings: new JsonFileSettingsStore(path.join(dataDir, 'settings.json')), dataDir, homedir: home, username: 'nobody', env: { AUCMEDI_DESK_HOME: dataDir }, runEnv });
    made.subscribe((event) => events.push(event));
    cores.push(made);
    return made;
  };
  const ok = async <T,>(promise: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string; detail?: string } }>): Promise<T> => {
    const response = await promise;
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message} ${response.error.detail ?? ''}`);
    return response.data;
  };
  /** What the server holds of the app: its containers and its volumes (none once a run has ended). */
  const leftOnServer = () => ({
    // the image check (once per image, beside the first run) is not the run's
    containers: remote.engine
      .docker(['ps', '-a', '--filter', 'label=org.aucmedi-desk.app', '--format', '{{.ID}} {{.Label "org.aucmedi-desk.purpose"}}'])
      .stdout.split('\n')
      .filter((line) => line && !line.endsWith(' image-check'))
      .join('\n'),
    // images kept for the next run on the same data are not the run's leftovers (listed and removed below)
    volumes: remote.engine
      .docker(['volume', 'ls', '-q', '--filter', 'label=org.aucmedi-desk.app'])
      .stdout.split('\n')
      .filter((name) => name && !name.startsWith('aucmedi-desk-data-'))
      .join('\n'),
  });
  const keptOnServer = () => remote.engine.docker(['volume', 'ls', '-q', '--filter', 'label=org.aucmedi-desk.staged=dataset']).stdout.split('\n').filter(Boolean);
  const training = (engine: string, epochs = 12, folder = trainingSet) => ({
    dataset: { path: folder, gtFile: null, ohe: false },
    options: { analysis: 'standard' as const, architectures: ['Vanilla'], epochs, batchSize: 8, workers: 1, threeDim: false },
    gpus: { kind: 'none' as const },
    engine,
  });

  beforeAll(async () => {
    buildStandIn();
    remote = await startRemoteEngine();
    // The stand-in as the image the app ships runs (docker/aucmedi/Dockerfile: USER aucmedi, uid 1000):
    // a staged run goes as the image's user, so the server's volumes must work for one that is not root.
    docker(['build', '-t', NON_ROOT_TAG, '-'], { input: `FROM ${STAND_IN_TAG}\nUSER 1000:1000\n` });
    await remote.engine.loadFromMainEngine(NON_ROOT_TAG);
    // only the server needs it: this machine's image list stays as the other tests expect it
    docker(['rmi', NON_ROOT_TAG]);
    // the server's host key as the user's own known_hosts lists it (trusting it is tested in remote-engine.test.ts)
    mkdirSync(path.join(home, '.ssh'), { recursive: true });
    copyFileSync(remote.ssh.knownHosts, path.join(home, '.ssh', 'known_hosts'));
    makeClassDataset(trainingSet, { classes: { benign: 12, malignant: 12 }, size: 16, seed: 3 });
    makeClassDataset(newImages, { classes: { benign: 4, malignant: 4 }, size: 16, seed: 5, layout: 'flat' });
    const csv = makeClassDataset(csvSet, { classes: { benign: 6, malignant: 6 }, size: 16, seed: 9, layout: 'flat' });
    writeFileSync(csvLabels, `SAMPLE,CLASS\n${Object.entries(csv.labels).map(([sample, label]) => `${sample},${label}`).join('\n')}\n`);
    const tls: EngineEntry = { name: 'gpu-tls', url: remote.tlsUrl, tls: { ca: remote.certs.ca, cert: remote.certs.cert, key: remote.certs.key }, identityFile: null };
    const ssh: EngineEntry = { name: 'gpu-ssh', url: remote.sshUrl, tls: null, identityFile: remote.ssh.identityFile };
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: NON_ROOT_TAG, runsDir: path.join(dir, 'runs'), engines: [tls, ssh] });
    core = newCore();
  }, 180_000);
  afterAll(async () => {
    for (const made of cores) made.dispose();
    closeSshConnections();
    await remote?.cleanup();
  });

  it('asks before images leave this computer: which server, which data, for how long; once per engine', async () => {
    const refused = await core.handlers['runs:start-training'](training('gpu-tls'));
    expect(refused).toMatchObject({ ok: false, error: { code: 'UPLOAD_CONSENT_NEEDED' } });
    if (refused.ok) return;
    expect(refused.error.message).toContain('127.0.0.1');
    expect(refused.error.message).toContain(trainingSet);
    expect(refused.error.message).toMatch(/24 images/);
    expect(refused.error.message).toMatch(/kept there for later runs on the same data until you remove them/);
    // nothing started, nothing sent
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
    const settings = JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as { uploadConsents: unknown[] };
    expect(settings.uploadConsents).toEqual([]);
  });

  it('over TLS: trains on the server from staged data; the model comes back; run.json records where; nothing stays there', async () => {
    const transfers: StagingProgress[] = [];
    const off = core.subscribe((event) => event.type === 'run:transfer' && transfers.push(event.progress));
    const started = await ok(core.handlers['runs:start-training']({ ...training('gpu-tls'), allowUpload: true }));
    expect(started.placement).toMatchObject({ engine: 'gpu-tls', host: '127.0.0.1', data: 'staged' });
    const record = (await core.runs.waitForEnd(started.id)) as TrainingRecord;
    off();
    expect(record.state, record.error?.message).toBe('succeeded');
    // the stand-in trains as AUCMEDI does: 10 frozen epochs first, so --epochs 12 is 12
    expect(record.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(record.modelFiles).toContain('model.best_loss.keras');
    expect(existsSync(path.join(record.outputDir, 'model.best_loss.keras'))).toBe(true);
    expect(existsSync(path.join(record.outputDir, 'meta.training.json'))).toBe(true);
    expect(record.classNames).toEqual(['benign', 'malignant']);
    expect(readFileSync(path.join(record.outputDir, 'run.log'), 'utf8')).toMatch(/Epoch 12\/12/);
    // the images went up and were checked on the server, then the run's own inputs (its list of links)
    expect(transfers.filter((t) => t.phase === 'verifying').map((t) => t.files)).toEqual([24, 1]);
    const manifest = JSON.parse(readFileSync(path.join(record.outputDir, 'run.json'), 'utf8'));
    expect(manifest.placement).toMatchObject({ engine: 'gpu-tls', host: '127.0.0.1', data: 'staged' });
    expect(manifest.engine.version).toBe(remote.engine.docker(['version', '--format', '{{.Server.Version}}']).stdout);
    // the server never saw this computer's folders: the data went through the API
    expect(remote.serverSees(trainingSet)).toBe(false);
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
    // the yes was remembered for this engine and address
    const settings = JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as { uploadConsents: { engine: string; url: string }[] };
    expect(settings.uploadConsents).toEqual([expect.objectContaining({ engine: 'gpu-tls', url: remote.tlsUrl })]);
    trainingId = record.id;
    // the images stay there, under the dataset's fingerprint
    expect(keptOnServer()).toEqual([record.placement!.volumes!.dataset]);
  }, 300_000);

  it('a second run on the same data uses the images kept on the server; Setup lists them; removed, they are gone', async () => {
    const transfers: StagingProgress[] = [];
    const off = core.subscribe((event) => event.type === 'run:transfer' && transfers.push(event.progress));
    const started = await ok(core.handlers['runs:start-training'](training('gpu-tls')));
    const record = (await core.runs.waitForEnd(started.id)) as TrainingRecord;
    off();
    expect(record.state, record.error?.message).toBe('succeeded');
    expect(record.placement).toMatchObject({ datasetReused: true, volumes: { datasetKept: true } });
    // only the run's own inputs went up (its list of links), not the 24 images
    expect(transfers.filter((t) => t.phase === 'verifying').map((t) => t.files)).toEqual([1]);
    const kept = await ok(core.handlers['engines:kept-datasets']({ name: 'gpu-tls' }));
    expect(kept).toEqual([expect.objectContaining({ volume: record.placement!.volumes!.dataset, folder: trainingSet })]);
    expect(await ok(core.handlers['engines:remove-kept-dataset']({ name: 'gpu-tls', volume: kept[0]!.volume }))).toEqual([]);
    expect(keptOnServer()).toEqual([]);
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
  }, 300_000);

  it('over SSH: predicts with that model, and evaluates it on a labelled set with an annotation file', async () => {
    const refused = await core.handlers['runs:start-prediction']({ model: { runId: trainingId }, images: newImages, options: { batchSize: 4, workers: 1 }, gpus: { kind: 'none' }, engine: 'gpu-ssh' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'UPLOAD_CONSENT_NEEDED' } }); // another engine: asked again
    const started = await ok(core.handlers['runs:start-prediction']({ model: { runId: trainingId }, images: newImages, options: { batchSize: 4, workers: 1, xaiMethod: 'gradcam' }, gpus: { kind: 'none' }, engine: 'gpu-ssh', allowUpload: true }));
    const prediction = (await core.runs.waitForEnd(started.id)) as PredictionRecord;
    expect(prediction.state, prediction.error?.message).toBe('succeeded');
    expect(prediction.placement).toMatchObject({ engine: 'gpu-ssh', host: '127.0.0.1', data: 'staged' });
    expect(prediction.results).toMatchObject({ samples: 8, classes: ['benign', 'malignant'], heatMaps: 8 });
    expect(readFileSync(path.join(prediction.outputDir, 'preds.csv'), 'utf8').trim().split('\n')).toHaveLength(9);

    const evaluation = await ok(
      core.handlers['runs:start-evaluation']({ model: { runId: trainingId }, dataset: { path: csvSet, gtFile: csvLabels, ohe: false }, options: { batchSize: 4, workers: 1 }, gpus: { kind: 'none' }, engine: 'gpu-ssh' }),
    );
    const evaluated = (await core.runs.waitForEnd(evaluation.id)) as EvaluationRecord;
    expect(evaluated.state, evaluated.error?.message).toBe('succeeded');
    expect(evaluated.results).toMatchObject({ samples: 12, classes: ['benign', 'malignant'] });
    expect(existsSync(path.join(evaluated.outputDir, 'prediction', 'preds.csv'))).toBe(true);
    expect(existsSync(path.join(evaluated.outputDir, 'evaluation', 'metrics.performance.csv'))).toBe(true);
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
  }, 300_000);

  it('a stop mid-run on the server keeps the models saved so far, brought back; nothing stays there', async () => {
    const slow = newCore(['AUCMEDI_STANDIN_BATCH_DELAY=0.2']);
    const started = await ok(slow.handlers['runs:start-training'](training('gpu-tls', 40)));
    await waitFor(() => ((slow.runs.get(started.id) as TrainingRecord).epochs.length >= 2 ? true : null), 120_000);
    const stopped = (await ok(slow.handlers['runs:stop']({ runId: started.id }))) as RunRecord;
    expect(stopped.state).toBe('cancelled');
    const record = stopped as TrainingRecord;
    expect(record.epochs.length).toBeLessThan(40);
    expect(record.modelFiles).toContain('model.best_loss.keras');
    expect(existsSync(path.join(record.outputDir, 'model.best_loss.keras'))).toBe(true);
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
  }, 240_000);

  it('the app closed mid-run: the run goes on on the server, and the next start follows it to its end and brings its outputs back', async () => {
    const first = newCore(['AUCMEDI_STANDIN_BATCH_DELAY=0.05']);
    const started = await ok(first.handlers['runs:start-training'](training('gpu-ssh', 12)));
    await waitFor(() => ((first.runs.get(started.id) as TrainingRecord).epochs.length >= 1 ? true : null), 120_000);
    first.dispose();
    expect(remote.engine.docker(['ps', '-q', '--filter', `label=org.aucmedi-desk.run-id=${started.id}`]).stdout).not.toBe('');
    const second = newCore();
    const reattached = await second.runs.reattach();
    expect(reattached.map((record) => record.id)).toContain(started.id);
    const record = (await second.runs.waitForEnd(started.id)) as TrainingRecord;
    expect(record.state, record.error?.message).toBe('succeeded');
    expect(record.epochs.length).toBe(12);
    expect(existsSync(path.join(record.outputDir, 'model.best_loss.keras'))).toBe(true);
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
  }, 300_000);

  it('the connection lost mid-run (sshd stopped): "connection lost, retrying"; restored, the run finishes there and its outputs arrive', async () => {
    const made = newCore(['AUCMEDI_STANDIN_BATCH_DELAY=0.1']);
    const started = await ok(made.handlers['runs:start-training'](training('gpu-ssh', 15)));
    await waitFor(() => ((made.runs.get(started.id) as TrainingRecord).epochs.length >= 1 ? true : null), 120_000);
    await remote.stopSsh();
    const lost = await waitFor(() => made.runs.get(started.id).connectionLost ?? null, 60_000);
    expect(lost.host).toBe('127.0.0.1');
    expect(made.runs.get(started.id).state).toBe('running');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await remote.startSsh();
    const record = (await made.runs.waitForEnd(started.id)) as TrainingRecord;
    expect(record.state, record.error?.message).toBe('succeeded');
    expect(record.connectionLost ?? null).toBeNull();
    expect(record.epochs.length).toBe(15);
    expect(existsSync(path.join(record.outputDir, 'model.best_loss.keras'))).toBe(true);
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
  }, 300_000);

  it('the CLI: --engine runs there, asking first (--allow-upload says yes); runs list --engine shows it', () => {
    const cliHome = path.join(dir, 'cli-home');
    mkdirSync(cliHome, { recursive: true });
    const env = { ...process.env, HOME: cliHome, AUCMEDI_DESK_HOME: path.join(cliHome, 'app'), SSH_AUTH_SOCK: '', DOCKER_HOST: '', LANG: 'C' };
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.resolve('dist/cli/aucmedi-desk.mjs'), ...args], { env, encoding: 'utf8', timeout: 240_000 });
    expect(cli('engine', 'add', 'gpu-tls', remote.tlsUrl, '--tls-ca', remote.certs.ca, '--tls-cert', remote.certs.cert, '--tls-key', remote.certs.key).status).toBe(0);
    const train = ['train', trainingSet, '--engine', 'gpu-tls', '--image', NON_ROOT_TAG, '--analysis', 'standard', '--architecture', 'Vanilla', '--epochs', '12', '--gpus', 'none'];
    const refused = cli(...train);
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/copies the 24 images of .* to the server 127\.0\.0\.1/);
    expect(refused.stderr).toContain('--allow-upload');
    const trained = cli(...train, '--allow-upload', '--json');
    expect(trained.status, trained.stderr).toBe(0);
    const record = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as TrainingRecord;
    expect(record).toMatchObject({ state: 'succeeded', placement: { engine: 'gpu-tls', host: '127.0.0.1', data: 'staged' } });
    expect(existsSync(path.join(record.outputDir, 'model.best_loss.keras'))).toBe(true);
    const listed = cli('runs', 'list', '--engine', 'gpu-tls');
    expect(listed.stdout).toContain(record.id);
    expect(cli('runs', 'list', '--engine', 'local').stdout).not.toContain(record.id);
    expect(cli('runs', 'show', record.id).stdout).toMatch(/gpu-tls \(127\.0\.0\.1\); the data was uploaded/);
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
  }, 300_000);

  it('a stop while the data goes up cancels the upload: no volume or container is left on the server', async () => {
    // large enough to still be uploading when the stop comes
    makeClassDataset(bigSet, { classes: { a: 150, b: 150 }, size: 256, seed: 11 });
    const started = await ok(core.handlers['runs:start-training'](training('gpu-tls', 12, bigSet)));
    expect(started.state).toBe('preparing');
    await waitFor(() => events.some((event) => event.type === 'run:transfer' && event.runId === started.id && event.progress.phase === 'uploading'), 60_000);
    const stopped = await ok(core.handlers['runs:stop']({ runId: started.id }));
    expect(stopped.state).toBe('cancelled');
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
  }, 120_000);

  it('a folder shared with the server (a path mapping): checked first, a wrong mapping refused; then used in place, nothing copied, nothing asked', async () => {
    // The same share mounted at two paths: here under this test's folder (private to this machine: the
    // server's /tmp is its own), there under /var/tmp (which the server's mount namespace shares).
    const there = mkdtempSync('/var/tmp/aucmedi-share-');
    const wrong = mkdtempSync('/var/tmp/aucmedi-share-wrong-');
    const here = path.join(dir, 'share');
    mkdirSync(here);
    expect(spawnSync('mount', ['--bind', there, here]).status).toBe(0);
    try {
      makeClassDataset(path.join(here, 'set'), { classes: { benign: 6, malignant: 6 }, size: 16, seed: 13 });
      expect(remote.serverSees(path.join(here, 'set'))).toBe(false);
      expect(remote.serverSees(path.join(there, 'set'))).toBe(true);
      const entry: EngineEntry = { name: 'gpu-share', url: remote.tlsUrl, tls: { ca: remote.certs.ca, cert: remote.certs.cert, key: remote.certs.key }, identityFile: null };
      await ok(core.handlers['engines:add']({ ...entry, pathMappings: [{ local: here, remote: wrong }] }));
      const request = { ...training('gpu-share', 12, path.join(here, 'set')) };
      const refused = await core.handlers['runs:start-training']({ ...request, outputDir: path.join(here, 'run-wrong') });
      expect(refused).toMatchObject({ ok: false, error: { code: 'PATH_MAPPING_MISMATCH', message: expect.stringContaining('the server does not have it there') } });
      // a stale copy on the server: the images are mapped there, one of them missing
      cpSync(path.join(there, 'set'), path.join(wrong, 'set'), { recursive: true });
      rmSync(path.join(wrong, 'set', 'benign', 'benign_000.png'));
      await ok(core.handlers['engines:shared-folders']({ name: 'gpu-share', pathMappings: [{ local: path.join(here, 'set'), remote: path.join(wrong, 'set') }, { local: here, remote: there }] }));
      const stale = await core.handlers['runs:start-training']({ ...request, outputDir: path.join(here, 'run-stale') });
      expect(stale).toMatchObject({ ok: false, error: { code: 'PATH_MAPPING_MISMATCH', message: expect.stringContaining("of the run's 12 images, 1 are missing there or differ in size") } });
      expect(leftOnServer()).toEqual({ containers: '', volumes: '' });

      await ok(core.handlers['engines:shared-folders']({ name: 'gpu-share', pathMappings: [{ local: here, remote: there }] }));
      const transfers = events.length;
      // no question: nothing leaves this computer that is not on the share already
      const started = await ok(core.handlers['runs:start-training']({ ...request, outputDir: path.join(here, 'run') }));
      expect(started.placement).toMatchObject({ engine: 'gpu-share', data: 'mapped' });
      const record = (await core.runs.waitForEnd(started.id)) as TrainingRecord;
      expect(record.state, record.error?.message).toBe('succeeded');
      expect(record.epochs).toHaveLength(12);
      // written by the server into the share, read here
      expect(existsSync(path.join(there, 'run', 'model.best_loss.keras'))).toBe(true);
      expect(existsSync(path.join(here, 'run', 'model.best_loss.keras'))).toBe(true);
      expect(events.slice(transfers).some((event) => event.type === 'run:transfer')).toBe(false);
      expect(JSON.parse(readFileSync(path.join(here, 'run', 'run.json'), 'utf8')).placement).toMatchObject({ engine: 'gpu-share', data: 'mapped' });
      expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
    } finally {
      spawnSync('umount', [here]);
      rmSync(there, { recursive: true, force: true });
      rmSync(wrong, { recursive: true, force: true });
    }
  }, 240_000);

  it('the server\'s disk full while the data goes up: the run fails with a sentence, and nothing of it stays there', async () => {
    // fill the server's disk (its data root), as another user's data would
    const filled = remote.engine.docker(['run', '--name', 'aucmedi-test-filler', '--user', '0', '-v', 'aucmedi-test-filler:/fill', '--entrypoint', 'dd', NON_ROOT_TAG, 'if=/dev/zero', 'of=/fill/x', 'bs=4M'], { allowFail: true, timeoutMs: 120_000 });
    expect(filled.stderr).toMatch(/No space left on device/);
    try {
      const started = await ok(core.handlers['runs:start-training'](training('gpu-tls', 12, bigSet)));
      const record = await core.runs.waitForEnd(started.id);
      expect(record.state).toBe('failed');
      expect(record.error).toMatchObject({ code: 'STAGING_NO_SPACE', message: expect.stringMatching(/server's disk filled up/), action: expect.stringMatching(/docker system df/) });
      expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
      expect(keptOnServer().some((volume) => volume === record.placement?.volumes?.dataset)).toBe(false);
    } finally {
      remote.engine.docker(['rm', '-f', '-v', 'aucmedi-test-filler'], { allowFail: true });
      remote.engine.docker(['volume', 'rm', '-f', 'aucmedi-test-filler'], { allowFail: true });
    }
    expect(leftOnServer()).toEqual({ containers: '', volumes: '' });
  }, 180_000);
});
