import type { DicomConversionOrigin } from './dicom';
import type { EvaluationOptions, PredictionOptions, TrainingOptions } from './aucmedi';
import type { DatasetFingerprint, DatasetInterface } from './dataset';
import type { UserError } from './errors';
import type { Message } from '../i18n/message';
import type { EpochMetrics, ProgressState } from './progress';

export type RunMode = 'training' | 'prediction' | 'evaluation';

/**
 * preparing: preflight and container creation; running: the container runs; stopping: the user
 * asked to stop; then one of the ends. interrupted: the container vanished (engine lost it).
 */
export type RunState = 'preparing' | 'running' | 'stopping' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export const FINISHED_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/**
 * The processor of a run: one GPU (`ids` holds exactly one index or UUID; the request schema
 * refuses more) or the CPU (`none`). AUCMEDI trains on one GPU: it has no multi-GPU code (no
 * distribution strategy in aucmedi/neural_network/model.py, no GPU option in aucmedi/automl/cli.py),
 * while TensorFlow takes memory on every GPU it sees. So a run is given one, and several runs go
 * side by side on different GPUs (the queue).
 */
export type GpuChoice = { kind: 'ids'; ids: string[] } | { kind: 'none' };

/**
 * The GPUs a run record says it used: a `GpuChoice`, or `all` in records written by versions that
 * offered "all GPUs" (they still load and show; no new run gets it).
 */
export type RecordedGpus = GpuChoice | { kind: 'all' };

export interface DatasetRef {
  path: string;
  gtFile: string | null;
  ohe: boolean;
}

export interface TrainingRequest {
  dataset: DatasetRef;
  options: Omit<TrainingOptions, 'ohe' | 'gt'>;
  gpus: GpuChoice;
  /** A new folder for this run's outputs; default: a new folder under the runs folder. */
  outputDir?: string | null;
  /** The image to run; default: the image in use (settings). */
  imageRef?: string | null;
}

/** The trained model a prediction or evaluation applies: a training run of the history, or a model folder. */
export type ModelChoice = { runId: string } | { dir: string };

/** The model as it was checked before the run (from its `meta.training.json`). */
export interface ModelRef {
  dir: string;
  /** The training run it came from, when chosen from the history. */
  runId: string | null;
  classNames: string[];
  analysis: string | null;
  architectures: string[];
  threeDim: boolean;
}

export interface PredictionRequest {
  model: ModelChoice;
  /** A flat folder of images to classify. */
  images: string;
  options: Omit<PredictionOptions, 'modelAnalysis'>;
  gpus: GpuChoice;
  outputDir?: string | null;
  imageRef?: string | null;
}

/** Prediction on a labelled set, then evaluation of those predictions: two containers, one run. */
export interface EvaluationRequest {
  model: ModelChoice;
  dataset: DatasetRef;
  options: Omit<PredictionOptions, 'modelAnalysis' | 'xaiMethod'>;
  gpus: GpuChoice;
  outputDir?: string | null;
  imageRef?: string | null;
}

interface RunCommon {
  id: string;
  state: RunState;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  imageRef: string;
  /** The image id the run was started with, resolved before start. */
  imageId: string | null;
  /** The container of the current step. */
  containerId: string | null;
  outputDir: string;
  /** The exact AUCMEDI command of the current step: the arguments after the entrypoint, the mode first. */
  command: string[];
  gpus: RecordedGpus;
  progress: ProgressState | null;
  exitCode: number | null;
  error: UserError | null;
}

export interface TrainingRecord extends RunCommon {
  mode: 'training';
  /** `convertedFrom`: the DICOM folder and settings a converted dataset was made from (src/dicom/origin.ts); null for any other dataset. */
  dataset: DatasetRef & { fingerprint: DatasetFingerprint | null; convertedFrom?: DicomConversionOrigin | null };
  options: TrainingOptions;
  epochs: EpochMetrics[];
  /** Model files found in the output folder (kept also when the run was stopped). */
  modelFiles: string[];
  classNames: string[];
}

export interface PredictionRecord extends RunCommon {
  mode: 'prediction';
  model: ModelRef;
  images: { path: string; fingerprint: DatasetFingerprint | null; totalImages: number };
  options: PredictionOptions;
  /** Read from `preds.csv` at the end. */
  results: { file: string; samples: number; classes: string[]; heatMaps: number } | null;
}

export interface EvaluationRecord extends RunCommon {
  mode: 'evaluation';
  model: ModelRef;
  dataset: DatasetRef & { fingerprint: DatasetFingerprint | null; interface: DatasetInterface; convertedFrom?: DicomConversionOrigin | null };
  options: PredictionOptions & EvaluationOptions;
  /** The step under way (or where the run ended). */
  step: 'prediction' | 'evaluation';
  /** The prediction step's command (`command` is the evaluation's once it started). */
  predictionCommand: string[];
  /** Read at the end: the files and the headline figures. */
  results: { predictions: string; metricsFile: string; samples: number; classes: string[]; plots: string[] } | null;
}

export type RunRecord = TrainingRecord | PredictionRecord | EvaluationRecord;

/** A run record that could not be read, renamed so the rest of the history works. */
export interface SetAsideRecord {
  /** Where it is now. */
  file: string;
  /** A sentence: which record and why. */
  reason: string;
  /** The same sentence as a catalog message, rendered by the window in the user's language. */
  i18n?: { reason: Message };
}

/** What the runs list shows; the full record is one `runs:get` away. */
type Summarized<R> = Omit<R, 'epochs' | 'progress'> & {
  lastEpoch: EpochMetrics | null;
  bestValLoss: number | null;
};
export type RunSummary = Summarized<TrainingRecord> | Summarized<PredictionRecord> | Summarized<EvaluationRecord>;

/** A run waiting in the queue: what will be started, exactly as a Start button would. */
export type QueueItem = { mode: 'training'; request: TrainingRequest } | { mode: 'prediction'; request: PredictionRequest } | { mode: 'evaluation'; request: EvaluationRequest };

export interface QueueEntry {
  id: string;
  addedAt: string;
  /** 1 = the next to start. */
  position: number;
  item: QueueItem;
  /** Set when its start was refused (e.g. the dataset changed meanwhile): it waits for the user to remove it. */
  error: UserError | null;
}
