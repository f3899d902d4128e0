/**
 * Readers of AUCMEDI's output files, and the confusion matrix and ROC curves the app draws itself.
 *
 * The readers never assume columns: they read the header and look columns up by name; they take
 * LF, CRLF and CR line ends, a UTF-8 byte order mark, quoted fields (RFC 4180), and Python's
 * `NaN`/`Infinity` in JSON. Values that are empty, `NA`, `nan` or infinite become null. A missing
 * file is a `UserErrorException` (`AUCMEDI_OUTPUT_MISSING`), unreadable content another.
 */
import { constants } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  ClassConfusion,
  ConfusionMatrix,
  ModelFiles,
  ModelFold,
  ModelFolder,
  PerformanceMetrics,
  PerformanceRow,
  PredictionRow,
  Predictions,
  RocCurve,
  RocPoint,
  TrainingLog,
  TrainingLogRow,
  TrainingMeta,
} from '../api/aucmedi';
import { errorDetail, localizedException, UserErrorException } from '../api/errors';
import { msg, type Message } from '../i18n/message';
import { isTrainedMetalearner } from './architectures';
import { metricName } from './keras-parser';
import { parseCsv } from '../dataset/csv';

export const META_FILE = 'meta.training.json';
export const TRAINING_LOG_FILE = 'logs.training.csv';
export const BEST_LOSS_MODEL_FILE = 'model.best_loss.keras';
export const LAST_MODEL_FILE = 'model.last.keras';
export const METALEARNER_FILE = 'metalearner.model.pickle';
export const PREDICTIONS_FILE = 'preds.csv';
export const PERFORMANCE_FILE = 'metrics.performance.csv';
export const FITTING_PLOT_FILE = 'plot.fitting_course.png';
export const EVALUATION_PLOTS = ['plot.performance.barplot.png', 'plot.performance.confusion_matrix.png', 'plot.performance.roc.png'] as const;

/** AUCMEDI's multi-label threshold in evaluation (`metrics_threshold=0.5`). */
export const MULTI_LABEL_THRESHOLD = 0.5;

// ---------------------------------------------------------------------------------------------
// CSV and numbers
// ---------------------------------------------------------------------------------------------

/**
 * The rows of one of AUCMEDI's CSV files (pandas, Keras): comma-separated, RFC 4180 quoting, LF or
 * CRLF; a leading byte order mark is dropped, blank lines are skipped. The annotation parser reads them.
 */
export function csvRows(text: string): string[][] {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return parseCsv(input, ',').records.map((record) => record.cells);
}

/** A number as Python/pandas/Keras write it; null for empty, `NA`, `nan`, `None`, infinities and text. */
export function parseNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null;
  const value = Number(t);
  return Number.isFinite(value) ? value : null;
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/** What an output is called in a sentence: `msg('aucmedi:outputs.what.predictions', { file })`, or a file name. */
export type OutputWhat = string | Message;

/** Reads an output file as text; a missing or unreadable file becomes a typed user error. */
export async function readOutputText(file: string, what: OutputWhat = path.basename(file)): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw fileError(error, file, what);
  }
}

function fileError(error: unknown, file: string, what: OutputWhat): UserErrorException {
  const code = (error as { code?: string })?.code;
  const detail = `${file}: ${errorDetail(error)}`.slice(0, 300);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return localizedException('AUCMEDI_OUTPUT_MISSING', msg('aucmedi:outputs.missing', { what }), msg('aucmedi:outputs.missingAction'), detail);
  }
  return localizedException('AUCMEDI_OUTPUT_UNREADABLE', msg('aucmedi:outputs.unreadable', { what }), msg('aucmedi:outputs.unreadableAction'), detail);
}

/** `problem`: what is wrong with it, a catalog message that goes on from the output's name (`aucmedi:outputs.problem.*`). */
function invalidOutput(what: OutputWhat, problem: Message, detail?: string): UserErrorException {
  return localizedException('AUCMEDI_OUTPUT_INVALID', msg('aucmedi:outputs.invalid', { what, problem }), msg('aucmedi:outputs.invalidAction'), detail?.slice(0, 300));
}

// ---------------------------------------------------------------------------------------------
// meta.training.json
// ---------------------------------------------------------------------------------------------

