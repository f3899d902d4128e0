import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, TrainingRecord } from '../../src/api/runs';
import { ADVANCED_KEEPS_NO_MODEL, keptAfterStop, stopConsequence } from '../../src/api/stopped-training';
import { formatRun } from '../../src/cli/run-commands';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { waitFor } from '../helpers/wait';

const hasEngine = requireEngine();
/** The run's stop grace period (src/runs/service.ts STOP_GRACE_SECONDS) and some for the engine and the follower. */
const CANCELLED_WITHIN_MS = 10_000 + 12_000;

function training(record: RunRecord): TrainingRecord {
  if (record.mode !== 'training') throw new Error(`run ${record.id} is a ${record.mode}`);
  return record;
}

describe.runIf(hasEngine)('stopping an advanced training (stand-in that trains each fold in a child process, as composite.py)', () => {
  const dir = tempDir();
  const dataset = path.join(dir, 'dataset');
  const dataDir = path.join(dir, 'app-data');
  let core: Core;
  const containersOf = (runId: string) => docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${runId}`]).stdout;

  beforeAll(() => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { benign: 18, malignant: 18 }, size: 16, seed: 21 });
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    // slow batches: a fold lasts well beyond the stop's grace period
    core = createCore({ settings, dataDir, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.4'] });
  }, 900_000);
  afterAll(() => core?.dispose());

  it('ends cancelled within the grace period and a little, no container left, no model in the output folder, and says so', async () => {
    const response = await core.handlers['runs:start-training']({
      dataset: { path: dataset, gtFile: null, ohe: false },
      options: { analysis: 'advanced', architectures: ['Vanilla', 'Vanilla'], epochs: 60, batchSize: 8, workers: 1, threeDim: false },
      gpus: { kind: 'none' },
    });
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    const started = response.data;
    // the first fold is under way in its child process
    await waitFor(() => (training(core.runs.get(started.id)).epochs.length >= 2 ? true : null), 180_000);
    const running = training(core.runs.get(started.id));
    expect(stopConsequence(running.options.analysis, running.epochs.length)).toBe(ADVANCED_KEEPS_NO_MODEL);
    const top = docker(['top', started.containerId!, '-eo', 'pid,args']).stdout;
    expect(top, 'a fold trains in a spawned child process').toContain('multiprocessing.spawn');

    const askedAt = Date.now();
    const stopped = await core.handlers['runs:stop']({ runId: started.id });
    const tookMs = Date.now() - askedAt;
    if (!stopped.ok) throw new Error(stopped.error.message);
    const record = training(stopped.data);
    expect(record.state).toBe('cancelled');
    expect(tookMs).toBeLessThan(CANCELLED_WITHIN_MS);
    // SIGINT reached only PID 1: its KeyboardInterrupt ended the join, then Python's exit waited for the
    // fold's child, so Docker killed the container after the grace period (137), as with AUCMEDI.
    expect(readFileSync(path.join(record.outputDir, 'run.log'), 'utf8')).toContain('KeyboardInterrupt');
    expect(record.exitCode).toBe(137);
    expect(containersOf(started.id)).toBe('');

    // nothing left of the folds: AUCMEDI copies them from its temporary folder only at the end
    const files = readdirSync(record.outputDir);
    expect(files.filter((name) => /\.(keras|h5|hdf5|pickle)$/.test(name))).toEqual([]);
    expect(files).toContain('meta.training.json');
    expect(record.modelFiles).toEqual([]);
    const kept = keptAfterStop(record.options.analysis, record.modelFiles);
    expect(kept).toMatch(/^No model was kept/);
    const shown = formatRun(record);
    expect(shown).toMatch(/Models: +none\. No model was kept/);
    expect(shown).not.toMatch(/saved so far|already saved|are kept/);
    expect(JSON.parse(readFileSync(path.join(record.outputDir, 'run.json'), 'utf8'))).toMatchObject({ run: { id: started.id, state: 'cancelled' } });
  }, 300_000);
});
