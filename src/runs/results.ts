/**
 * The results of prediction and evaluation runs as the window shows them: the predictions table,
 * metrics, confusion matrix and ROC curves computed from the predictions and the ground truth,
 * images and heat maps served by run and sample (never by a path the window names), and the
 * exports (filtered predictions CSV, a one-page HTML report).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { localizedError, localizedException, type UserError } from '../api/errors';
import { msg, type Message } from '../i18n/message';
import { coreLanguage, t, text } from '../i18n/translate';
import type { Predictions } from '../api/aucmedi';
import type { EvaluationResults, PredictionTable } from '../api/results';
import { repeatabilityMessage } from '../api/repeatability';
import type { EvaluationRecord, PredictionRecord, RunRecord, TrainingRecord } from '../api/runs';
import { DEFAULT_METALEARNER, isTrainedMetalearner } from '../aucmedi/architectures';
import {
  BEST_LOSS_MODEL_FILE,
  computeConfusionMatrix,
  computeRoc,
  heatMapIndex,
  isHeatMapVolume,
  LAST_MODEL_FILE,
  META_FILE,
  METALEARNER_FILE,
  PERFORMANCE_FILE,
  PREDICTIONS_FILE,
  readOutputText,
  readPerformanceMetrics,
  readPredictions,
  sampleName,
  type GroundTruth,
} from '../aucmedi/outputs';
import { readAnnotations } from '../dataset/csv';
import { readAnnotationFile } from '../dataset/annotation-file';
import { isHiddenOrSystem } from '../dataset/names';
import { readViewNames } from './dataset-view';
import { readPreview } from '../dataset/preview';
import { EVALUATION_PREDICTION_DIR, EVALUATION_RESULTS_DIR } from './step-mounts';

export const XAI_DIR = 'xai';

/** Which rows of the predictions an export keeps: a predicted class and/or a probability below a threshold. */
export interface PredictionFilter {
  predictedClass?: string | null;
  below?: number | null;
}

function ended(record: RunRecord, mode: 'prediction'): PredictionRecord;
function ended(record: RunRecord, mode: 'evaluation'): EvaluationRecord;
function ended(record: RunRecord, mode: 'prediction' | 'evaluation'): RunRecord {
  if (record.mode !== mode) {
    throw localizedException('RUN_NOT_FOUND', msg(`runs:results.wrongMode.${mode}.${record.mode}`, { id: record.id }), msg(`runs:results.wrongModeAction.${mode}`));
  }
  if (record.state !== 'succeeded') {
    throw localizedException('AUCMEDI_OUTPUT_MISSING', msg(`runs:results.noResults.${mode}.${record.state}`), msg('runs:results.noResultsAction'));
  }
  return record;
}

function predictionsFileOf(record: PredictionRecord | EvaluationRecord): string {
  return record.mode === 'prediction' ? path.join(record.outputDir, PREDICTIONS_FILE) : path.join(record.outputDir, EVALUATION_PREDICTION_DIR, PREDICTIONS_FILE);
}

export async function readPredictionTable(run: RunRecord): Promise<PredictionTable> {
  const record = ended(run, 'prediction');
  const predictions = readPredictions(await readOutputText(predictionsFileOf(record), msg('aucmedi:outputs.what.predictions', { file: PREDICTIONS_FILE })));
  const heatMapDir = path.join(record.outputDir, XAI_DIR);
  const index = heatMapIndex(await readdir(heatMapDir).catch(() => [] as string[]));
  const files = predictions.rows.flatMap((row) => (index.has(row.sample) ? [[row.sample, index.get(row.sample)!] as const] : []));
  return {
    ...predictions,
    heatMaps: files.map(([sample]) => sample),
    heatMapDir,
    heatMapFiles: Object.fromEntries(files),
    heatMapVolumes: files.some(([, file]) => isHeatMapVolume(file, record.model.threeDim)),
  };
}

