/**
 * Success means the outputs are there: a run whose container exits 0 but whose files are not where
 * the app looks has failed, with the files named. The stand-in (a test double of the AUCMEDI image,
 * not AUCMEDI) trains for real in the real engine; while it runs, its output folder is moved away
 * and an empty one put in its place, as an engine that does not see the folder (Docker Desktop
 * without file sharing, an engine on another computer) writes somewhere this computer never looks.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { waitFor } from '../helpers/wait';

const hasEngine = requireEngine();

describe.runIf(hasEngine)('a run succeeds only with its outputs in the output folder (real engine, stand-in)', () => {
  const dir = tempDir();
  const dataset = path.join(dir, 'dataset');
  let core: Core;

  beforeAll(() => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { benign: 16, malignant: 16 }, size: 16, seed: 5 });
    const settings = new JsonFileSettingsStore(path.join(dir, 'app-data', 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir: path.join(dir, 'app-data'), runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.05'] });
  }, 900_000);
  afterAll(() => core?.dispose());

  it('a training that exits 0 with its files where the app cannot see them ends failed, naming them', async () => {
    const response = await core.handlers['runs:start-training']({
      dataset: { path: dataset, gtFile: null, ohe: false },
      options: { analysis: 'standard', architectures: ['Vanilla'], epochs: 12, batchSize: 8, workers: 1, threeDim: false },
      gpus: { kind: 'none' },
    });
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    const started = response.data;
    const running = (): RunRecord => core.runs.get(started.id);
    await waitFor(() => (running().mode === 'training' && (running() as { epochs: unknown[] }).epochs.length >= 1 ? true : null), 120_000);
    // The container goes on writing into the folder it was given; the app's path now shows another, empty one.
    const engineSide = `${started.outputDir}.engine-side`;
    renameSync(started.outputDir, engineSide);
    mkdirSync(started.outputDir);

    const record = await core.runs.waitForEnd(started.id);
    expect(record.exitCode).toBe(0);
    expect(record.state).toBe('failed');
    expect(record.error).toMatchObject({
      code: 'AUCMEDI_OUTPUT_MISSING',
      message: 'The training ended without an error, but none of the files it writes are in its output folder: meta.training.json, model.best_loss.keras, model.last.keras are missing.',
      action: expect.stringContaining('The Docker engine may not see this folder'),
      detail: `${started.outputDir}: missing meta.training.json, model.best_loss.keras, model.last.keras`,
    });
    // What AUCMEDI wrote is all there, where the container saw the folder: exit 0 was real.
    expect(readdirSync(engineSide)).toEqual(expect.arrayContaining(['meta.training.json', 'model.best_loss.keras', 'model.last.keras']));
    // The app's folder holds only what the app itself wrote at the end.
    expect(existsSync(path.join(started.outputDir, 'model.last.keras'))).toBe(false);
    const manifest = JSON.parse(readFileSync(path.join(started.outputDir, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({ run: { id: started.id, state: 'failed', exitCode: 0 } });
    expect(docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${started.id}`]).stdout).toBe('');
    const stored = await core.handlers['runs:get']({ runId: started.id });
    expect(stored).toMatchObject({ ok: true, data: { state: 'failed', error: { code: 'AUCMEDI_OUTPUT_MISSING' } } });
  }, 240_000);
});
