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
  /** Where to run: an engine's name (Setup page, `engine list`); default `local`, this computer's engine. */
  engine?: string | null;
  /**
   * The user's yes to the question {@link UPLOAD_CONSENT_CODE} asks: the images may be copied to that
   * engine's server. Asked once per engine (and address), then remembered in the settings.
   */
  allowUpload?: boolean;
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
  engine?: string | null;
  allowUpload?: boolean;
}

/** Prediction on a labelled set, then evaluation of those predictions: two containers, one run. */
export interface EvaluationRequest {
  model: ModelChoice;
  dataset: DatasetRef;
  options: Omit<PredictionOptions, 'modelAnalysis' | 'xaiMethod'>;
  gpus: GpuChoice;
  outputDir?: string | null;
  imageRef?: string | null;
  engine?: string | null;
  allowUpload?: boolean;
}

/** The name of this computer's engine; every other engine is named in the settings. */
export const LOCAL_ENGINE = 'local';

/**
 * Where a run ran and how its data got there, recorded in run.json. `mounted`: the engine sees this
 * computer's files and the run's folders are mounted into its containers (this computer's engine);
 * `staged`: the engine is on another machine that cannot see them, so the inputs were uploaded into
 * a volume on that server for the run, the outputs came back from a second one, and both were removed.
 */
export interface RunPlacement {
  /** The engine's name; `local` is this computer's. */
  engine: string;
  /** The server that ran it; null for this computer's engine. */
  host: string | null;
  /** `mapped`: the files are on a folder shared with the server (a path mapping of the engine), used in place. */
  data: 'mounted' | 'staged' | 'mapped';
  /** The volumes on the server while a staged run lasts. */
  volumes?: StagedVolumes;
  /** The images were on the server already, kept from an earlier run on the same data: nothing was sent again. */
  datasetReused?: boolean;
}

/** A staged run's volumes on the server: its images, its other inputs, its outputs. */
export interface StagedVolumes {
  dataset: string;
  input: string;
  output: string;
  /** The images stay on the server for the next run on the same data (the Setup page lists and removes them). */
  datasetKept: boolean;
}

/** Upload of a run's inputs to a server, or download of its outputs (staged runs). */
export interface StagingProgress {
  phase: 'uploading' | 'verifying' | 'downloading';
  bytesDone: number;
  bytesTotal: number | null;
  bytesPerSecond: number;
  secondsLeft: number | null;
  files: number;
}

/** The code of the data-protection question: a run on an engine that cannot see this computer's files needs the user's yes (`allowUpload`) once per engine. */
export const UPLOAD_CONSENT_CODE = 'UPLOAD_CONSENT_NEEDED';

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
  /** Absent in records of versions before remote engines: those ran on this computer's engine, mounted. */
  placement?: RunPlacement;
  /** Set while the connection to the run's server is lost (the run goes on there); the app retries. */
  connectionLost?: { host: string; since: string } | null;
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
