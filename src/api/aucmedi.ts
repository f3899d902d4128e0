/**
 * The AUCMEDI contract as the window sees it: architecture catalog entries, the options of the
 * three AutoML modes (with their request schemas), and what the app reads back from AUCMEDI's
 * output files. Everything here is plain JSON (no classes, no Dates, no Infinity/NaN), so it
 * crosses the IPC boundary unchanged. The logic lives in `src/aucmedi/`.
 */
import { z } from 'zod';
import type { Message } from '../i18n/message';

// ---------------------------------------------------------------------------------------------
// Architectures
// ---------------------------------------------------------------------------------------------

export type Dimensionality = '2D' | '3D';

export type ArchitectureFamily =
  | 'Vanilla'
  | 'ResNet'
  | 'ResNeXt'
  | 'DenseNet'
  | 'EfficientNet'
  | 'ConvNeXt'
  | 'VGG'
  | 'MobileNet'
  | 'Inception'
  | 'Xception'
  | 'NASNet';

export type SpeedHint = 'fast' | 'medium' | 'slow';

/**
 * The hash Keras's `get_file` checks before it uses a cached weights file (`file_hash`, or
 * `md5_hash` in `classification_models_3D`). With `hash_algorithm="auto"` a 64-hex-digit hash is
 * SHA-256, any other MD5 (`tf_keras/utils/data_utils.py` `_resolve_hasher`, Keras 3
 * `keras/src/utils/file_utils.py` `resolve_hasher`). On a mismatch Keras downloads the file again,
 * which fails offline.
 */
export interface WeightsHash {
  algorithm: 'md5' | 'sha256';
  /** Lower-case hex digits. */
  value: string;
}

/**
 * Weights file name -> the hash Keras checks for it, or null where the application declares none
 * (MobileNet, MobileNetV2: any file of that name is used). The catalog's table is the default; a
 * test injects its own table into the core and into a separately built stand-in, never into both
 * by accident (see `src/aucmedi/weights.ts`).
 */
export type WeightsHashTable = Readonly<Record<string, WeightsHash | null>>;

export interface ArchitectureInfo {
  /** The key AUCMEDI takes in `--architecture` (case-sensitive). */
  key: string;
  dimensionality: Dimensionality;
  family: ArchitectureFamily;
  /** Default input size in pixels (2D); 3D models take the `--shape_3D` of the run. */
  inputSize: [number, number] | 'shape3D';
  /** Rough size of the network in millions of parameters (Keras documentation; 3D estimated). */
  parametersMillions: number;
  speedHint: SpeedHint;
  /**
   * The exact name Keras looks for in `<cache>/models/` (2D: the Keras application's file; 3D:
   * `classification_models_3D`'s), or null for Vanilla, which is trained from scratch.
   */
  weightsFile: string | null;
  /** The hash Keras checks for that file, as its source declares it (null: none declared, or Vanilla). */
  weightsHash: WeightsHash | null;
  /** One plain sentence for a clinician. */
  description: string;
  /** The same sentence as a catalog message (`training:architectureText.*`), for the window's language. */
  i18n?: { description: Message };
}

export interface ArchitectureGroup {
  family: ArchitectureFamily;
  architectures: ArchitectureInfo[];
}

// ---------------------------------------------------------------------------------------------
// Options of the three modes
// ---------------------------------------------------------------------------------------------

export type Analysis = 'minimal' | 'standard' | 'advanced';

export const ANALYSES: readonly Analysis[] = ['minimal', 'standard', 'advanced'];

/** AUCMEDI 0.11.0's own defaults (`aucmedi <mode> -h`). */
export const AUCMEDI_DEFAULTS = {
  analysis: 'standard' as Analysis,
  architecture: 'DenseNet121',
  epochs: 500,
  trainingBatchSize: 24,
  predictionBatchSize: 12,
  workers: 1,
  metalearner: 'mean',
  shape3D: [128, 128, 128] as [number, number, number],
  xaiDirectory: 'xai',
} as const;

/** The bounds the app accepts (AUCMEDI itself takes any int; these keep a typo from running for a week). */
export const AUCMEDI_LIMITS = {
  epochs: { min: 1, max: 10_000 },
  batchSize: { min: 1, max: 1024 },
  workers: { min: 1, max: 64 },
  /** Each side of `--shape_3D`, in voxels. */
  shape3DSide: { min: 16, max: 1024 },
  /** Architectures of one `advanced` composite (k-fold, one model per fold). */
  advancedArchitectures: { min: 2, max: 10 },
} as const;

