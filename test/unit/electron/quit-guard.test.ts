import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/api/runs';
import { quitChoice, quitQuestion } from '../../../electron/quit-guard';

const run = (architectures: string[]) => ({ mode: 'training', options: { architectures } }) as unknown as RunRecord;

describe('quitting while runs are going', () => {
  it('asks nothing when no run is going', () => {
    expect(quitQuestion([])).toBeNull();
  });

  it('offers to leave the runs running, stop them, or not quit', () => {
    const question = quitQuestion([run(['DenseNet121'])])!;
    expect(question.message).toBe('A training run is still going.');
    expect(question.buttons).toEqual(['Leave running and quit', 'Stop the runs and quit', 'Do not quit']);
    expect(quitChoice(question.defaultId)).toBe('leave-running');
    expect(quitChoice(1)).toBe('stop-runs');
    expect(quitChoice(question.cancelId)).toBe('cancel');
    expect(quitChoice(-1)).toBe('cancel');
    expect(quitQuestion([run(['A']), run(['B'])])!.message).toBe('2 runs are still going.');
  });
});

describe('quitting, in German', () => {
  it('asks the same in the window language', () => {
    const question = quitQuestion([run(['DenseNet121'])], 'de')!;
    expect(question.message).toBe('Ein Training läuft noch.');
    expect(question.buttons).toEqual(['Weiterlaufen lassen und beenden', 'Läufe stoppen und beenden', 'Nicht beenden']);
    expect(quitQuestion([run(['A']), run(['B']), run(['C'])], 'de')!.message).toBe('3 Läufe laufen noch.');
  });
});