/**
 * The largest `meta.training.json` read: AUCMEDI's is a few KB (its settings and class names), so
 * this leaves room for 100 000 long class names and still never takes a file of gigabytes whole.
 */
export const MAX_META_BYTES = 64 * 1024 * 1024;

/** Reads `<dir>/meta.training.json`. */
export async function readTrainingMeta(dir: string): Promise<TrainingMeta> {
  return parseTrainingMeta(await readBoundedText(path.join(dir, META_FILE), msg('aucmedi:outputs.what.trainingRecord', { file: META_FILE }), MAX_META_BYTES));
}

/**
 * Reads a small output file as text: opened without blocking and checked on the open handle to be a
 * regular file (a FIFO in its place would block a plain read forever) of at most `maxBytes`.
 */
async function readBoundedText(file: string, what: OutputWhat, maxBytes: number): Promise<string> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw fileError(error, file, what);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw invalidOutput(what, msg('aucmedi:outputs.problem.notRegular'), file);
    if (stat.size > maxBytes) {
      throw invalidOutput(what, msg('aucmedi:outputs.problem.tooLarge', { mb: String(Math.round(maxBytes / 2 ** 20)) }), `${file}: ${stat.size} bytes`);
    }
    return await handle.readFile('utf8');
  } catch (error) {
    throw error instanceof UserErrorException ? error : fileError(error, file, what);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Parses the text of `meta.training.json` (Python's `json.dump` of the training config). */
export function parseTrainingMeta(text: string): TrainingMeta {
  const what = msg('aucmedi:outputs.what.trainingRecord', { file: META_FILE });
  let config: unknown;
  try {
    config = JSON.parse(pythonJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
  } catch (error) {
    throw invalidOutput(what, msg('aucmedi:outputs.problem.notJson'), errorDetail(error));
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) throw invalidOutput(what, msg('aucmedi:outputs.problem.notObject'));
  const c = config as Record<string, unknown>;
  if (!Array.isArray(c.class_names)) throw invalidOutput(what, msg('aucmedi:outputs.problem.noClassNames'));
  // a class name dropped or repeated would shift or merge the columns of every prediction
  const notAName = c.class_names.find((n) => typeof n !== 'string' && typeof n !== 'number');
  if (notAName !== undefined) throw invalidOutput(what, msg('aucmedi:outputs.problem.classNotAName', { value: String(JSON.stringify(notAName)).slice(0, 60) }));
  const classNames = c.class_names.map(String);
  const seen = new Set<string>();
  const repeated = classNames.find((name) => seen.size === seen.add(name).size);
  if (repeated !== undefined) throw invalidOutput(what, msg('aucmedi:outputs.problem.classRepeated', { name: repeated.slice(0, 100) }));
  const architecture = c.architecture;
  const architectures = Array.isArray(architecture) ? architecture.map(String) : typeof architecture === 'string' ? [architecture] : [];
  const threeDim = typeof c.three_dim === 'boolean' ? c.three_dim : typeof c.two_dim === 'boolean' ? !c.two_dim : false;
  return {
    classNames,
    analysis: typeof c.analysis === 'string' ? c.analysis : null,
    architectures,
    threeDim,
    shape3D: readShape(c.shape_3D),
    epochs: finiteOrNull(c.epochs),
    batchSize: finiteOrNull(c.batch_size),
    workers: finiteOrNull(c.workers),
    metalearner: typeof c.metalearner === 'string' ? c.metalearner : null,
    ohe: c.ohe === true,
    multiLabel: typeof c.multi_label === 'boolean' ? c.multi_label : null,
    interface: typeof c.interface === 'string' ? c.interface : null,
    config: c,
  };
}

/**
 * Python's `json.dump` writes `NaN`, `Infinity` and `-Infinity` bare; JSON has no such tokens. One
 * pass over the text, strings skipped with indexOf: a regular expression over a string of 10 MB
 * overflows the stack (its engine backtracks per character).
 */
function pythonJson(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  for (let i = 0; i < text.length; ) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i = stringEnd(text, i);
      continue;
    }
    const token = ch === 0x4e /* N */ && text.startsWith('NaN', i) ? 3 : ch === 0x49 /* I */ && text.startsWith('Infinity', i) ? 8 : ch === 0x2d /* - */ && text.startsWith('-Infinity', i) ? 9 : 0;
    if (token === 0) {
      i++;
      continue;
    }
    parts.push(text.slice(copied, i), 'null');
    i += token;
    copied = i;
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

/** The index after the string that starts with the quote at `start` (the text's end when it is never closed). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return text.length;
    // the quote is escaped when an odd number of backslashes comes right before it
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c /* \ */) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function readShape(value: unknown): [number, number, number] | null {
  const parts = Array.isArray(value) ? value : typeof value === 'string' ? value.split('x') : null;
  if (!parts || parts.length !== 3) return null;
  const numbers = parts.map((p) => Number(p));
  return numbers.every((n) => Number.isInteger(n) && n > 0) ? (numbers as [number, number, number]) : null;
}

// ---------------------------------------------------------------------------------------------
// logs.training.csv (Keras CSVLogger)
// ---------------------------------------------------------------------------------------------

/**
 * Parses a Keras CSVLogger file (`logs.training.csv`, or an advanced run's `cv_<i>.logs.csv`):
 * `epoch` plus one column per metric, whatever the header names. A repeated header line (two
 * loggers appending to one file) switches to its columns. Keras 3 names the learning rate
 * `learning_rate` (keras/src/callbacks/reduce_lr_on_plateau.py writes `logs["learning_rate"]`),
 * Keras 2 `lr` (tf_keras/callbacks.py `logs["lr"]`): it is read as `lr` either way, the name the
 * console parser and the charts use (`metricName`).
 */
export function readTrainingLog(text: string): TrainingLog {
  const table = csvRows(text);
  const columns: string[] = [];
  const rows: TrainingLogRow[] = [];
  let header: string[] | null = null;
  for (const cells of table) {
    const isHeader = header === null || (cells.some((c) => c.trim().toLowerCase() === 'epoch') && parseNumber(cells[0]) === null && cells.every((c) => parseNumber(c) === null));
    if (isHeader) {
      header = cells.map((c) => metricName(c.trim()));
      for (const name of header) if (name.toLowerCase() !== 'epoch' && name !== '' && !columns.includes(name)) columns.push(name);
      continue;
    }
    const names = header!;
    const epochIndex = names.findIndex((n) => n.toLowerCase() === 'epoch');
    const epochValue = epochIndex >= 0 ? parseNumber(cells[epochIndex]) : null;
    const epoch = epochValue !== null && Number.isInteger(epochValue) ? epochValue : rows.length;
    const metrics: Record<string, number | null> = {};
    names.forEach((name, i) => {
      if (i !== epochIndex && name !== '') metrics[name] = parseNumber(cells[i]);
    });
    rows.push({ epoch, epochNumber: epoch + 1, metrics });
  }
  if (header === null) throw invalidOutput(msg('aucmedi:outputs.what.trainingLog', { file: TRAINING_LOG_FILE }), msg('aucmedi:outputs.problem.logEmpty'));
  return { columns, rows };
}

// ---------------------------------------------------------------------------------------------
// The model folder
// ---------------------------------------------------------------------------------------------

/** The files of a training output folder, by role. */
export async function listModelFiles(dir: string): Promise<ModelFiles> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile()).map((e) => e.name);
  } catch (error) {
    throw fileError(error, dir, msg('aucmedi:outputs.what.modelFolder'));
  }
  return classifyModelFiles(names);
}

