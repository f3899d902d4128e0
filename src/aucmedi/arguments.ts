/**
 * The `aucmedi` command line per mode (the argv after the image's `aucmedi` entrypoint) and the
 * container mount layout it refers to. Every option is passed explicitly, AUCMEDI's defaults
 * included, so the run manifest records the exact command. Flags (`--ohe`, `--three_dim`) can only
 * be present or absent, and the XAI directory only matters with an XAI method.
 *
 * Invalid combinations throw a `UserErrorException` with a plain sentence and what to do.
 */
import {
  AUCMEDI_DEFAULTS,
  AUCMEDI_LIMITS,
  type Analysis,
  type Dimensionality,
  type EvaluationOptions,
  type PredictionOptions,
  type TrainingOptions,
} from '../api/aucmedi';
import { localizedException, UserErrorException, type ErrorCode } from '../api/errors';
import { msg, type Message } from '../i18n/message';
import { architecturesFor, findArchitecture, METALEARNERS, MULTILABEL_METALEARNERS, suggestArchitecture } from './architectures';

// ---------------------------------------------------------------------------------------------
// Container paths
// ---------------------------------------------------------------------------------------------

/** Training images (class sub-folders, or flat with an annotation CSV); read-only. Also the ground truth of an evaluation. */
export const CONTAINER_DATASET_DIR = '/data/training';
/** The annotation CSV (CSV interface); read-only, a single-file mount. */
export const CONTAINER_ANNOTATIONS_FILE = '/data/annotations.csv';
/** The training output (model folder): writable in training, read-only in prediction. */
export const CONTAINER_MODEL_DIR = '/data/model';
/** Images to classify (flat folder); read-only. */
export const CONTAINER_PREDICTION_IMAGES_DIR = '/data/test';
/** Prediction output folder: `preds.csv` and the XAI heat maps; writable. */
export const CONTAINER_PREDICTION_DIR = '/data/prediction';
export const CONTAINER_PREDICTIONS_FILE = `${CONTAINER_PREDICTION_DIR}/preds.csv`;
export const CONTAINER_XAI_DIR = `${CONTAINER_PREDICTION_DIR}/xai`;
/** The predictions an evaluation scores; read-only, a single-file mount. */
export const CONTAINER_EVALUATION_PREDICTIONS_FILE = '/data/preds.csv';
/** Evaluation output folder; writable. */
export const CONTAINER_EVALUATION_DIR = '/data/evaluation';

export const CONTAINER_PATHS = {
  dataset: CONTAINER_DATASET_DIR,
  annotations: CONTAINER_ANNOTATIONS_FILE,
  model: CONTAINER_MODEL_DIR,
  predictionImages: CONTAINER_PREDICTION_IMAGES_DIR,
  prediction: CONTAINER_PREDICTION_DIR,
  predictions: CONTAINER_PREDICTIONS_FILE,
  xai: CONTAINER_XAI_DIR,
  evaluationPredictions: CONTAINER_EVALUATION_PREDICTIONS_FILE,
  evaluation: CONTAINER_EVALUATION_DIR,
} as const;

/** Host paths of a training run, already in the host's own form (absolute). */
export interface TrainingHostPaths {
  dataset: string;
  /** The annotation CSV, for the CSV interface. */
  annotations?: string;
  /** The (empty or new) folder the model is written to. */
  output: string;
}

export interface PredictionHostPaths {
  /** The flat folder of images to classify. */
  images: string;
  /** A training output folder. */
  model: string;
  /** The folder `preds.csv` (and `xai/`) is written to. */
  output: string;
}

export interface EvaluationHostPaths {
  /** Ground-truth images (class sub-folders, or flat with an annotation CSV). */
  dataset: string;
  annotations?: string;
  /** The `preds.csv` to score. */
  predictions: string;
  /** The folder the metrics and plots are written to. */
  output: string;
}

/** Docker `SOURCE:TARGET[:ro]` binds of a training run. */
export function trainingBinds(paths: TrainingHostPaths): string[] {
  return [
    bind(paths.dataset, CONTAINER_DATASET_DIR, true, 'dataset folder'),
    ...(paths.annotations !== undefined ? [bind(paths.annotations, CONTAINER_ANNOTATIONS_FILE, true, 'annotation file')] : []),
    bind(paths.output, CONTAINER_MODEL_DIR, false, 'output folder'),
  ];
}

