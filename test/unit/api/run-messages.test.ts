import { describe, expect, it } from 'vitest';
import { epochsMessage, epochsText, fewerEpochsMessage, fewerEpochsNote } from '../../../src/api/epochs';
import { keptAfterStop, keptAfterStopMessage, stopConsequence, stopConsequenceMessage } from '../../../src/api/stopped-training';
import { text } from '../../../src/i18n/translate';

/** The window's catalog messages say, in English, exactly what the CLI's English functions say. */
describe('epochs and stopped-training messages (runsPage catalog)', () => {
  it('epochs: the same English as epochsText and fewerEpochsNote', () => {
    for (const requested of [1, 3, 9, 10, 11, 25]) {
      expect(text(epochsMessage(requested))).toBe(epochsText(requested));
      const note = fewerEpochsMessage(requested);
      expect(note && text(note)).toBe(fewerEpochsNote(requested));
    }
  });

  it('stopped training: the same English as stopConsequence and keptAfterStop', () => {
    for (const analysis of ['minimal', 'standard', 'advanced'] as const) {
      for (const epochs of [0, 3]) expect(text(stopConsequenceMessage(analysis, epochs))).toBe(stopConsequence(analysis, epochs));
      for (const files of [[], ['model.best_loss.keras'], ['model.best_loss.keras', 'model.last.keras']]) expect(text(keptAfterStopMessage(analysis, files))).toBe(keptAfterStop(analysis, files));
    }
  });
});