/** Sorts file names of a model folder into roles (`.keras`, and the older `.hdf5`/`.h5`, alike). */
export function classifyModelFiles(names: readonly string[]): ModelFiles {
  const files: ModelFiles = { meta: null, bestLoss: null, last: null, trainingLog: null, folds: [], metalearner: null, plots: [], other: [] };
  const fold = (index: number): ModelFold => {
    let entry = files.folds.find((f) => f.index === index);
    if (!entry) {
      entry = { index, model: null, log: null };
      files.folds.push(entry);
    }
    return entry;
  };
  for (const name of [...names].sort()) {
    let match: RegExpExecArray | null;
    if (name === META_FILE) files.meta = name;
    else if (/^model\.best_loss\.(keras|hdf5|h5)$/.test(name)) files.bestLoss ??= name;
    else if (/^model\.last\.(keras|hdf5|h5)$/.test(name)) files.last ??= name;
    else if (name === TRAINING_LOG_FILE) files.trainingLog = name;
    else if ((match = /^cv_(\d+)\.model\.(keras|hdf5|h5)$/.exec(name))) fold(Number(match[1])).model ??= name;
    else if ((match = /^cv_(\d+)\.logs\.csv$/.exec(name))) fold(Number(match[1])).log = name;
    else if (name === METALEARNER_FILE) files.metalearner = name;
    else if (/^plot\..+\.png$/i.test(name)) files.plots.push(name);
    else files.other.push(name);
  }
  // `.keras` wins over an older format of the same role when both exist.
  const preferKeras = (current: string | null, stem: string) => (names.includes(`${stem}.keras`) ? `${stem}.keras` : current);
  files.bestLoss = preferKeras(files.bestLoss, 'model.best_loss');
  files.last = preferKeras(files.last, 'model.last');
  for (const f of files.folds) f.model = preferKeras(f.model, `cv_${f.index}.model`);
  files.folds.sort((a, b) => a.index - b.index);
  return files;
}