export function predictionBinds(paths: PredictionHostPaths): string[] {
  return [
    bind(paths.images, CONTAINER_PREDICTION_IMAGES_DIR, true, 'image folder'),
    bind(paths.model, CONTAINER_MODEL_DIR, true, 'model folder'),
    bind(paths.output, CONTAINER_PREDICTION_DIR, false, 'output folder'),
  ];
}

export function evaluationBinds(paths: EvaluationHostPaths): string[] {
  return [
    bind(paths.dataset, CONTAINER_DATASET_DIR, true, 'dataset folder'),
    ...(paths.annotations !== undefined ? [bind(paths.annotations, CONTAINER_ANNOTATIONS_FILE, true, 'annotation file')] : []),
    bind(paths.predictions, CONTAINER_EVALUATION_PREDICTIONS_FILE, true, 'predictions file'),
    bind(paths.output, CONTAINER_EVALUATION_DIR, false, 'output folder'),
  ];
}

/**
 * One bind in Docker's `SOURCE:TARGET[:ro]` form. The source must be absolute (POSIX `/...`, or
 * Windows `C:\...` / `\\server\share`); a colon anywhere else would be read as a separator by
 * Docker, and control characters have no place in a path: both are refused with a sentence.
 */
export function bind(hostPath: string, containerPath: string, readOnly: boolean, what = 'folder'): string {
  const windowsDrive = /^[A-Za-z]:[\\/]/.test(hostPath);
  const absolute = hostPath.startsWith('/') || windowsDrive || hostPath.startsWith('\\\\');
  const rest = windowsDrive ? hostPath.slice(2) : hostPath;
  if (!absolute || hostPath.length > 4096 || /[\u0000-\u001f]/.test(hostPath)) {
    throw mountError(msg('aucmedi:mount.notFull', { what: mountWhat(what) }), msg('aucmedi:mount.notFullAction'), hostPath);
  }
  if (rest.includes(':')) {
    throw mountError(msg('aucmedi:mount.colon', { what: mountWhat(what) }), msg('aucmedi:mount.colonAction'), hostPath);
  }
  return `${hostPath}:${containerPath}${readOnly ? ':ro' : ''}`;
}

/** The English words callers name a mount by, and their catalog keys (`aucmedi:mount.what.*`). */
const MOUNT_WHAT: Record<string, string> = {
  folder: 'folder',
  'dataset folder': 'datasetFolder',
  'annotation file': 'annotationFile',
  'output folder': 'outputFolder',
  'image folder': 'imageFolder',
  'model folder': 'modelFolder',
  'predictions file': 'predictionsFile',
  'list of images': 'imageList',
  'weights folder': 'weightsFolder',
};

function mountWhat(what: string): Message | string {
  const id = MOUNT_WHAT[what];
  return id ? msg(`aucmedi:mount.what.${id}`) : what;
}

