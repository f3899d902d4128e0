/**
 * Whether running a prediction again gives the same probabilities, as one plain sentence. A pure
 * module (only the message builder): the window and the core's report say the same.
 *
 * From aucmedi/automl/block_pred.py (the prediction step of an evaluation too):
 * - the standard analysis predicts with `predict_augmenting` (aucmedi/ensemble/augmenting.py): each
 *   image 10 times, randomly flipped and rotated (`ImageAugmentation`, or `VolumeAugmentation` for
 *   3D, with no seed), the mean of those;
 * - a 3D model's volumes pass `Padding` then `Crop(mode="random")` to `shape_3D` before they are
 *   resized to the network's input: a volume larger than that shape is cut at a random position.
 * Minimal and advanced analyses of 2D images predict each image once, the same way every time.
 */
import { msg, type Message } from '../i18n/message';

export interface PredictedWith {
  /** The model's analysis (`meta.training.json`); null when unknown. */
  analysis: string | null;
  threeDim: boolean;
}

/** One sentence when the model's predictions (and so an evaluation's scores) vary from run to run, else null. */
export function repeatabilityNote(model: PredictedWith, what: 'prediction' | 'evaluation' = 'prediction'): string | null {
  const augmenting = model.analysis === 'standard';
  if (!augmenting && !model.threeDim) return null;
  const causes = [
    ...(augmenting ? ['averages each image over 10 randomly flipped and rotated copies (its standard analysis)'] : []),
    ...(model.threeDim ? ['cuts each volume larger than the model\'s 3D shape at a random position'] : []),
  ];
  const varies = what === 'evaluation' ? 'probabilities and scores' : 'probabilities';
  return `Running this ${what} again gives slightly different ${varies}: AUCMEDI ${causes.join(', and ')}.`;
}

/**
 * The same sentence as `repeatabilityNote`, as a catalog message (src/i18n/locales/<language>/apply.json)
 * for the window to render in the user's language; null when the predictions do not vary.
 */
export function repeatabilityMessage(model: PredictedWith, what: 'prediction' | 'evaluation' = 'prediction'): Message | null {
  const augmenting = model.analysis === 'standard';
  if (!augmenting && !model.threeDim) return null;
  const causes = augmenting && model.threeDim ? msg('apply:repeatability.both') : augmenting ? msg('apply:repeatability.augmenting') : msg('apply:repeatability.crop');
  return what === 'evaluation' ? msg('apply:repeatability.evaluation', { causes }) : msg('apply:repeatability.prediction', { causes });
}