export interface TrainingOptions {
  analysis: Analysis;
  /** One key; several only with `advanced` (passed as `KEY,KEY`). */
  architectures: string[];
  epochs: number;
  batchSize: number;
  workers: number;
  /** 3D volumes instead of 2D images (`--three_dim`). */
  threeDim: boolean;
  /** 3D input shape; only with `threeDim` (AUCMEDI's default 128x128x128 when left out). */
  shape3D?: [number, number, number];
  /** Ensemble aggregation, only with `advanced` (AUCMEDI's default `mean` when left out). */
  metalearner?: string;
  /** The annotation CSV is one-hot encoded (multi-label); needs `gt`. */
  ohe: boolean;
  /** An annotation CSV is mounted (CSV interface) instead of class sub-folders. */
  gt?: boolean;
}

export interface PredictionOptions {
  batchSize: number;
  workers: number;
  /** An XAI method key (e.g. `gradcam`); heat maps go next to the predictions. */
  xaiMethod?: string;
  /** The analysis of the model being applied, when known (XAI is refused for `advanced` models). */
  modelAnalysis?: Analysis;
}

export interface EvaluationOptions {
  /** Ground truth from an annotation CSV instead of class sub-folders. */
  gt?: boolean;
  /** The annotation CSV is one-hot encoded (multi-label); needs `gt`. */
  ohe: boolean;
}

const integerIn = (limits: { min: number; max: number }) => z.number().int().min(limits.min).max(limits.max);
const architectureKeySchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'is not an architecture key');
const methodKeySchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_+]{0,39}$/, 'is not a method key');
const analysisSchema = z.enum(['minimal', 'standard', 'advanced']);

/** Structure and ranges; which combinations make sense is checked by the argument builders. */
export const trainingOptionsSchema = z
  .object({
    analysis: analysisSchema,
    architectures: z.array(architectureKeySchema).min(1).max(AUCMEDI_LIMITS.advancedArchitectures.max),
    epochs: integerIn(AUCMEDI_LIMITS.epochs),
    batchSize: integerIn(AUCMEDI_LIMITS.batchSize),
    workers: integerIn(AUCMEDI_LIMITS.workers),
    threeDim: z.boolean(),
    shape3D: z.tuple([integerIn(AUCMEDI_LIMITS.shape3DSide), integerIn(AUCMEDI_LIMITS.shape3DSide), integerIn(AUCMEDI_LIMITS.shape3DSide)]).optional(),
    metalearner: methodKeySchema.optional(),
    ohe: z.boolean(),
    gt: z.boolean().optional(),
  })
  .strict();

export const predictionOptionsSchema = z
  .object({
    batchSize: integerIn(AUCMEDI_LIMITS.batchSize),
    workers: integerIn(AUCMEDI_LIMITS.workers),
    xaiMethod: methodKeySchema.optional(),
    modelAnalysis: analysisSchema.optional(),
  })
  .strict();

export const evaluationOptionsSchema = z
  .object({
    gt: z.boolean().optional(),
    ohe: z.boolean(),
  })
  .strict();

/** A request for the architecture catalog. */
export const architecturesRequestSchema = z
  .object({
    dimensionality: z.enum(['2D', '3D']),
    query: z.string().max(200).optional(),
  })
  .strict();
export type ArchitecturesRequest = z.infer<typeof architecturesRequestSchema>;

/** A request to check the weights cache for some architectures. */
export const weightsCheckRequestSchema = z
  .object({
    dimensionality: z.enum(['2D', '3D']),
    architectures: z.array(architectureKeySchema).min(1).max(AUCMEDI_LIMITS.advancedArchitectures.max),
  })
  .strict();
export type WeightsCheckRequest = z.infer<typeof weightsCheckRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Pretrained weights in the cache
// ---------------------------------------------------------------------------------------------

/** One weights file the cache must hold (deduplicated over the architectures that need it). */
export interface WeightsRequirement {
  architectures: string[];
  file: string;
  /** What Keras checks the file against; null when it checks nothing but the name. */
  hash: WeightsHash | null;
}

export interface WeightsStatus {
  architecture: string;
  /** The file Keras looks for. */
  file: string;
  /**
   * `ready`: there, not empty, and its hash is the one Keras checks (or Keras checks none);
   * `missing`: not there, or empty; `wrong-file`: there under the right name, but its hash is not
   * the one Keras checks, so Keras would download it again, which fails offline.
   */
  state: 'ready' | 'missing' | 'wrong-file';
  /** A plain sentence about this architecture's weights. */
  message: string;
}

export interface WeightsCheck {
  /** Every architecture that needs weights has the right file. */
  allReady: boolean;
  ready: WeightsStatus[];
  /** Missing or wrong files (`state` says which). */
  missing: WeightsStatus[];
  /** Architectures that need no weights (Vanilla). */
  notNeeded: string[];
}

// ---------------------------------------------------------------------------------------------
// Output files
// ---------------------------------------------------------------------------------------------

