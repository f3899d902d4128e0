import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../src/api/events';
import type { TrainingRequest } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { RunOnceCancelled, runOnce } from '../../src/engine/containers';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { waitFor } from '../helpers/wait';
import { tempDir } from '../helpers/temp';

const hasEngine = requireEngine();
const DENSENET = 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';

describe.runIf(hasEngine)('offline pretrained weights: imported, shown ready, mounted read-only, used by the container', () => {
  const dir = tempDir();
  const dataset = path.join(dir, 'dataset');
  let core: Core;
  const request: TrainingRequest = {
    dataset: { path: dataset, gtFile: null, ohe: false },
    options: { analysis: 'minimal', architectures: ['DenseNet121'], epochs: 2, batchSize: 8, workers: 1, threeDim: false },
    gpus: { kind: 'none' },
  };

  beforeAll(() => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { a: 8, b: 8 }, size: 16 });
    const settings = new JsonFileSettingsStore(path.join(dir, 'data', 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir: path.join(dir, 'data') });
  }, 900_000);
  afterAll(() => core?.dispose());

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

  it('imports the weights with progress, shows DenseNet121 ready, and trains with them offline', async () => {
    const source = path.join(dir, 'from-connected-machine');
    mkdirSync(source);
    writeFileSync(path.join(source, DENSENET), Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2_000_000)]));
    const events: CoreEvent[] = [];
    core.subscribe((event) => events.push(event));
    const imported = await core.handlers['weights:import']({ source, operationId: 'import-1' });
    expect(imported).toMatchObject({ ok: true, data: { imported: [{ name: DENSENET }] } });
    const progress = events.filter((e) => e.type === 'weights:progress');
    expect(progress.at(-1)).toMatchObject({ progress: { operationId: 'import-1', bytesDone: 2_000_008, bytesTotal: 2_000_008 } });
    const catalog = await core.handlers['aucmedi:catalog']({});
    const ready = catalog.ok ? catalog.data.weights.ready['2D'] : [];
    expect(ready).toContain('DenseNet121');
    expect(ready).not.toContain('DenseNet169');
    const listed = await core.handlers['weights:list']({});
    expect(listed.ok && listed.data.files.map((f) => f.name)).toEqual([DENSENET]);

    const started = await core.handlers['runs:start-training'](request);
    if (!started.ok) throw new Error(started.error.message);
    const inspect = JSON.parse(docker(['inspect', started.data.containerId!]).stdout)[0];
    const weightsMount = inspect.Mounts.find((m: { Destination: string }) => m.Destination === '/keras/models');
    expect(weightsMount).toMatchObject({ RW: false });
    expect(inspect.HostConfig.NetworkMode).toBe('none');
    const ended = await core.runs.waitForEnd(started.data.id);
    expect(ended.state, ended.error?.message).toBe('succeeded');
  }, 300_000);

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
      expect(response.data.failed).toEqual([{ architecture: 'EfficientNetB0', reason: expect.stringMatching(/download|network|internet/i) }]);
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