/**
 * Checks that `dir` is a finished training AUCMEDI's prediction can use: `meta.training.json`
 * with class names, and the model files its analysis loads (minimal: `model.last.keras`;
 * standard: `model.best_loss.keras`; advanced: `cv_<i>.model.keras` per architecture and, for a
 * trained metalearner, `metalearner.model.pickle`).
 */
export async function checkModelFolder(dir: string): Promise<ModelFolder> {
  const files = await listModelFiles(dir);
  const incomplete = (message: Message, action: Message, detail?: string) => localizedException('MODEL_FOLDER_INCOMPLETE', message, action, (detail ?? dir).slice(0, 300));
  const trainAgain = msg('aucmedi:outputs.model.trainAgain');
  if (!files.meta) throw incomplete(msg('aucmedi:outputs.model.noMeta', { file: META_FILE }), msg('aucmedi:outputs.model.noMetaAction'));
  const meta = await readTrainingMeta(dir);
  if (meta.classNames.length === 0) throw incomplete(msg('aucmedi:outputs.model.noClasses', { file: META_FILE }), trainAgain);
  let modelFiles: string[];
  const missing: string[] = [];
  if (meta.analysis === 'minimal') {
    if (files.last) modelFiles = [files.last];
    else {
      modelFiles = [];
      missing.push(LAST_MODEL_FILE);
    }
  } else if (meta.analysis === 'standard') {
    if (files.bestLoss) modelFiles = [files.bestLoss];
    else {
      modelFiles = [];
      missing.push(BEST_LOSS_MODEL_FILE);
    }
  } else if (meta.analysis === 'advanced') {
    if (meta.architectures.length === 0) throw incomplete(msg('aucmedi:outputs.model.noArchitectures', { file: META_FILE }), trainAgain);
    modelFiles = [];
    meta.architectures.forEach((_, i) => {
      const model = files.folds.find((f) => f.index === i)?.model;
      if (model) modelFiles.push(model);
      else missing.push(`cv_${i}.model.keras`);
    });
    if (meta.metalearner !== null && isTrainedMetalearner(meta.metalearner)) {
      if (files.metalearner) modelFiles.push(files.metalearner);
      else missing.push(METALEARNER_FILE);
    }
  } else {
    throw incomplete(
      meta.analysis === null ? msg('aucmedi:outputs.model.noAnalysis', { file: META_FILE }) : msg('aucmedi:outputs.model.unknownAnalysis', { file: META_FILE, analysis: meta.analysis }),
      msg('aucmedi:outputs.model.unknownAnalysisAction'),
    );
  }
  if (missing.length > 0) {
    const detail = `${dir}: missing ${missing.join(', ')}`;
    throw incomplete(msg('aucmedi:outputs.model.filesMissing', { count: missing.length, files: missing.join(', ') }), msg('aucmedi:outputs.model.filesMissingAction'), detail);
  }
  return { dir, meta, files, modelFiles };
}

// ---------------------------------------------------------------------------------------------
// preds.csv
// ---------------------------------------------------------------------------------------------

