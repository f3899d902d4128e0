/**
 * The output disk fills up in the middle of a training. The output folder is on a tmpfs of its own
 * (root: mount), large enough to pass the preflight's free-space check (MIN_FREE_BYTES, 1 GB); once
 * the first epoch has arrived a filler file takes all the room that is left, so the disk becomes
 * full while the run is going, as when another program fills it. The filler is deleted as soon as
 * the run has ended (tmpfs lives in RAM).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, TrainingRecord, TrainingRequest } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { MIN_FREE_BYTES } from '../../src/runs/preflight';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine, requireRoot } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { waitFor, withTimeout } from '../helpers/wait';

const ready = requireEngine() && requireRoot('mount a small tmpfs as the output disk');
/** Just over the preflight's minimum, so the run is allowed to start. */
const TMPFS_BYTES = MIN_FREE_BYTES + 64 * 1024 ** 2;

function training(record: RunRecord): TrainingRecord {
  if (record.mode !== 'training') throw new Error(`run ${record.id} is a ${record.mode}`);
  return record;
}

const freeBytes = (dir: string) => {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
};

/** Writes zeros until the disk refuses (ENOSPC): every block taken, whatever the filesystem keeps back. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  let written = 0;
  try {
    for (;;) {
      try {
        written += writeSync(fd, chunk, 0, chunk.length);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        if (chunk.length === 1) return written;
        return written + fillRest(fd, 4096);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function fillRest(fd: number, size: number): number {
  const chunk = Buffer.alloc(size);
  let written = 0;
  for (;;) {
    try {
      written += writeSync(fd, chunk, 0, chunk.length);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      return written;
    }
  }
}

describe.runIf(ready)('the output disk fills up mid-run (a tmpfs of its own, real engine)', () => {
  const dir = tempDir('aucmedi-diskfull-');
  const dataset = path.join(dir, 'dataset');
  const dataDir = path.join(dir, 'app-data');
  const disk = path.join(dir, 'small-disk');
  const filler = path.join(disk, 'filler.bin');
  const figures: string[] = [];
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  let mounted = false;
  const faults = { injected: 0, survived: 0 };
  let core: Core;

  const request = (epochs: number, outputDir?: string): TrainingRequest => ({
    dataset: { path: dataset, gtFile: null, ohe: false },
    options: { analysis: 'standard', architectures: ['Vanilla'], epochs, batchSize: 8, workers: 1, threeDim: false },
    gpus: { kind: 'none' },
    ...(outputDir ? { outputDir } : {}),
  });
  const start = async (req: TrainingRequest): Promise<RunRecord> => {
    const response = await core.handlers['runs:start-training'](req);
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.data;
  };

  beforeAll(() => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { benign: 24, malignant: 24 }, size: 16, seed: 31 });
    mkdirSync(disk);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES},mode=0755`, 'tmpfs', disk], { encoding: 'utf8' });
    if (mount.status !== 0) throw new Error(`mount -t tmpfs failed: ${mount.stderr}`);
    mounted = true;
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.1'] });
  }, 600_000);

  afterAll(() => {
    core?.dispose();
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    if (mounted) {
      rmSync(filler, { force: true });
      const umount = spawnSync('umount', [disk], { encoding: 'utf8' });
      if (umount.status !== 0) spawnSync('umount', ['-l', disk]);
    }
    console.log(`\n[disk-full] ${figures.join('; ')}\nfaults: ${faults.injected} injected, ${faults.survived} survived\n`);
  });

  it('fails with a sentence naming the full folder, keeps what was written, records the end in the app, and stays usable', async () => {
    const outputDir = path.join(disk, 'run');
    const started = await start(request(60, outputDir));
    const bestModel = path.join(outputDir, 'model.best_loss.keras');
    await waitFor(() => (training(core.runs.get(started.id)).epochs.length >= 1 && existsSync(bestModel) ? true : null), 60_000);
    const freeBefore = freeBytes(disk);
    const filledAt = Date.now();
    faults.injected += 1;
    const filled = fillDisk(filler);
    expect(freeBytes(disk)).toBe(0);
    figures.push(`tmpfs ${(TMPFS_BYTES / 1024 ** 2).toFixed(0)} MiB with ${(freeBefore / 1024 ** 2).toFixed(0)} MiB free at epoch ${training(core.runs.get(started.id)).epochs.length}, filled with ${(filled / 1024 ** 2).toFixed(0)} MiB`);

    // The run fails, in a sentence that names the folder whose disk is full, and says what to do.
    const ended = training(await withTimeout(core.runs.waitForEnd(started.id), 90_000));
    figures.push(`run failed ${((Date.now() - filledAt) / 1000).toFixed(1)} s after the disk filled, after ${ended.epochs.length} epochs`);
    expect(ended.state).toBe('failed');
    expect(ended.exitCode).not.toBe(0);
    expect(ended.error).toMatchObject({ code: 'DISK_FULL', message: `The disk of ${outputDir} is full.` });
    expect(ended.error!.action).toMatch(/free some space/i);
    expect(ended.error!.action).toMatch(/another disk/i);
    expect(ended.error!.detail).toMatch(/No space left on device/);

    // What was written before the disk filled is kept: the model saved at an earlier epoch, the
    // training log with its rows, the console log up to the moment the disk filled.
    expect(ended.modelFiles).toContain('model.best_loss.keras');
    expect(readFileSync(bestModel).subarray(0, 2).toString('latin1')).toBe('PK'); // a whole .npz (zip), not a torn write
    expect(readFileSync(path.join(outputDir, 'logs.training.csv'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(path.join(outputDir, 'run.log'), 'utf8')).toMatch(/Epoch 1\//);
    const kept = readdirSync(outputDir).map((name) => `${name} (${statSync(path.join(outputDir, name)).size} B)`);
    figures.push(`kept in the output folder: ${kept.join(', ')}`);

    // run.json could not be written (no room); the app's own store (another disk) says failed and why.
    expect(existsSync(path.join(outputDir, 'run.json'))).toBe(false);
    const stored = JSON.parse(readFileSync(path.join(dataDir, 'runs', `${started.id}.json`), 'utf8')) as TrainingRecord;
    expect(stored).toMatchObject({ state: 'failed', endedAt: expect.any(String), error: { code: 'DISK_FULL', message: `The disk of ${outputDir} is full.` } });
    expect(stored.error!.detail).toMatch(/run\.json not written: ENOSPC/);
    expect(stored.epochs).toEqual(ended.epochs);
    expect(core.runs.list().find((run) => run.id === started.id)).toMatchObject({ state: 'failed' });
    expect(docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${started.id}`]).stdout).toBe('');

    // While the disk is full, a new run there is refused before any container (preflight).
    const refused = await core.handlers['runs:start-training'](request(3, path.join(disk, 'second')));
    expect(refused).toMatchObject({ ok: false, error: { code: 'DISK_FULL', message: expect.stringContaining(path.join(disk, 'second')) } });
    rmSync(filler, { force: true });

    // The core did not crash (the log stream and the manifest failing with ENOSPC took nothing down),
    // and the app is usable: another run, to a folder on a normal disk, succeeds.
    const again = await start(request(3));
    const done = await withTimeout(core.runs.waitForEnd(again.id), 60_000);
    expect(done.state).toBe('succeeded');
    expect(existsSync(path.join(done.outputDir, 'run.json'))).toBe(true);
    expect(crashes).toEqual([]);
    faults.survived += 1;
  }, 180_000);
});
