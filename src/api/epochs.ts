/**
 * How many epochs an AUCMEDI training really runs. A pure module (no imports): the window, the CLI
 * and the core say the same number.
 *
 * Every AutoML pipeline trains with transfer learning (aucmedi/automl/block_train.py
 * `"transfer_learning": True`), and aucmedi/neural_network/model.py `NeuralNetwork.train` then runs
 * two Keras fits: the first always `tf_epochs = 10` epochs with the pretrained base frozen
 * (`Epoch 1/10` .. `Epoch 10/10`), the second `epochs=epochs, initial_epoch=10`, which Keras runs
 * as `range(10, epochs)`: nothing when `--epochs` is 10 or less. So `--epochs 3` trains 10 epochs,
 * and `--epochs 25` trains 10 frozen then up to 15 fine-tuning epochs (early stopping, standard and
 * advanced analyses, only ends the fine-tuning: its patience of 12 is more than the 10 frozen ones).
 *
 * The English functions serve the CLI; the `…Message` ones say the same as catalog messages
 * (namespace runsPage) for the window to render in the user's language.
 */
import { msg, type Message } from '../i18n/message';

/** Epochs AUCMEDI trains with the pretrained base frozen, whatever `--epochs` says. */
export const FROZEN_EPOCHS = 10;

/** The epochs a training with `--epochs requested` runs (per model, for the advanced analysis): at least 10. */
export function trainedEpochs(requested: number): number {
  return Math.max(Math.floor(requested), FROZEN_EPOCHS);
}

/** One sentence for fewer epochs than AUCMEDI trains, or null when the number asked for is the number trained. */
export function fewerEpochsNote(requested: number): string | null {
  if (!Number.isFinite(requested) || requested >= FROZEN_EPOCHS) return null;
  return `${requested} requested: AUCMEDI trains at least ${FROZEN_EPOCHS} (its first phase is always ${FROZEN_EPOCHS} epochs), so this run trains ${FROZEN_EPOCHS} epochs.`;
}

/** "25 epochs", or "10 epochs (3 requested)" where AUCMEDI trains more than asked for. */
export function epochsText(requested: number): string {
  const trained = trainedEpochs(requested);
  return trained === requested ? `${trained} epochs` : `${trained} epochs (${requested} requested)`;
}

/** fewerEpochsNote as a catalog message, for the window. */
export function fewerEpochsMessage(requested: number): Message | null {
  if (!Number.isFinite(requested) || requested >= FROZEN_EPOCHS) return null;
  return msg('runsPage:epochs.fewerNote', { requested, frozen: FROZEN_EPOCHS });
}

/** epochsText as a catalog message, for the window. */
export function epochsMessage(requested: number): Message {
  const trained = trainedEpochs(requested);
  return trained === requested ? msg('runsPage:epochs.trained', { n: trained }) : msg('runsPage:epochs.trainedRequested', { n: trained, requested });
}