function mountError(message: Message, action: Message, detail: string): UserErrorException {
  return localizedException('MOUNT_PATH_INVALID', message, action, detail.slice(0, 300));
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/** `[128, 128, 64]` -> `128x128x64` (the `--shape_3D` format). */
export function formatShape3D(shape: readonly [number, number, number]): string {
  return shape.join('x');
}

/** `128x128x64` -> `[128, 128, 64]`; null when it is not three positive integers. */
export function parseShape3D(text: string): [number, number, number] | null {
  const match = /^\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*$/.exec(text);
  if (!match) return null;
  const shape = [Number(match[1]), Number(match[2]), Number(match[3])] as [number, number, number];
  return shape.every((n) => n > 0) ? shape : null;
}

// ---------------------------------------------------------------------------------------------
// training
// ---------------------------------------------------------------------------------------------

/**
 * `training --path_imagedir /data/training --path_modeldir /data/model [--path_gt ...] [--ohe]
 * --analysis A [--three_dim] --shape_3D AxBxC --epochs N --batch_size N --workers N
 * --metalearner M --architecture KEY[,KEY...]`
 */
export function trainingArgs(options: TrainingOptions): string[] {
  const fail = (message: Message, action: Message, detail?: string) => invalid('TRAINING_OPTIONS_INVALID', message, action, detail);
  const dimensionality: Dimensionality = options.threeDim ? '3D' : '2D';
  const analysis = options.analysis as string;
  if (!['minimal', 'standard', 'advanced'].includes(analysis)) {
    throw fail(msg('aucmedi:arguments.analysisUnknown', { analysis }), msg('aucmedi:arguments.analysisUnknownAction'));
  }
  checkInteger(options.epochs, AUCMEDI_LIMITS.epochs, 'epochs', fail);
  checkInteger(options.batchSize, AUCMEDI_LIMITS.batchSize, 'batchSize', fail);
  checkInteger(options.workers, AUCMEDI_LIMITS.workers, 'workers', fail);

  const architectures = options.architectures ?? [];
  if (architectures.length === 0) throw fail(msg('aucmedi:arguments.noArchitecture'), msg('aucmedi:arguments.noArchitectureAction'));
  for (const key of architectures) checkArchitecture(key, dimensionality);
  if (options.analysis === 'advanced') {
    const { min, max } = AUCMEDI_LIMITS.advancedArchitectures;
    if (architectures.length < min) {
      throw fail(msg('aucmedi:arguments.advancedTooFew'), msg('aucmedi:arguments.advancedTooFewAction'));
    }
    if (architectures.length > max) throw fail(msg('aucmedi:arguments.advancedTooMany', { max, count: architectures.length }), msg('aucmedi:arguments.advancedTooManyAction', { max }));
  } else if (architectures.length > 1) {
    throw fail(msg('aucmedi:arguments.severalArchitectures', { analysis: options.analysis }), msg('aucmedi:arguments.severalArchitecturesAction'));
  }

  if (options.shape3D !== undefined && !options.threeDim) {
    throw fail(msg('aucmedi:arguments.shapeFor2D'), msg('aucmedi:arguments.shapeFor2DAction'));
  }
  const shape = options.shape3D ?? AUCMEDI_DEFAULTS.shape3D;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n >= AUCMEDI_LIMITS.shape3DSide.min && n <= AUCMEDI_LIMITS.shape3DSide.max)) {
    const { min, max } = AUCMEDI_LIMITS.shape3DSide;
    throw fail(msg('aucmedi:arguments.shapeInvalid', { min, max }), msg('aucmedi:arguments.shapeInvalidAction'), String(shape));
  }

  if (options.ohe && !options.gt) {
    throw fail(msg('aucmedi:arguments.oheNeedsFile'), msg('aucmedi:arguments.oheNeedsFileAction'));
  }
  if (options.metalearner !== undefined && options.analysis !== 'advanced') {
    throw fail(msg('aucmedi:arguments.metalearnerNotAdvanced', { analysis: options.analysis }), msg('aucmedi:arguments.metalearnerNotAdvancedAction'));
  }
  const metalearner = options.metalearner ?? AUCMEDI_DEFAULTS.metalearner;
  if (!METALEARNERS.includes(metalearner)) {
    throw fail(msg('aucmedi:arguments.metalearnerUnknown', { metalearner }), msg('aucmedi:arguments.chooseOneOf', { choices: METALEARNERS.join(', ') }));
  }
  if (options.analysis === 'advanced' && options.ohe && !MULTILABEL_METALEARNERS.includes(metalearner)) {
    throw fail(msg('aucmedi:arguments.metalearnerNotMultilabel', { metalearner }), msg('aucmedi:arguments.chooseOneOf', { choices: MULTILABEL_METALEARNERS.join(', ') }));
  }

  return [
    'training',
    '--path_imagedir', CONTAINER_DATASET_DIR,
    '--path_modeldir', CONTAINER_MODEL_DIR,
    ...(options.gt ? ['--path_gt', CONTAINER_ANNOTATIONS_FILE] : []),
    ...(options.ohe ? ['--ohe'] : []),
    '--analysis', options.analysis,
    ...(options.threeDim ? ['--three_dim'] : []),
    '--shape_3D', formatShape3D(shape),
    '--epochs', String(options.epochs),
    '--batch_size', String(options.batchSize),
    '--workers', String(options.workers),
    '--metalearner', metalearner,
    '--architecture', architectures.join(','),
  ];
}

function checkArchitecture(key: string, dimensionality: Dimensionality): void {
  if (findArchitecture(key, dimensionality)) return;
  const other: Dimensionality = dimensionality === '2D' ? '3D' : '2D';
  const suggestion = suggestArchitecture(key, dimensionality);
  const kind = dimensionality === '2D' ? 'images2D' : 'volumes3D';
  let action: Message;
  if (suggestion) action = msg('aucmedi:arguments.architectureSuggestion', { suggestion });
  else if (findArchitecture(key, other)) action = msg(`aucmedi:arguments.architectureOnlyFor.${kind}`, { key });
  else action = msg('aucmedi:arguments.chooseOneOf', { choices: architecturesFor(dimensionality).map((a) => a.key).join(', ') });
  throw localizedException('ARCHITECTURE_UNKNOWN', msg(`aucmedi:arguments.architectureUnknown.${kind}`, { key }), action, `--architecture ${key}${dimensionality === '3D' ? ' --three_dim' : ''}`.slice(0, 300));
}