/** Parses `preds.csv`: `SAMPLE,<class 1>,<class 2>,...`, one probability per class. */
export function readPredictions(text: string): Predictions {
  const what = msg('aucmedi:outputs.what.predictions', { file: PREDICTIONS_FILE });
  const table = csvRows(text);
  const header = table[0]?.map((c) => c.trim());
  if (!header) throw invalidOutput(what, msg('aucmedi:outputs.problem.tableEmpty'));
  let sampleIndex = header.indexOf('SAMPLE');
  if (sampleIndex < 0) sampleIndex = header.findIndex((h) => h.toLowerCase() === 'sample');
  if (sampleIndex < 0) throw invalidOutput(what, msg('aucmedi:outputs.problem.noSampleColumn'), header.join(',').slice(0, 300));
  const classColumns = header.map((name, index) => ({ name, index })).filter((c) => c.index !== sampleIndex);
  if (classColumns.length === 0) throw invalidOutput(what, msg('aucmedi:outputs.problem.noClassColumns'), header.join(','));
  const classes = classColumns.map((c) => c.name);
  const rows: PredictionRow[] = table.slice(1).map((cells) => {
    const probabilities = classColumns.map((c) => parseNumber(cells[c.index]));
    let best = -1;
    probabilities.forEach((p, i) => {
      // The first of equal maxima wins, as numpy's argmax.
      if (p !== null && (best < 0 || p > probabilities[best]!)) best = i;
    });
    return {
      sample: (cells[sampleIndex] ?? '').trim(),
      probabilities,
      predictedClass: best >= 0 ? classes[best]! : null,
      probability: best >= 0 ? probabilities[best]! : null,
    };
  });
  return { classes, rows };
}

// ---------------------------------------------------------------------------------------------
// metrics.performance.csv
// ---------------------------------------------------------------------------------------------

/**
 * Parses `metrics.performance.csv`, AUCMEDI's long layout `metric,score,class` (columns found by
 * name), pivoted to one row per class. Unknown metrics are kept; a metric that is absent for a
 * class (AUC when it is "not defined") is absent from that class's row.
 */
export function readPerformanceMetrics(text: string): PerformanceMetrics {
  const what = msg('aucmedi:outputs.what.evaluationMetrics', { file: PERFORMANCE_FILE });
  const table = csvRows(text);
  const header = table[0]?.map((c) => c.trim().toLowerCase());
  if (!header) throw invalidOutput(what, msg('aucmedi:outputs.problem.tableEmpty'));
  const metricIndex = header.indexOf('metric');
  const scoreIndex = header.indexOf('score');
  const classIndex = header.indexOf('class');
  if (metricIndex < 0 || scoreIndex < 0) throw invalidOutput(what, msg('aucmedi:outputs.problem.noMetricColumns'), table[0]!.join(',').slice(0, 300));
  const metrics: string[] = [];
  const rows: PerformanceRow[] = [];
  for (const cells of table.slice(1)) {
    const metric = (cells[metricIndex] ?? '').trim();
    if (metric === '') continue;
    const className = classIndex >= 0 ? (cells[classIndex] ?? '').trim() : '';
    if (!metrics.includes(metric)) metrics.push(metric);
    let row = rows.find((r) => r.className === className);
    if (!row) {
      row = { className, metrics: {} };
      rows.push(row);
    }
    row.metrics[metric] = parseNumber(cells[scoreIndex]);
  }
  return { metrics, rows };
}

// ---------------------------------------------------------------------------------------------
// Confusion matrix and ROC from predictions and ground truth
// ---------------------------------------------------------------------------------------------

/**
 * Ground truth by sample: a class name (single-label), or the list of positive classes
 * (multi-label, one-hot). Keys may be file names or paths (`cat/cat_001.png`): they are matched
 * to predictions by sample name, as AUCMEDI's evaluation does.
 */
export type GroundTruth = Readonly<Record<string, string | readonly string[]>>;

export interface ConfusionOptions {
  /** Force the kind; by default AUCMEDI's decision from the predictions (see aucmediMultiLabel). */
  multiLabel?: boolean;
  /** Multi-label: probability at which a class counts as predicted (AUCMEDI: 0.5). */
  threshold?: number;
}

const IMAGE_EXTENSIONS = /\.(nii\.gz|png|jpe?g|tiff?|bmp|gif|npy|nii|mha|mhd|nrrd|dcm)$/i;

/** `cat/cat_001.png` -> `cat_001`: the name AUCMEDI's predictions use for a sample. */
export function sampleName(fileOrPath: string): string {
  const base = fileOrPath.split(/[\\/]/).pop() ?? fileOrPath;
  return base.replace(IMAGE_EXTENSIONS, '');
}

