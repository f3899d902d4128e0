/**
 * Issue 18, item 7: a FIFO (or a socket, a device, a link to one) in a dataset is named in the
 * report as left out and never reaches a container, so a training, a prediction and an evaluation
 * on such folders run to their end on the stand-in instead of blocking on the pipe. Every wait has
 * a timeout, so a hang fails the test rather than blocking it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetReport } from '../../src/api/dataset';
import type { RunRecord } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { withTimeout } from '../helpers/wait';

const hasEngine = requireEngine();
/** A run on 16x16 images takes seconds; one that blocks on a pipe never ends. */
const RUN_TIMEOUT_MS = 150_000;

function mkfifo(file: string): void {
  const result = spawnSync('mkfifo', [file]);
  if (result.status !== 0) throw new Error(`mkfifo ${file}: ${result.stderr}`);
}

/** A listening Unix socket at `file` (closed after the tests). */
async function unixSocket(file: string): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(file, resolve));
  return server;
}

const specialProblem = (report: DatasetReport) => report.problems.find((p) => p.code === 'SPECIAL_FILES');

describe.runIf(hasEngine)('special files (FIFO, socket, link to a FIFO) in a dataset never reach a container', () => {
  const dir = tempDir('aucmedi-special-');
  const dataDir = path.join(dir, 'app-data');
  const sockets: net.Server[] = [];
  let core: Core;
  const ok = async <T,>(promise: Promise<{ ok: true; data: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> => {
    const response = await promise;
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.data;
  };
  const finished = async (runId: string): Promise<RunRecord> => withTimeout(core.runs.waitForEnd(runId), RUN_TIMEOUT_MS);
  const options = { analysis: 'minimal', architectures: ['Vanilla'], epochs: 2, batchSize: 8, workers: 1, threeDim: false } as const;

  beforeAll(() => {
    buildStandIn();
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir });
  }, 900_000);
  afterAll(async () => {
    for (const server of sockets) server.close();
    await core?.dispose();
  });

  let modelRunId = '';

  it('a class folder with a FIFO named like an image, a socket and a link to the FIFO: named as left out, and the training runs to its end', async () => {
    const dataset = path.join(dir, 'with-pipes');
    makeClassDataset(dataset, { classes: { benign: 10, malignant: 10 }, size: 16, seed: 41 });
    mkfifo(path.join(dataset, 'benign', 'benign_pipe.png'));
    mkfifo(path.join(dataset, 'malignant', 'stream'));
    sockets.push(await unixSocket(path.join(dataset, 'malignant', 'agent.sock')));
    symlinkSync('benign_pipe.png', path.join(dataset, 'benign', 'to_pipe.png'));

    const report = await withTimeout(ok(core.handlers['dataset:scan']({ path: dataset, scanId: 'pipes' })), 30_000);
    expect(report.errors).toBe(0);
    expect(report.classes).toEqual([{ name: 'benign', count: 10 }, { name: 'malignant', count: 10 }]);
    expect(specialProblem(report)).toMatchObject({ severity: 'warning', files: ['benign/benign_pipe.png', 'malignant/agent.sock', 'malignant/stream'], fileCount: 3 });
    expect(specialProblem(report)!.message).toMatch(/not regular files.*left out/);
    // the link is left out as a link, never followed to the pipe
    expect(report.problems.find((p) => p.code === 'SYMLINKS')?.files).toEqual(['benign/to_pipe.png']);

    // the mechanism: AUCMEDI (and the stand-in) opens every entry of a class folder, and opening a
    // FIFO waits for a writer; given the folder as it is, the training never gets past the pipe
    const raw = docker(['run', '-d', '--network', 'none', '-v', `${dataset}:/data/training:ro`, '--tmpfs', '/data/model', STAND_IN_TAG, 'training', '--path_imagedir', '/data/training', '--path_modeldir', '/data/model', '--analysis', 'minimal', '--architecture', 'Vanilla', '--epochs', '1']).stdout;
    try {
      // the same training through the app ends in about a second; this one is still waiting on the pipe
      await new Promise((resolve) => setTimeout(resolve, 15_000));
      expect(docker(['inspect', '-f', '{{.State.Running}}', raw]).stdout).toBe('true');
    } finally {
      docker(['rm', '-f', raw], { allowFail: true, timeoutMs: 60_000 });
    }

    const started = await ok(core.handlers['runs:start-training']({ dataset: { path: dataset, gtFile: null, ohe: false }, options, gpus: { kind: 'none' } }));
    const record = await finished(started.id);
    expect(record.error).toBeNull();
    expect(record.state).toBe('succeeded');
    const spec = readFileSync(path.join(record.outputDir, 'inputs', 'training.json'), 'utf8');
    expect(JSON.parse(spec).views[0].links).toHaveLength(20);
    expect(spec).not.toMatch(/pipe|stream|sock/);
    modelRunId = record.id;
  }, 240_000);

  it('an image folder to classify with a FIFO in it: left out, and the prediction runs to its end', async () => {
    expect(modelRunId).not.toBe('');
    const images = path.join(dir, 'to-classify');
    makeClassDataset(images, { classes: { benign: 3, malignant: 3 }, size: 16, seed: 43, layout: 'flat' });
    mkfifo(path.join(images, 'scan_pipe.png'));

    const report = await withTimeout(ok(core.handlers['dataset:scan']({ path: images, purpose: 'prediction', scanId: 'pred-pipes' })), 30_000);
    expect(specialProblem(report)?.files).toEqual(['scan_pipe.png']);

    const started = await ok(core.handlers['runs:start-prediction']({ model: { runId: modelRunId }, images, options: { batchSize: 4, workers: 1 }, gpus: { kind: 'none' } }));
    const record = await finished(started.id);
    expect(record.error).toBeNull();
    expect(record.state).toBe('succeeded');
    const rows = readFileSync(path.join(record.outputDir, 'preds.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows).toHaveLength(6);
  }, 200_000);

  it('a CSV-interface set with a FIFO beside the images: left out, and the evaluation (both steps) runs to its end', async () => {
    expect(modelRunId).not.toBe('');
    const images = path.join(dir, 'labelled');
    const set = makeClassDataset(images, { classes: { benign: 4, malignant: 4 }, size: 16, seed: 45, layout: 'flat' });
    mkfifo(path.join(images, 'extra_pipe.png'));
    const gt = path.join(dir, 'labels.csv');
    writeFileSync(gt, `SAMPLE,CLASS\n${Object.entries(set.labels).map(([sample, cls]) => `${sample},${cls}`).join('\n')}\n`);

    const started = await ok(core.handlers['runs:start-evaluation']({ model: { runId: modelRunId }, dataset: { path: images, gtFile: gt, ohe: false }, options: { batchSize: 4, workers: 1 }, gpus: { kind: 'none' } }));
    const record = await finished(started.id);
    expect(record.error).toBeNull();
    expect(record.state).toBe('succeeded');
    expect(readFileSync(path.join(record.outputDir, 'inputs', 'prediction.json'), 'utf8')).not.toMatch(/pipe/);
  }, 200_000);
});
