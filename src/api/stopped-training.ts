/**
 * What a stopped training keeps, in words, for the Run page, the CLI and the run's error. Shared
 * by core and window (a pure module: it imports nothing but types).
 *
 * Where AUCMEDI 0.11.0 writes models (aucmedi/automl/block_train.py, aucmedi/ensemble/composite.py):
 * - minimal: `model.last.keras` only after the last epoch: a stopped run keeps none;
 * - standard: `model.best_loss.keras` whenever the validation loss improved (a Keras
 *   ModelCheckpoint in the output folder), so the best model so far is kept;
 * - advanced: each fold trains in a child process into a temporary folder, copied into the output
 *   folder only when every fold is done: a stopped run keeps none.
 * Before the stop, the rule says what will be kept; after it, the files found in the output folder.
 * The English functions serve the CLI and the run's error; the `…Message` ones say the same as
 * catalog messages (namespace runsPage) for the window to render in the user's language.
 */
import { msg, type Message } from '../i18n/message';
import type { Analysis } from './aucmedi';

export const ADVANCED_KEEPS_NO_MODEL = 'An advanced run keeps no model when stopped: AUCMEDI trains each fold in a temporary folder and copies the models into the output folder only when all folds are done.';
const MINIMAL_KEEPS_NO_MODEL = 'A minimal run keeps no model when stopped: AUCMEDI saves its model only after the last epoch.';

/** Before a stop: what stopping the training now will keep. */
export function stopConsequence(analysis: Analysis, epochsDone: number): string {
  if (analysis === 'advanced') return ADVANCED_KEEPS_NO_MODEL;
  if (analysis === 'minimal') return MINIMAL_KEEPS_NO_MODEL;
  return epochsDone > 0
    ? 'The best model so far (model.best_loss.keras, saved whenever the validation loss improved) is kept.'
    : 'No epoch has finished yet, so there is no model to keep.';
}

/** After a stop: what the output folder holds, as found there. */
export function keptAfterStop(analysis: Analysis, modelFiles: readonly string[]): string {
  if (modelFiles.length > 0) return `The output folder keeps ${modelFiles.join(', ')}.`;
  if (analysis === 'advanced') return 'No model was kept: an advanced run copies its models into the output folder only when all folds are done.';
  if (analysis === 'minimal') return 'No model was kept: a minimal run saves its model only after the last epoch.';
  return 'No model was kept: the run stopped before its first model was saved.';
}

/** stopConsequence as a catalog message, for the window. */
export function stopConsequenceMessage(analysis: Analysis, epochsDone: number): Message {
  if (analysis === 'advanced') return msg('runsPage:stopped.advancedKeepsNoModel');
  if (analysis === 'minimal') return msg('runsPage:stopped.minimalKeepsNoModel');
  return epochsDone > 0 ? msg('runsPage:stopped.bestKept') : msg('runsPage:stopped.noEpochYet');
}

/** keptAfterStop as a catalog message, for the window. */
export function keptAfterStopMessage(analysis: Analysis, modelFiles: readonly string[]): Message {
  if (modelFiles.length > 0) return msg('runsPage:stopped.outputKeeps', { files: modelFiles.join(', ') });
  if (analysis === 'advanced') return msg('runsPage:stopped.noneAdvanced');
  if (analysis === 'minimal') return msg('runsPage:stopped.noneMinimal');
  return msg('runsPage:stopped.noneEarly');
}