interface Matched {
  row: PredictionRow;
  truth: Set<string>;
}

function matchSamples(predictions: Predictions, groundTruth: GroundTruth) {
  const truthBySample = new Map<string, Set<string>>();
  for (const [key, value] of Object.entries(groundTruth)) {
    truthBySample.set(sampleName(key), new Set(typeof value === 'string' ? [value] : value));
  }
  const unknown = new Set<string>();
  for (const truth of truthBySample.values()) for (const c of truth) if (!predictions.classes.includes(c)) unknown.add(c);
  if (unknown.size > 0) {
    const detail = `model classes: ${predictions.classes.join(', ')}`.slice(0, 300);
    throw localizedException(
      'CLASSES_MISMATCH',
      msg('aucmedi:outputs.classes.unknownTruth', { count: unknown.size, names: [...unknown].slice(0, 5).join(', ') }),
      msg('aucmedi:outputs.classes.unknownTruthAction', { classes: predictions.classes.slice(0, 10).join(', ') }),
      detail,
    );
  }
  const matched: Matched[] = [];
  const withoutGroundTruth: string[] = [];
  const predicted = new Set<string>();
  for (const row of predictions.rows) {
    const name = sampleName(row.sample);
    predicted.add(name);
    const truth = truthBySample.get(name);
    if (truth) matched.push({ row, truth });
    else withoutGroundTruth.push(row.sample);
  }
  const withoutPrediction = [...truthBySample.keys()].filter((s) => !predicted.has(s));
  return { matched, withoutGroundTruth, withoutPrediction };
}

/**
 * Whether AUCMEDI's evaluation scores these predictions as multi-label. It decides from the
 * predictions, not from the annotation file (aucmedi/automl/block_eval.py:
 * `np.sum(data_pd) > (class_ohe.shape[0] + 1.5)`): the sum of every probability of the scored
 * samples against the number of labelled samples. A softmax model's rows add up to 1 each, so it is
 * scored single-label even through a one-hot file; a sigmoid model's usually add up to more. A
 * missing probability makes numpy's sum NaN, and NaN is not greater: single-label.
 */
export function aucmediMultiLabel(scored: readonly PredictionRow[], labelledSamples: number): boolean {
  let sum = 0;
  for (const row of scored) for (const p of row.probabilities) sum += p ?? Number.NaN;
  return sum > labelledSamples + 1.5;
}

/**
 * As AUCMEDI's evaluation (aucmedi/evaluation/metrics.py), with its multi-label decision
 * (aucmediMultiLabel, over the ground truth's samples). Single-label: the classes x classes matrix of
 * counts, `matrix[truth][predicted]`, both by argmax as `compute_confusion_matrix` (the prediction is
 * the most probable class; the truth is the first of the model's classes the sample is labelled
 * with, the first class for a sample labelled with none). Multi-label: per class TP, FP, FN, TN,
 * a class predicted at probability >= threshold (`compute_metrics`). Samples without a counterpart
 * are listed.
 */
export function computeConfusionMatrix(predictions: Predictions, groundTruth: GroundTruth, options: ConfusionOptions = {}): ConfusionMatrix {
  const { matched, withoutGroundTruth, withoutPrediction } = matchSamples(predictions, groundTruth);
  const classes = [...predictions.classes];
  const multiLabel = options.multiLabel ?? aucmediMultiLabel(matched.map((m) => m.row), Object.keys(groundTruth).length);
  if (!multiLabel) {
    const matrix = classes.map(() => classes.map(() => 0));
    let counted = 0;
    for (const { row, truth } of matched) {
      const t = Math.max(0, classes.findIndex((c) => truth.has(c)));
      const p = row.predictedClass === null ? -1 : classes.indexOf(row.predictedClass);
      if (p < 0) {
        withoutPrediction.push(row.sample);
        continue;
      }
      matrix[t]![p]!++;
      counted++;
    }
    return { kind: 'single-label', classes, matrix, matched: counted, withoutGroundTruth, withoutPrediction };
  }
  const threshold = options.threshold ?? MULTI_LABEL_THRESHOLD;
  const perClass: ClassConfusion[] = classes.map((className, c) => {
    const counts = { className, tp: 0, fp: 0, fn: 0, tn: 0 };
    for (const { row, truth } of matched) {
      const p = row.probabilities[c];
      const predictedPositive = p !== null && p !== undefined && p >= threshold;
      const positive = truth.has(className);
      if (positive && predictedPositive) counts.tp++;
      else if (positive) counts.fn++;
      else if (predictedPositive) counts.fp++;
      else counts.tn++;
    }
    return counts;
  });
  return { kind: 'multi-label', classes, threshold, perClass, matched: matched.length, withoutGroundTruth, withoutPrediction };
}