// ---------------------------------------------------------------------------------------------
// prediction
// ---------------------------------------------------------------------------------------------

/** XAI methods of `aucmedi.xai.methods.xai_dict` (one key per method). */
export const XAI_METHODS: readonly string[] = ['gradcam', 'gradcam++', 'GuidedGradCAM', 'saliency', 'guidedbackprop', 'IntegratedGradients', 'OcclusionSensitivity', 'LimePro', 'LimeCon'];

/** Other keys `xai_dict` accepts for the same methods. */
const XAI_ALIASES: readonly string[] = ['GradCAM', 'gc', 'GradCAM++', 'GradCAMpp', 'gc++', 'ggc', 'SaliencyMap', 'sm', 'GuidedBackpropagation', 'gb', 'ig', 'os', 'lp', 'lc'];

/**
 * `prediction --path_imagedir /data/test --path_modeldir /data/model --path_pred
 * /data/prediction/preds.csv [--xai_method M --xai_directory /data/prediction/xai]
 * --batch_size N --workers N`
 */
export function predictionArgs(options: PredictionOptions): string[] {
  const fail = (message: Message, action: Message, detail?: string) => invalid('PREDICTION_OPTIONS_INVALID', message, action, detail);
  checkInteger(options.batchSize, AUCMEDI_LIMITS.batchSize, 'batchSize', fail);
  checkInteger(options.workers, AUCMEDI_LIMITS.workers, 'workers', fail);
  const xai = options.xaiMethod;
  if (xai !== undefined) {
    if (!XAI_METHODS.includes(xai) && !XAI_ALIASES.includes(xai)) {
      throw fail(msg('aucmedi:arguments.xaiUnknown', { xai }), msg('aucmedi:arguments.chooseOneOf', { choices: XAI_METHODS.join(', ') }));
    }
    if (options.modelAnalysis === 'advanced') {
      throw fail(msg('aucmedi:arguments.xaiAdvanced'), msg('aucmedi:arguments.xaiAdvancedAction'));
    }
  }
  return [
    'prediction',
    '--path_imagedir', CONTAINER_PREDICTION_IMAGES_DIR,
    '--path_modeldir', CONTAINER_MODEL_DIR,
    '--path_pred', CONTAINER_PREDICTIONS_FILE,
    ...(xai !== undefined ? ['--xai_method', xai, '--xai_directory', CONTAINER_XAI_DIR] : []),
    '--batch_size', String(options.batchSize),
    '--workers', String(options.workers),
  ];
}

// ---------------------------------------------------------------------------------------------
// evaluation
// ---------------------------------------------------------------------------------------------

/**
 * `evaluation --path_imagedir /data/training [--path_gt /data/annotations.csv] [--ohe]
 * --path_pred /data/preds.csv --path_evaldir /data/evaluation`
 */
export function evaluationArgs(options: EvaluationOptions): string[] {
  if (options.ohe && !options.gt) {
    throw invalid('EVALUATION_OPTIONS_INVALID', msg('aucmedi:arguments.oheGroundTruthNeedsFile'), msg('aucmedi:arguments.oheNeedsFileAction'));
  }
  return [
    'evaluation',
    '--path_imagedir', CONTAINER_DATASET_DIR,
    ...(options.gt ? ['--path_gt', CONTAINER_ANNOTATIONS_FILE] : []),
    ...(options.ohe ? ['--ohe'] : []),
    '--path_pred', CONTAINER_EVALUATION_PREDICTIONS_FILE,
    '--path_evaldir', CONTAINER_EVALUATION_DIR,
  ];
}

// ---------------------------------------------------------------------------------------------

function invalid(code: ErrorCode, message: Message, action: Message, detail?: string): UserErrorException {
  return localizedException(code, message, action, detail !== undefined ? detail.slice(0, 300) : undefined);
}

function checkInteger(
  value: number,
  limits: { min: number; max: number },
  what: 'epochs' | 'batchSize' | 'workers',
  fail: (message: Message, action: Message, detail?: string) => UserErrorException,
): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < limits.min || value > limits.max) {
    throw fail(msg(`aucmedi:arguments.integer.${what}`, { min: limits.min, max: limits.max }), msg(`aucmedi:arguments.integerAction.${what}`), String(value));
  }
}

/** The analysis AUCMEDI runs when none is given, for display. */
export const DEFAULT_ANALYSIS: Analysis = AUCMEDI_DEFAULTS.analysis;