export async function readEvaluationResults(run: RunRecord): Promise<EvaluationResults> {
  const record = ended(run, 'evaluation');
  const predictions = readPredictions(await readOutputText(predictionsFileOf(record), msg('aucmedi:outputs.what.predictions', { file: PREDICTIONS_FILE })));
  const metrics = readPerformanceMetrics(await readOutputText(path.join(record.outputDir, EVALUATION_RESULTS_DIR, PERFORMANCE_FILE), msg('aucmedi:outputs.what.metrics', { file: PERFORMANCE_FILE })));
  const truth = await readGroundTruth(record);
  // Single- or multi-label as AUCMEDI decided it from the predictions, not from the annotation format.
  const confusion = computeConfusionMatrix(predictions, truth);
  const roc = predictions.classes.map((className) => computeRoc(predictions, truth, className));
  const plots = await Promise.all(
    (record.results?.plots ?? []).map(async (name) => {
      const preview = await readPreview(path.join(record.outputDir, EVALUATION_RESULTS_DIR), name);
      return { name, dataUrl: preview.dataUrl };
    }),
  );
  return { metrics, confusion, roc, plots, predictions };
}

/**
 * The labels of an evaluation's set: the annotation CSV (one-hot: the classes marked 1), or the
 * class folders as the run's view gave them to AUCMEDI (`class/name` links: notes and hidden files
 * are no labelled samples); a run from before the view lists the folders.
 */
export async function readGroundTruth(record: EvaluationRecord): Promise<GroundTruth> {
  const truth: Record<string, string | string[]> = {};
  if (record.dataset.gtFile) {
    const { text } = await readAnnotationFile(record.dataset.gtFile, path.basename(record.dataset.gtFile));
    const annotations = readAnnotations(text, { ohe: record.dataset.ohe, fileName: path.basename(record.dataset.gtFile) });
    for (const row of annotations.rows) {
      const classes = row.labels.map((label) => annotations.classes[label]!);
      truth[row.sample] = record.dataset.ohe ? classes : (classes[0] ?? '');
    }
    return truth;
  }
  const viewed = await readViewNames(record.outputDir, 'evaluation');
  if (viewed) {
    for (const name of viewed) truth[name.slice(name.indexOf('/') + 1)] = name.slice(0, name.indexOf('/'));
    return truth;
  }
  for (const folder of await readdir(record.dataset.path, { withFileTypes: true })) {
    if (!folder.isDirectory() || isHiddenOrSystem(folder.name, true)) continue;
    for (const name of await readdir(path.join(record.dataset.path, folder.name))) {
      if (!isHiddenOrSystem(name, false)) truth[name] = folder.name;
    }
  }
  return truth;
}

/**
 * One input image or heat map of a prediction or evaluation, by sample name, as a data URL. The
 * folder is the run's own (images, dataset or heat maps), never one the window names.
 */
export async function readRunImage(run: RunRecord, sample: string, kind: 'image' | 'heatmap'): Promise<{ dataUrl: string | null; reason?: string; i18n?: { reason: Message } }> {
  const none = (reason: Message) => ({ dataUrl: null, reason: text(reason), i18n: { reason } });
  if (run.mode === 'training') return none(msg('runs:results.image.training'));
  const found = (await sampleIndex(run, kind)).get(sample);
  if (!found) return none(kind === 'heatmap' ? msg('runs:results.image.noHeatMap') : msg('runs:results.image.notFound'));
  if (kind === 'heatmap' && isHeatMapVolume(found.name, run.model.threeDim)) {
    return none(msg('runs:results.image.heatMapVolume', { file: path.join(found.folder, found.name) }));
  }
  return readPreview(found.folder, found.name);
}

type SampleIndex = Map<string, { folder: string; name: string }>;
/** The last few runs' sample -> file indexes: a table of thousands of thumbnails lists each folder once, not once per image. */
const sampleIndexes = new Map<string, Promise<SampleIndex>>();
const KEPT_INDEXES = 4;

