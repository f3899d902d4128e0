import { describe, expect, it } from 'vitest';
import { ADVANCED_KEEPS_NO_MODEL, keptAfterStop, stopConsequence } from '../../../src/api/stopped-training';

describe('what a stopped training keeps (block_train.py, ensemble/composite.py)', () => {
  it('before the stop: an advanced or minimal run keeps no model, a standard one its best so far once an epoch ended', () => {
    expect(stopConsequence('advanced', 25)).toBe(ADVANCED_KEEPS_NO_MODEL);
    expect(ADVANCED_KEEPS_NO_MODEL).toMatch(/^An advanced run keeps no model when stopped/);
    expect(stopConsequence('minimal', 25)).toMatch(/keeps no model/);
    expect(stopConsequence('standard', 3)).toMatch(/best model so far \(model\.best_loss\.keras/);
    expect(stopConsequence('standard', 0)).toMatch(/no model to keep/);
  });

  it('after the stop: the files found in the output folder, and never "saved" when there are none', () => {
    expect(keptAfterStop('standard', ['model.best_loss.keras'])).toBe('The output folder keeps model.best_loss.keras.');
    for (const analysis of ['minimal', 'standard', 'advanced'] as const) {
      const sentence = keptAfterStop(analysis, []);
      expect(sentence).toMatch(/^No model was kept/);
      expect(sentence).not.toMatch(/saved so far|are kept|already saved/);
    }
    expect(keptAfterStop('advanced', [])).toContain('only when all folds are done');
  });
});