/** `meta.training.json`: the whole training config AUCMEDI stored, plus the fields the app uses. */
export interface TrainingMeta {
  classNames: string[];
  /** As stored; normally one of `Analysis`. */
  analysis: string | null;
  /** `architecture` as a list (a single key becomes a one-element list). */
  architectures: string[];
  threeDim: boolean;
  shape3D: [number, number, number] | null;
  epochs: number | null;
  batchSize: number | null;
  workers: number | null;
  metalearner: string | null;
  ohe: boolean;
  /** Decided by AUCMEDI from the annotations (more positives than samples); null in older files. */
  multiLabel: boolean | null;
  /** `directory` or `csv`; null in older files. */
  interface: string | null;
  /** Everything in the file, as read. */
  config: Record<string, unknown>;
}

export interface TrainingLogRow {
  /** The `epoch` column as Keras writes it (0-based), or the row index when there is none. */
  epoch: number;
  /** 1-based, as the console prints it (`Epoch 3/25`). */
  epochNumber: number;
  /** Every other column by its header name; null where empty, `NA`, `nan` or infinite. */
  metrics: Record<string, number | null>;
}

export interface TrainingLog {
  /** The metric columns (without `epoch`), in the order of the header. */
  columns: string[];
  rows: TrainingLogRow[];
}

export interface ModelFold {
  index: number;
  /** `cv_<i>.model.keras`, or null when only the log is there. */
  model: string | null;
  /** `cv_<i>.logs.csv`, or null. */
  log: string | null;
}

/** The files of a training output folder, by role (names relative to the folder). */
export interface ModelFiles {
  meta: string | null;
  bestLoss: string | null;
  last: string | null;
  trainingLog: string | null;
  folds: ModelFold[];
  metalearner: string | null;
  plots: string[];
  other: string[];
}

/** A model folder that prediction can use. */
export interface ModelFolder {
  dir: string;
  meta: TrainingMeta;
  files: ModelFiles;
  /** The files AUCMEDI's prediction will load, relative to `dir`. */
  modelFiles: string[];
}

export interface PredictionRow {
  sample: string;
  /** One per class, in the order of `Predictions.classes`; null where the file has no value. */
  probabilities: (number | null)[];
  /** The class with the highest probability (null when the row has no value at all). */
  predictedClass: string | null;
  probability: number | null;
}

export interface Predictions {
  classes: string[];
  rows: PredictionRow[];
}

export interface PerformanceRow {
  className: string;
  /** Every metric of the file for this class (TP, FP, Sensitivity, AUC, ... and any unknown one). */
  metrics: Record<string, number | null>;
}

export interface PerformanceMetrics {
  /** Metric names in the order they first appear. */
  metrics: string[];
  /** One row per class, in the order the classes first appear. */
  rows: PerformanceRow[];
}

export interface ConfusionSampleMatch {
  /** Samples scored (in both the predictions and the ground truth). */
  matched: number;
  /** Predicted samples with no ground truth. */
  withoutGroundTruth: string[];
  /** Ground-truth samples with no prediction. */
  withoutPrediction: string[];
}

export interface SingleLabelConfusion extends ConfusionSampleMatch {
  kind: 'single-label';
  classes: string[];
  /** `matrix[truth][predicted]` counts, rows and columns in the order of `classes` (AUCMEDI's layout). */
  matrix: number[][];
}

export interface ClassConfusion {
  className: string;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface MultiLabelConfusion extends ConfusionSampleMatch {
  kind: 'multi-label';
  classes: string[];
  /** A class counts as predicted at probability >= threshold (AUCMEDI: 0.5). */
  threshold: number;
  perClass: ClassConfusion[];
}

export type ConfusionMatrix = SingleLabelConfusion | MultiLabelConfusion;

export interface RocPoint {
  fpr: number;
  tpr: number;
  /** Scores >= threshold count as positive; null for the (0, 0) start. */
  threshold: number | null;
}

export interface RocCurve {
  className: string;
  positives: number;
  negatives: number;
  /** From (0, 0) to (1, 1); empty when the AUC is undefined. */
  points: RocPoint[];
  /** Area under the curve; null when there are no positives or no negatives ("not defined"). */
  auc: number | null;
}

/** Everything the Train page needs to offer choices, in one answer (`aucmedi:catalog`). */
export interface AucmediCatalog {
  architectures: ArchitectureInfo[];
  metalearners: { key: string; description: string; multiLabel: boolean; trained: boolean }[];
  defaults: typeof AUCMEDI_DEFAULTS;
  limits: typeof AUCMEDI_LIMITS;
  /** The weights folder and, per dimensionality, the architectures whose pretrained weights are there (ready offline). */
  weights: { dir: string | null; ready: { '2D': string[]; '3D': string[] } };
}