function sampleIndex(run: PredictionRecord | EvaluationRecord, kind: 'image' | 'heatmap'): Promise<SampleIndex> {
  const key = `${run.id}:${kind}`;
  let index = sampleIndexes.get(key);
  if (!index) {
    index = buildSampleIndex(run, kind);
    sampleIndexes.set(key, index);
    if (sampleIndexes.size > KEPT_INDEXES) sampleIndexes.delete(sampleIndexes.keys().next().value!);
  }
  return index;
}

async function buildSampleIndex(run: PredictionRecord | EvaluationRecord, kind: 'image' | 'heatmap'): Promise<SampleIndex> {
  let folders: string[];
  if (kind === 'heatmap') {
    // `<sample>.<input extension>` (heatMapFileName): the name without its last extension is the sample
    const folder = path.join(run.outputDir, XAI_DIR);
    const names = run.mode === 'prediction' ? await readdir(folder).catch(() => [] as string[]) : [];
    return new Map([...heatMapIndex(names)].map(([sample, name]) => [sample, { folder, name }]));
  }
  if (run.mode === 'prediction') folders = [run.images.path];
  else if (run.dataset.gtFile) folders = [run.dataset.path];
  else {
    const classes = await readdir(run.dataset.path, { withFileTypes: true }).catch(() => []);
    folders = classes.filter((entry) => entry.isDirectory() && !isHiddenOrSystem(entry.name, true)).map((entry) => path.join(run.dataset.path, entry.name));
  }
  const index: SampleIndex = new Map();
  for (const folder of folders) {
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const sample = sampleName(name);
      if (!index.has(sample)) index.set(sample, { folder, name });
    }
  }
  return index;
}

