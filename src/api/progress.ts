/**
 * Progress of an AUCMEDI run as read from its Keras console output (`src/aucmedi/keras-parser.ts`).
 * Types only; every value is JSON-serialisable (no NaN, no Infinity, no undefined fields).
 */

/** Which of the container's demultiplexed streams a line came from. */
export type LogStream = 'stdout' | 'stderr';

/**
 * Where a run stands.
 * - `starting`: nothing of training or prediction printed yet (TensorFlow start-up, data loading).
 * - `frozen`: AUCMEDI's transfer learning, first Keras fit: epochs 1..10 with the base frozen.
 * - `fine-tuning`: the second fit, from epoch 11 on, the whole network trained.
 * - `predicting`: a progress bar outside any epoch (prediction mode; advanced analysis also
 *   predicts its validation folds after training).
 * - `finished`: the log ended (`end()` was called); success or failure is the exit code's to say.
 */
export type RunPhase = 'starting' | 'frozen' | 'fine-tuning' | 'predicting' | 'finished';

/** The two training phases an epoch can belong to. */
export type TrainingPhase = 'frozen' | 'fine-tuning';

/**
 * A metric's value. `null` where Keras printed `nan`, `inf` or `-inf` (JSON has no such numbers):
 * a chart leaves a gap, and a `null` loss means the training diverged.
 */
export type MetricValue = number | null;

/**
 * The metrics of one finished epoch, from its finished progress-bar line: every metric by the
 * name Keras printed (`loss`, `auc`, `f1_score`, `val_loss`, `val_auc`, `val_f1_score`,
 * `accuracy`...), except that Keras 3's `learning_rate` is stored as `lr` (the name older Keras and
 * AUCMEDI's `logs.training.csv` use), so charts read one name.
 */
export interface EpochMetrics {
  /** 1-based, as Keras prints it (`Epoch 3/25` -> 3); AUCMEDI's CSV log counts from 0. */
  epoch: number;
  /**
   * 0-based index of the model being trained: 0 for `minimal` and `standard`; `advanced` trains one
   * model per fold and restarts at epoch 1 for each.
   */
  model: number;
  phase: TrainingPhase;
  metrics: Record<string, MetricValue>;
  /** Wall time of the epoch in seconds as Keras printed it (`21s`), null when not printed. */
  seconds: number | null;
}

/** The best epoch so far, as ModelCheckpoint reports it (`Epoch 1: val_loss improved from inf to 0.20766, ...`). */
export interface BestEpoch {
  model: number;
  epoch: number;
  /** The monitored quantity; `val_loss` for AUCMEDI. */
  monitor: string;
  value: number;
}

/** A learning-rate reduction by ReduceLROnPlateau (`Epoch 23: ReduceLROnPlateau reducing learning rate to 1e-06.`). */
export interface LrChange {
  model: number;
  /** The epoch at whose end the rate was reduced; the new rate applies from the next epoch. */
  epoch: number;
  lr: number;
}

/** What the run page draws: the progress bar, the live numbers and the state of the callbacks. */
export interface ProgressState {
  phase: RunPhase;
  /** See `EpochMetrics.model`. */
  model: number;
  /** Current (or last) epoch, 1-based; null before the first. */
  epoch: number | null;
  /**
   * Epochs of the whole run: what AUCMEDI trains for the `--epochs` the parser was given (at least
   * 10, `src/api/epochs.ts`), or the largest `N` of an `Epoch i/N` line (the frozen fit prints `/10`
   * even when the run has more).
   */
  totalEpochs: number | null;
  /** Batches done in the current epoch (or prediction); null before the first bar. */
  batch: number | null;
  /** Batches per epoch (or prediction); null when Keras does not know (`12/Unknown`). */
  totalBatches: number | null;
  /** Keras's estimate of the time left in the current epoch (or prediction); null when none is shown. */
  etaSeconds: number | null;
  /** Metrics of the latest progress bar of the current epoch (running averages while the epoch runs). */
  liveMetrics: Record<string, MetricValue>;
  bestEpoch: BestEpoch | null;
  /** EarlyStopping ended the current model's training (`Epoch 30: early stopping`). */
  earlyStopped: boolean;
  /** The epoch EarlyStopping stopped at; null unless `earlyStopped`. */
  stoppedEpoch: number | null;
  /** `Restoring model weights from the end of the best epoch: 18.` -> 18; null when not printed. */
  restoredEpoch: number | null;
  lrChanges: LrChange[];
  /**
   * The last meaningful error line, in plain form: the final line of a Python traceback without
   * module path (`FileNotFoundError: [Errno 2] No such file or directory: 'training'`), a
   * TensorFlow `E`/`F` line's message, an out-of-memory report, an argparse error. Null when none.
   * Shown when the run fails; a run that succeeds may still have one (a harmless `E` line).
   */
  lastError: string | null;
  /** The last few meaningful error lines, oldest first (a chained traceback gives several); ends with `lastError`. */
  errors: string[];
  /** Warnings seen (Python warnings, TensorFlow `W` lines, `WARNING:` log lines). */
  warnings: number;
}

/** The parser's whole result: the state plus every finished epoch, in order. */
export interface ProgressResult extends ProgressState {
  epochs: EpochMetrics[];
}

/** What a non-progress line is, for a console view. */
export type LogKind =
  | 'keras' // `Epoch 3/25`, callback messages, `Downloading data from ...`
  | 'tensorflow' // TensorFlow/absl log lines (`2024-01-01 10:00:00.123456: I tensorflow/...`, `W0000 00:00:...`)
  | 'warning' // Python warnings and the source line below them, `WARNING:...` log lines
  | 'traceback' // a Python traceback, its frames and its final exception line
  | 'output'; // anything else the program printed

export type LogLevel = 'info' | 'warning' | 'error';

/**
 * What the parser emits, in log order. Lines are read as they complete, so a progress bar that Keras
 * redraws with `\b...\r` arrives when the next redraw begins (one Keras update interval later); of
 * the redraws that arrive in one chunk, only the last gives a `batch` event (unless the parser was
 * made with `everyRedraw`).
 */
export type ProgressEvent =
  /** The run entered another phase. */
  | { type: 'phase'; phase: RunPhase }
  /** `Epoch i/N` (or an epoch Keras started without a header, as Keras does when a fit has one epoch). */
  | { type: 'epoch-start'; model: number; epoch: number; totalEpochs: number | null; phase: TrainingPhase }
  /**
   * A progress bar was drawn (training or prediction). Live metrics are in the parser's state
   * (`liveMetrics`), not here: bars come by the thousand, read the state when you draw.
   */
  | { type: 'batch'; epoch: number | null; batch: number; totalBatches: number | null; etaSeconds: number | null }
  /**
   * An epoch finished. `replaces: true` when it updates an epoch already reported: Keras 3 may
   * print the last batch's bar and then the final one with the validation metrics; keep the latest
   * per `(model, epoch)`.
   */
  | { type: 'epoch-end'; metrics: EpochMetrics; replaces: boolean }
  | { type: 'best'; best: BestEpoch }
  | { type: 'lr'; change: LrChange }
  | { type: 'early-stop'; model: number; epoch: number }
  | { type: 'restored'; model: number; epoch: number }
  /** A meaningful error line (see `ProgressState.lastError`). */
  | { type: 'error'; stream: LogStream; message: string }
  /** Any line that is not a progress bar (ANSI colour codes removed). */
  | { type: 'log'; stream: LogStream; kind: LogKind; level: LogLevel; text: string };

export type ProgressEventType = ProgressEvent['type'];