/**
 * The one-vs-rest ROC curve of one class over the samples with both a prediction and a ground
 * truth: one point per distinct score (ties move together), from (0, 0) to (1, 1), and its area
 * (trapezoids; equal to the probability that a positive outscores a negative, ties counting
 * half). Undefined (no points, AUC null) when the class has no positives or no negatives.
 */
export function computeRoc(predictions: Predictions, groundTruth: GroundTruth, className: string): RocCurve {
  const c = predictions.classes.indexOf(className);
  if (c < 0) {
    throw localizedException('CLASSES_MISMATCH', msg('aucmedi:outputs.classes.notPredicted', { name: className }), msg('aucmedi:outputs.classes.notPredictedAction', { classes: predictions.classes.slice(0, 10).join(', ') }));
  }
  const { matched } = matchSamples(predictions, groundTruth);
  const scored = matched
    .map(({ row, truth }) => ({ score: row.probabilities[c], positive: truth.has(className) }))
    .filter((s): s is { score: number; positive: boolean } => typeof s.score === 'number')
    .sort((a, b) => b.score - a.score);
  const positives = scored.filter((s) => s.positive).length;
  const negatives = scored.length - positives;
  if (positives === 0 || negatives === 0) return { className, positives, negatives, points: [], auc: null };
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: null }];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  for (let i = 0; i < scored.length; ) {
    const score = scored[i]!.score;
    const previousTpr = tp / positives;
    const previousFpr = fp / negatives;
    while (i < scored.length && scored[i]!.score === score) {
      if (scored[i]!.positive) tp++;
      else fp++;
      i++;
    }
    const tpr = tp / positives;
    const fpr = fp / negatives;
    auc += ((fpr - previousFpr) * (tpr + previousTpr)) / 2;
    points.push({ fpr, tpr, threshold: score });
  }
  return { className, positives, negatives, points, auc };
}

// ---------------------------------------------------------------------------------------------
// XAI heat maps
// ---------------------------------------------------------------------------------------------

/**
 * The file AUCMEDI writes a sample's heat map to (aucmedi/xai/decoder.py `postprocess_output`):
 * `<sample>.<image_format>`, the image format being the prediction generator's, i.e. the extension
 * of the first file of the prediction folder (io_directory.py), so a JPEG folder gets `.jpg` heat
 * maps and `x.nii.gz` (sample `x.nii`, format `gz`) gets `x.nii.gz`; a path separator in the name
 * becomes `.`.
 */
export function heatMapFileName(sample: string, imageFormat: string | null): string {
  return (imageFormat ? `${sample}.${imageFormat}` : sample).replace(/[\\/]/g, '.');
}

/** The sample a heat map file belongs to: the name without its last extension (the inverse of heatMapFileName). */
export function heatMapSample(fileName: string): string | null {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : null;
}

/**
 * Whether a heat map is a volume rather than a picture. aucmedi/utils/visualizer.py
 * `visualize_heatmap` writes a 3D model's heat map through `visualize_volume`: an animated GIF for
 * `.gif`, `np.save` for `.npy`, and SimpleITK (`.nii`, `.nii.gz`, `.mha`) otherwise; a 2D model's
 * through PIL, in the format of its extension.
 */
export function isHeatMapVolume(fileName: string, threeDim: boolean): boolean {
  return threeDim && !/\.gif$/i.test(fileName);
}

/** sample -> heat map file, for the files of an xai folder (the first name wins should two map to one sample). */
export function heatMapIndex(names: readonly string[]): Map<string, string> {
  const bySample = new Map<string, string>();
  for (const name of [...names].sort()) {
    const sample = heatMapSample(name);
    if (sample !== null && !bySample.has(sample)) bySample.set(sample, name);
  }
  return bySample;
}