/** The predictions as CSV (as AUCMEDI writes them, plus the predicted class and its probability), filtered. */
export function predictionsCsv(predictions: Predictions, filter: PredictionFilter = {}): string {
  const rows = filterPredictions(predictions, filter);
  const lines = [['SAMPLE', ...predictions.classes, 'PREDICTED', 'PROBABILITY'].map(csvText).join(',')];
  for (const row of rows) {
    lines.push([csvText(row.sample), ...row.probabilities.map(csvNumber), csvText(row.predictedClass ?? ''), csvNumber(row.probability)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function filterPredictions(predictions: Predictions, filter: PredictionFilter): Predictions['rows'] {
  return predictions.rows.filter(
    (row) =>
      (filter.predictedClass == null || row.predictedClass === filter.predictedClass) &&
      (filter.below == null || (row.probability !== null && row.probability < filter.below)),
  );
}

/**
 * A cell of text from outside the app (a sample or class name): a spreadsheet runs a cell that
 * starts with = + - @, a tab or a carriage return as a formula (`-2+HYPERLINK(...)` too), so such a
 * cell gets a leading `'` and is quoted, as OWASP's CSV-injection advice says, whatever follows.
 */
export function csvText(value: string): string {
  const guarded = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(guarded) || guarded !== value ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** A number the app writes (a probability): plain, so a spreadsheet reads it as a number; empty when unknown. */
function csvNumber(value: number | null): string {
  return value === null ? '' : String(value);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const formatNumber = (value: number | null) => (value === null ? '–' : Number.isInteger(value) ? String(value) : value.toFixed(3));

/**
 * A self-contained one-page HTML report of an evaluation for the clinic's records: the model and
 * its training run, the labelled set with its fingerprint, the exact commands, the metrics per
 * class, the confusion matrix, and AUCMEDI's plots. No script, no outside reference. In the core's
 * language; the catalog's texts hold no markup, what comes from outside is escaped.
 */
export function evaluationReportHtml(record: EvaluationRecord, results: EvaluationResults, appVersion: string): string {
  const { metrics, confusion } = results;
  const { model, dataset } = record;
  const modelSummary = { architectures: model.architectures.join(' + '), classes: model.classNames.join(', ') };
  const facts: [string, string][] = [
    [t('runs:report.fact.run'), t('runs:report.runValue', { id: record.id, state: t(`runs:report.state.${record.state}`), started: record.startedAt ?? '', ended: record.endedAt ?? '' })],
    [t('runs:report.fact.model'), model.runId ? t('runs:report.modelDirRun', { dir: model.dir, runId: model.runId }) : model.dir],
    [t('runs:report.fact.model'), model.analysis ? t('runs:report.modelSummary', { ...modelSummary, analysis: model.analysis }) : t('runs:report.modelSummaryUnknown', modelSummary)],
    [
      t('runs:report.fact.labelledSet'),
      dataset.gtFile ? (dataset.ohe ? t('runs:report.setWithOneHot', { path: dataset.path, file: dataset.gtFile }) : t('runs:report.setWith', { path: dataset.path, file: dataset.gtFile })) : dataset.path,
    ],
    [
      t('runs:report.fact.fingerprint'),
      dataset.fingerprint ? t('runs:report.fingerprint', { files: String(dataset.fingerprint.fileCount), bytes: String(dataset.fingerprint.totalBytes), sha256: dataset.fingerprint.sha256 }) : '–',
    ],
    [t('runs:report.fact.samples'), String(confusion.matched)],
    [t('runs:report.fact.image'), `${record.imageRef} (${record.imageId ?? ''})`],
    [t('runs:report.fact.commands'), `aucmedi ${record.predictionCommand.join(' ')}; aucmedi ${record.command.join(' ')}`],
    [t('runs:report.fact.madeWith'), `AUCMEDI Desk ${appVersion}`],
  ];
  const repeatability = repeatabilityMessage(record.model, 'evaluation');
  if (repeatability) facts.push([t('runs:report.fact.repeatability'), text(repeatability)]);
  const metricRows = metrics.rows
    .map((row) => `<tr><th>${escapeHtml(row.className)}</th>${metrics.metrics.map((m) => `<td>${formatNumber(row.metrics[m] ?? null)}</td>`).join('')}</tr>`)
    .join('');
  const confusionTable =
    confusion.kind === 'single-label'
      ? `<table><tr><th>${t('runs:report.truthPredicted')}</th>${confusion.classes.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>${confusion.matrix
          .map((row, t) => `<tr><th>${escapeHtml(confusion.classes[t]!)}</th>${row.map((n) => `<td>${n}</td>`).join('')}</tr>`)
          .join('')}</table>`
      : `<table><tr><th>${t('runs:report.class')}</th><th>TP</th><th>FP</th><th>FN</th><th>TN</th></tr>${confusion.perClass
          .map((c) => `<tr><th>${escapeHtml(c.className)}</th><td>${c.tp}</td><td>${c.fp}</td><td>${c.fn}</td><td>${c.tn}</td></tr>`)
          .join('')}</table>`;
  const plots = results.plots
    .filter((plot) => plot.dataUrl)
    .map((plot) => `<figure><img alt="${escapeHtml(plot.name)}" src="${plot.dataUrl}"><figcaption>${escapeHtml(plot.name)}</figcaption></figure>`)
    .join('');
  return `<!doctype html>
<html lang="${coreLanguage()}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${t('runs:report.title', { id: escapeHtml(record.id) })}</title>
<style>body{font:13px/1.4 system-ui,sans-serif;margin:24px;color:#111}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{text-align:left;background:#f1f3f5}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{font-weight:600}dd{margin:0;word-break:break-all}figure{display:inline-block;margin:0 12px 12px 0}img{max-width:320px}</style>
</head><body>
<h1>${t('runs:report.heading')}</h1>
<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<h2>${t('runs:report.metrics', { file: escapeHtml(PERFORMANCE_FILE) })}</h2>
<table><tr><th>${t('runs:report.class')}</th>${metrics.metrics.map((m) => `<th>${escapeHtml(m)}</th>`).join('')}</tr>${metricRows}</table>
<h2>${t('runs:report.confusion')}</h2>
${confusionTable}
<h2>${t('runs:report.plots')}</h2>
${plots || `<p>${t('runs:report.noPlots')}</p>`}
</body></html>
`;
}

// ---------------------------------------------------------------------------------------------
// What a finished run must have written
// ---------------------------------------------------------------------------------------------

/**
 * The files (relative to the output folder; a trailing `/` is a folder) that AUCMEDI writes when a
 * run of each mode succeeds. A container that exited 0 without them has not succeeded: AUCMEDI
 * writes `meta.training.json` before it fetches weights or trains (aucmedi/automl/block_train.py),
 * so that file alone proves nothing, and an engine that cannot see the output folder (on another
 * computer, or Docker Desktop without file sharing for it) writes everything where this computer
 * never sees it.
 */
export const REQUIRED_OUTPUTS: {
  training: (record: TrainingRecord) => string[];
  prediction: (record: PredictionRecord) => string[];
  evaluation: (record: EvaluationRecord) => string[];
} = {
  /**
   * block_train.py: minimal `model.last.keras`; standard also `model.best_loss.keras` (its
   * ModelCheckpoint; what prediction loads); advanced, aucmedi/ensemble/composite.py `dump`: the
   * `cv_<i>.model.keras` of each of the k folds (one per architecture) and, for a trained
   * metalearner (not an aggregate), `metalearner.model.pickle`.
   */
  training: ({ options }) => {
    if (options.analysis === 'minimal') return [META_FILE, LAST_MODEL_FILE];
    if (options.analysis === 'standard') return [META_FILE, BEST_LOSS_MODEL_FILE, LAST_MODEL_FILE];
    const metalearner = options.metalearner ?? DEFAULT_METALEARNER;
    return [META_FILE, ...options.architectures.map((_, i) => `cv_${i}.model.keras`), ...(isTrainedMetalearner(metalearner) ? [METALEARNER_FILE] : [])];
  },
  /** block_pred.py: `--path_pred` (preds.csv in the output folder), and `--xai_directory` when heat maps were asked for. */
  prediction: ({ options }) => [PREDICTIONS_FILE, ...(options.xaiMethod ? [`${XAI_DIR}/`] : [])],
  /** The prediction step writes `prediction/preds.csv`; block_eval.py then `evaluation/metrics.performance.csv`. */
  evaluation: ({ step }) => (step === 'prediction' ? [`${EVALUATION_PREDICTION_DIR}/${PREDICTIONS_FILE}`] : [`${EVALUATION_RESULTS_DIR}/${PERFORMANCE_FILE}`]),
};

/** The required outputs of the run's mode (and step). */
export function requiredOutputs(record: RunRecord): string[] {
  if (record.mode === 'training') return REQUIRED_OUTPUTS.training(record);
  if (record.mode === 'prediction') return REQUIRED_OUTPUTS.prediction(record);
  return REQUIRED_OUTPUTS.evaluation(record);
}

/** Which of the run's required outputs are not in its output folder (a file must be a file, a folder a folder). */
export async function missingOutputs(record: RunRecord): Promise<string[]> {
  const missing: string[] = [];
  for (const name of requiredOutputs(record)) {
    const folder = name.endsWith('/');
    const found = await stat(path.join(record.outputDir, name)).catch(() => null);
    if (!found || (folder ? !found.isDirectory() : !found.isFile())) missing.push(name);
  }
  return missing;
}

/**
 * Why a run whose container exited 0 has failed: its outputs are missing. None of them there
 * points at an engine that does not see the folder; some of them, at AUCMEDI stopping short.
 */
export function outputsMissingError(record: RunRecord, missing: readonly string[]): UserError {
  const what = record.mode === 'evaluation' && record.step === 'prediction' ? msg('runs:results.missing.what.evaluationPrediction') : msg(`runs:results.missing.what.${record.mode}`);
  const again = msg(`runs:results.missing.again.${record.mode}`);
  const none = missing.length === requiredOutputs(record).length;
  const params = { what, list: missing.join(', '), count: missing.length };
  const detail = `${record.outputDir}: missing ${params.list}`;
  return localizedError(
    'AUCMEDI_OUTPUT_MISSING',
    none ? msg('runs:results.missing.none', params) : msg('runs:results.missing.some', params),
    none ? msg('runs:results.missing.noneAction', { again }) : msg('runs:results.missing.someAction', { again }),
    detail,
  );
}
