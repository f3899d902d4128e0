import { describe, expect, it } from 'vitest';
import type { ProgressState } from '../../../src/api/progress';
import type { RunState, RunSummary } from '../../../src/api/runs';
import { INDETERMINATE, NO_PROGRESS, RunWatch } from '../../../src/desktop/run-watch';
import { desktopT } from '../../../src/desktop/texts';

const en = desktopT('en');
const de = desktopT('de');

function run(id: string, state: RunState, mode: RunSummary['mode'] = 'training', architectures = ['DenseNet121'], analysis = 'standard'): RunSummary {
  return { id, state, mode, options: { architectures, analysis } } as unknown as RunSummary;
}

function progress(partial: Partial<ProgressState>): ProgressState {
  return { phase: 'frozen', model: 0, epoch: null, totalEpochs: null, batch: null, totalBatches: null, etaSeconds: null, liveMetrics: {}, bestEpoch: null, earlyStopped: false, stoppedEpoch: null, restoredEpoch: null, lrChanges: [], lastError: null, errors: [], warnings: 0, ...partial };
}

describe('RunWatch: notices when a run ends', () => {
  it('gives a notice for a run seen going that ends while the window is in the background', () => {
    const watch = new RunWatch();
    expect(watch.take({ type: 'run:state', run: run('r1', 'running') }, false, en)).toBeNull();
    expect(watch.take({ type: 'run:state', run: run('r1', 'succeeded') }, false, en)).toEqual({
      runId: 'r1',
      title: 'Training finished',
      body: 'Run r1 has finished. Open AUCMEDI Desk to see the results.',
    });
  });

  it('says failed and stopped, per mode, in German too', () => {
    const watch = new RunWatch();
    watch.take({ type: 'run:state', run: run('p', 'running', 'prediction') }, false, de);
    watch.take({ type: 'run:state', run: run('e', 'preparing', 'evaluation') }, false, de);
    expect(watch.take({ type: 'run:state', run: run('p', 'failed', 'prediction') }, false, de)?.title).toBe('Vorhersage fehlgeschlagen');
    expect(watch.take({ type: 'run:state', run: run('e', 'cancelled', 'evaluation') }, false, de)).toMatchObject({ title: 'Auswertung gestoppt', body: 'Lauf e wurde gestoppt.' });
  });

  it('stays quiet while the window has the focus, for runs that had ended before, and after the notice', () => {
    const watch = new RunWatch();
    expect(watch.take({ type: 'run:state', run: run('old', 'succeeded') }, false, en)).toBeNull();
    watch.take({ type: 'run:state', run: run('r', 'running') }, true, en);
    expect(watch.take({ type: 'run:state', run: run('r', 'failed') }, true, en)).toBeNull();
    watch.take({ type: 'run:state', run: run('s', 'running') }, false, en);
    expect(watch.take({ type: 'run:state', run: run('s', 'succeeded') }, false, en)).not.toBeNull();
    expect(watch.take({ type: 'run:state', run: run('s', 'succeeded') }, false, en)).toBeNull();
  });
});

describe('RunWatch: taskbar progress', () => {
  it('is none without runs, indeterminate while starting, then the fraction done', () => {
    const watch = new RunWatch();
    expect(watch.taskbarProgress()).toBe(NO_PROGRESS);
    watch.take({ type: 'run:state', run: run('r', 'running') }, true, en);
    expect(watch.taskbarProgress()).toBe(INDETERMINATE);
    watch.take({ type: 'run:progress', runId: 'r', progress: progress({ phase: 'starting' }) }, true, en);
    expect(watch.taskbarProgress()).toBe(INDETERMINATE);
    // epoch 3 of 20, half of its batches: (2 + 0.5) / 20
    watch.take({ type: 'run:progress', runId: 'r', progress: progress({ phase: 'frozen', epoch: 3, totalEpochs: 20, batch: 5, totalBatches: 10 }) }, true, en);
    expect(watch.taskbarProgress()).toBeCloseTo(0.125);
    watch.take({ type: 'run:state', run: run('r', 'succeeded') }, true, en);
    expect(watch.taskbarProgress()).toBe(NO_PROGRESS);
  });

  it('counts the models of an advanced training and the batches of a prediction, and averages runs', () => {
    const watch = new RunWatch();
    watch.take({ type: 'run:state', run: run('a', 'running', 'training', ['A', 'B', 'C', 'D'], 'advanced') }, true, en);
    // second model (index 1) of four, its epoch 1 of 10 done: (1 + 0.1) / 4
    watch.take({ type: 'run:progress', runId: 'a', progress: progress({ model: 1, epoch: 2, totalEpochs: 10 }) }, true, en);
    expect(watch.taskbarProgress()).toBeCloseTo(0.275);
    watch.take({ type: 'run:state', run: run('p', 'running', 'prediction') }, true, en);
    watch.take({ type: 'run:progress', runId: 'p', progress: progress({ phase: 'predicting', batch: 3, totalBatches: 4 }) }, true, en);
    expect(watch.taskbarProgress()).toBeCloseTo((0.275 + 0.75) / 2);
    watch.take({ type: 'run:deleted', runId: 'a' }, true, en);
    expect(watch.taskbarProgress()).toBeCloseTo(0.75);
  });

  it('gives the taskbar a new value only when it moved by a whole percent, or changed kind', () => {
    const watch = new RunWatch();
    expect(watch.taskbarChange()).toBe(NO_PROGRESS);
    expect(watch.taskbarChange()).toBeNull();
    watch.take({ type: 'run:state', run: run('r', 'running') }, true, en);
    expect(watch.taskbarChange()).toBe(INDETERMINATE);
    const at = (batch: number) => watch.take({ type: 'run:progress', runId: 'r', progress: progress({ phase: 'frozen', epoch: 1, totalEpochs: 1, batch, totalBatches: 1000 }) }, true, en);
    at(100);
    expect(watch.taskbarChange()).toBeCloseTo(0.1);
    at(101); // 10.1 %: the same whole percent
    expect(watch.taskbarChange()).toBeNull();
    at(112);
    expect(watch.taskbarChange()).toBeCloseTo(0.112);
    watch.take({ type: 'run:state', run: run('r', 'succeeded') }, true, en);
    expect(watch.taskbarChange()).toBe(NO_PROGRESS);
  });
});

