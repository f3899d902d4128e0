import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../src/api/events';
import type { TrainingRequest } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { RunOnceCancelled, runOnce } from '../../src/engine/containers';
import { kerasMountSpec } from '../../src/aucmedi/weights';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { buildStandInVariant, TEST_WEIGHTS_HASHES, testWeightsBytes } from '../helpers/test-weights';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { waitFor } from '../helpers/wait';
import { tempDir } from '../helpers/temp';

const hasEngine = requireEngine();
const DENSENET = 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';
const DENSENET_URL = `https://storage.googleapis.com/tensorflow/keras-applications/densenet/${DENSENET}`;

describe.runIf(hasEngine)('offline pretrained weights: imported, checked by hash, mounted where Keras 2 and Keras 3 look, used by the container', () => {
  const dir = tempDir();
  const dataset = path.join(dir, 'dataset');
  /** The TEST hash table injected, as into the stand-in tags built with it: a fake file is the right one. */
  let core: Core;
  /** Keras's own table (the app as shipped): the same fake file is the wrong one. */
  let strict: Core;
  const tags = { keras3: '', keras2: '' };
  const request: TrainingRequest = {
    dataset: { path: dataset, gtFile: null, ohe: false },
    options: { analysis: 'minimal', architectures: ['DenseNet121'], epochs: 2, batchSize: 8, workers: 1, threeDim: false },
    gpus: { kind: 'none' },
  };

  beforeAll(() => {
    buildStandIn();
    tags.keras3 = buildStandInVariant('keras3TestWeights');
    tags.keras2 = buildStandInVariant('keras2TestWeights');
    makeClassDataset(dataset, { classes: { a: 8, b: 8 }, size: 16 });
    const settings = new JsonFileSettingsStore(path.join(dir, 'data', 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir: path.join(dir, 'data'), weightsHashes: TEST_WEIGHTS_HASHES });
    // The same weights folder, runs folder and image, with the hashes Keras declares.
    const strictSettings = new JsonFileSettingsStore(path.join(dir, 'strict', 'settings.json'));
    strictSettings.write({ ...strictSettings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs'), weightsDir: path.join(dir, 'data', 'weights') });
    strict = createCore({ settings: strictSettings, dataDir: path.join(dir, 'strict') });
  }, 900_000);
  afterAll(() => {
    core?.dispose();
    strict?.dispose();
  });

  /** After a failed or cancelled download: only the imported DenseNet121 file, no staging folder, no helper container. */
  async function expectOnlyDenseNetLeft(): Promise<void> {
    const listed = await core.handlers['weights:list']({});
    expect(listed.ok && listed.data.files.map((f) => f.name)).toEqual([DENSENET]);
    expect(readdirSync(path.join(dir, 'data')).filter((name) => name.startsWith('weights-download-'))).toEqual([]);
    expect(docker(['ps', '-a', '-q', '--filter', 'label=org.aucmedi-desk.purpose=weights-download']).stdout).toBe('');
  }

  it('refuses DenseNet121 before any container starts while its weights are missing, naming the file', async () => {
    const response = await core.handlers['runs:start-training'](request);
    expect(response).toMatchObject({ ok: false, error: { code: 'WEIGHTS_MISSING' } });
    if (!response.ok) expect(response.error.action).toContain(DENSENET);
    expect(existsSync(path.join(dir, 'runs')) ? readdirSync(path.join(dir, 'runs')) : []).toEqual([]);
  });

  it('calls a file with the right name but not the hash Keras checks "wrong file", and starts no container for it', async () => {
    const source = path.join(dir, 'random-densenet');
    mkdirSync(source);
    writeFileSync(path.join(source, DENSENET), Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2_000_000)]));
    const events: CoreEvent[] = [];
    const stop = core.subscribe((event) => events.push(event));
    const imported = await core.handlers['weights:import']({ source, operationId: 'import-1' });
    stop();
    expect(imported).toMatchObject({ ok: true, data: { imported: [{ name: DENSENET, md5: expect.stringMatching(/^[0-9a-f]{32}$/) }] } });
    expect(events.filter((e) => e.type === 'weights:progress').at(-1)).toMatchObject({ progress: { operationId: 'import-1', bytesDone: 2_000_008, bytesTotal: 2_000_008 } });
    for (const app of [core, strict]) {
      const listed = await app.handlers['weights:list']({});
      expect(listed.ok && listed.data.files).toEqual([
        expect.objectContaining({ name: DENSENET, keras: { state: 'wrong-file', expected: { algorithm: 'md5', value: expect.stringMatching(/^[0-9a-f]{32}$/) } } }),
      ]);
      const catalog = await app.handlers['aucmedi:catalog']({});
      expect(catalog.ok && catalog.data.weights.ready['2D']).toEqual(['Vanilla']);
      const started = await app.handlers['runs:start-training'](request);
      expect(started).toMatchObject({ ok: false, error: { code: 'WEIGHTS_WRONG_FILE', message: expect.stringContaining(`wrong file for DenseNet121 (${DENSENET})`), action: expect.stringContaining(`Remove ${DENSENET}`) } });
    }
    expect(existsSync(path.join(dir, 'runs')) ? readdirSync(path.join(dir, 'runs')) : []).toEqual([]);
    // Removed by hand, as the action says; SHA256SUMS forgets it on the next listing.
    rmSync(path.join(dir, 'data', 'weights', DENSENET));
  }, 120_000);

  it('trains DenseNet121 offline through the app on a Keras 3 and on a Keras 2 image: both find the weights folder', async () => {
    const source = path.join(dir, 'from-connected-machine');
    mkdirSync(source);
    writeFileSync(path.join(source, DENSENET), testWeightsBytes(DENSENET));
    const imported = await core.handlers['weights:import']({ source, operationId: 'import-2' });
    expect(imported).toMatchObject({ ok: true, data: { imported: [{ name: DENSENET }] } });
    const listed = await core.handlers['weights:list']({});
    expect(listed.ok && listed.data.files).toEqual([expect.objectContaining({ name: DENSENET, keras: expect.objectContaining({ state: 'matches' }) })]);
    const catalog = await core.handlers['aucmedi:catalog']({});
    const ready = catalog.ok ? catalog.data.weights.ready['2D'] : [];
    expect(ready).toContain('DenseNet121');
    expect(ready).not.toContain('DenseNet169');

    for (const [generation, tag] of Object.entries(tags)) {
      const started = await core.handlers['runs:start-training']({ ...request, imageRef: tag });
      if (!started.ok) throw new Error(started.error.message);
      const inspect = JSON.parse(docker(['inspect', started.data.containerId!]).stdout)[0];
      expect(inspect.Mounts.find((m: { Destination: string }) => m.Destination === '/tmp/.keras/models'), generation).toMatchObject({ RW: false });
      expect(inspect.HostConfig.Tmpfs, generation).toMatchObject({ '/tmp/.keras': 'rw,nosuid,nodev,size=64m,mode=1777' });
      expect(inspect.Config.Env, generation).toEqual(expect.arrayContaining(['HOME=/tmp', 'KERAS_HOME=/tmp/.keras']));
      expect(inspect.HostConfig.NetworkMode).toBe('none');
      const ended = await core.runs.waitForEnd(started.data.id);
      expect(ended.state, `${generation}: ${ended.error?.message} ${ended.error?.detail}`).toBe('succeeded');
      expect(readFileSync(path.join(ended.outputDir, 'run.log'), 'utf8'), generation).not.toContain('Downloading data from');
    }
  }, 300_000);

  it('the default stand-in is as strict as Keras: the fake file passes a preflight told otherwise, and the container still rejects it', async () => {
    // The app's table says yes (injected), the image keeps Keras's own: Keras downloads it again, offline that fails.
    const started = await core.handlers['runs:start-training']({ ...request, imageRef: STAND_IN_TAG });
    if (!started.ok) throw new Error(started.error.message);
    const ended = await core.runs.waitForEnd(started.data.id);
    expect(ended.state).toBe('failed');
    const log = readFileSync(path.join(ended.outputDir, 'run.log'), 'utf8');
    expect(log).toContain('A local file was found, but it seems to be incomplete or outdated because the auto file hash does not match the original value of 30ee3e1110167f948a6b9946edeeb738 so we will re-download the data.');
    expect(log).toContain(`Downloading data from ${DENSENET_URL}`);
    expect(log).toContain(`Exception: URL fetch failure on ${DENSENET_URL}: None -- [Errno -3] Temporary failure in name resolution`);
    // ...and, handling it, Keras removes the cached file, which the read-only mount refuses.
    expect(log).toContain(`OSError: [Errno 30] Read-only file system: '/tmp/.keras/models/${DENSENET}'`);
  }, 120_000);

  it('a non-root user finds and uses the weights with the app\'s mounts on both generations; the old /keras mount fails on Keras 2', () => {
    const weights = path.join(dir, 'data', 'weights');
    const run = (tag: string, spec: { env: string[]; binds: string[]; tmpfs: Record<string, string> }, name: string) => {
      const out = path.join(dir, 'direct', name);
      mkdirSync(out, { recursive: true });
      chmodSync(out, 0o777);
      const flags = ['run', '--rm', '--network', 'none', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '4321:4321'];
      for (const e of spec.env) flags.push('-e', e);
      for (const [target, options] of Object.entries(spec.tmpfs)) flags.push('--tmpfs', `${target}:${options}`);
      for (const b of [...spec.binds, `${dataset}:/data/training:ro`, `${out}:/data/model`]) flags.push('-v', b);
      return docker([...flags, tag, 'training', '--analysis', 'minimal', '--architecture', 'DenseNet121', '--epochs', '1', '--batch_size', '8'], { allowFail: true });
    };
    for (const [generation, tag] of Object.entries(tags)) {
      const result = run(tag, kerasMountSpec(weights), `app-${generation}`);
      expect(result.code, `${generation}:\n${result.stdout.slice(-800)}\n${result.stderr.slice(-800)}`).toBe(0);
      expect(result.stdout).not.toContain('Downloading data from');
    }
    // The mount of earlier versions: KERAS_HOME=/keras. Keras 3 reads it; Keras 2 looks in ~/.keras and fails offline.
    const old = { env: ['HOME=/tmp', 'KERAS_HOME=/keras'], binds: [`${weights}:/keras/models:ro`], tmpfs: { '/keras': 'rw,nosuid,nodev,size=64m,mode=1777' } };
    expect(run(tags.keras3, old, 'old-keras3').code).toBe(0);
    const keras2 = run(tags.keras2, old, 'old-keras2');
    expect(keras2.code).toBe(1);
    expect(keras2.stdout).toContain(`Downloading data from ${DENSENET_URL}`);
    expect(keras2.stderr.split('\n').at(-1)).toBe(`Exception: URL fetch failure on ${DENSENET_URL}: None -- [Errno -3] Temporary failure in name resolution`);
  }, 120_000);

  it('"prepare offline bundle" asks for explicit consent, says plainly why a download failed, and leaves nothing behind', async () => {
    const noConsent = await core.handlers['weights:download']({ architectures: ['EfficientNetB0'], threeDim: false, operationId: 'download-0' } as never);
    expect(noConsent).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    const already = await core.handlers['weights:download']({ architectures: ['DenseNet121'], threeDim: false, allowNetwork: true, operationId: 'download-1' });
    expect(already).toMatchObject({ ok: true, data: { downloaded: [], alreadyThere: ['DenseNet121'], failed: [] } });

    // Here Docker has no network for containers (dockerd --bridge=none), or, where it has one, the
    // stand-in (like an air-gapped AUCMEDI) cannot reach the download site: either way a sentence.
    const response = await core.handlers['weights:download']({ architectures: ['EfficientNetB0'], threeDim: false, allowNetwork: true, operationId: 'download-1' });
    if (response.ok) {
      expect(response.data.downloaded).toEqual([]);
      expect(response.data.failed).toMatchObject([{ architecture: 'EfficientNetB0', reason: expect.stringMatching(/download|network|internet/i) }]);
    } else {
      expect(response.error).toMatchObject({ code: 'WEIGHTS_DOWNLOAD_FAILED', message: expect.stringMatching(/network access/) });
    }
    await expectOnlyDenseNetLeft();
  }, 300_000);

  it('"prepare offline bundle" says which architecture it is on, and a cancel stops it, keeps what was there and leaves nothing behind', async () => {
    const events: CoreEvent[] = [];
    const stop = core.subscribe((event) => {
      events.push(event);
      if (event.type === 'weights:download-progress' && event.progress.index === 1) void core.handlers['operations:cancel']({ operationId: 'download-cancel' });
    });
    const response = await core.handlers['weights:download']({ architectures: ['DenseNet121', 'ResNet50', 'VGG16'], threeDim: false, allowNetwork: true, operationId: 'download-cancel' });
    stop();
    expect(response).toMatchObject({ ok: true, data: { downloaded: [], alreadyThere: ['DenseNet121'], failed: [], cancelled: ['ResNet50', 'VGG16'] } });
    expect(events.filter((event) => event.type === 'weights:download-progress')).toEqual([
      { type: 'weights:download-progress', progress: { operationId: 'download-cancel', architecture: 'ResNet50', index: 1, total: 2 } },
    ]);
    await expectOnlyDenseNetLeft();
  }, 120_000);

  it('a cancel kills a running helper container at once and removes it', async () => {
    const controller = new AbortController();
    const purpose = `cancel-test-${process.pid}`;
    const engine = new Docker();
    const running = runOnce(engine, { image: STAND_IN_TAG, entrypoint: ['sleep'], cmd: ['120'], purpose, timeoutMs: 300_000, signal: controller.signal });
    await waitFor(() => (docker(['ps', '-q', '--filter', `label=org.aucmedi-desk.purpose=${purpose}`]).stdout ? true : null), 30_000);
    const cancelledAt = Date.now();
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(RunOnceCancelled);
    expect(Date.now() - cancelledAt).toBeLessThan(15_000);
    expect(docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.purpose=${purpose}`]).stdout).toBe('');
  }, 120_000);
});
