/**
 * The results of prediction and evaluation runs as the window shows them: the predictions table,
 * metrics, confusion matrix and ROC curves computed from the predictions and the ground truth,
 * images and heat maps served by run and sample (never by a path the window names), and the
 * exports (filtered predictions CSV, a one-page HTML report).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserErrorException } from '../api/errors';
import type { Predictions } from '../api/aucmedi';
import type { EvaluationResults, PredictionTable } from '../api/results';
import type { EvaluationRecord, PredictionRecord, RunRecord } from '../api/runs';
import { computeConfusionMatrix, computeRoc, PERFORMANCE_FILE, PREDICTIONS_FILE, readOutputText, readPerformanceMetrics, readPredictions, sampleName, type GroundTruth } from '../aucmedi/outputs';
import { readAnnotations, decodeAnnotationFile } from '../dataset/csv';
import { isHiddenOrSystem } from '../dataset/names';
import { readPreview } from '../dataset/preview';
import { EVALUATION_PREDICTION_DIR, EVALUATION_RESULTS_DIR } from './service';

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
    throw new UserErrorException({ code: 'RUN_NOT_FOUND', message: `Run ${record.id} is a ${record.mode}, not a ${mode}.`, action: `Choose a ${mode} from the Runs page.` });
  }
  if (record.state !== 'succeeded') {
    throw new UserErrorException({ code: 'AUCMEDI_OUTPUT_MISSING', message: `This ${mode} has no results: it ${record.state === 'failed' ? 'failed' : `was ${record.state}`}.`, action: 'Start it again.' });
  }
  return record;
}

function predictionsFileOf(record: PredictionRecord | EvaluationRecord): string {
  return record.mode === 'prediction' ? path.join(record.outputDir, PREDICTIONS_FILE) : path.join(record.outputDir, EVALUATION_PREDICTION_DIR, PREDICTIONS_FILE);
}

export async function readPredictionTable(run: RunRecord): Promise<PredictionTable> {
  const record = ended(run, 'prediction');
  const predictions = readPredictions(await readOutputText(predictionsFileOf(record), `predictions (${PREDICTIONS_FILE})`));
  const heatMaps = new Set((await readdir(path.join(record.outputDir, XAI_DIR)).catch(() => [] as string[])).map((name) => sampleName(name)));
  return { ...predictions, heatMaps: predictions.rows.map((row) => row.sample).filter((sample) => heatMaps.has(sample)) };
}

export async function readEvaluationResults(run: RunRecord): Promise<EvaluationResults> {
  const record = ended(run, 'evaluation');
  const predictions = readPredictions(await readOutputText(predictionsFileOf(record), `predictions (${PREDICTIONS_FILE})`));
  const metrics = readPerformanceMetrics(await readOutputText(path.join(record.outputDir, EVALUATION_RESULTS_DIR, PERFORMANCE_FILE), `metrics (${PERFORMANCE_FILE})`));
  const truth = await readGroundTruth(record);
  const confusion = computeConfusionMatrix(predictions, truth, { multiLabel: record.dataset.ohe });
  const roc = predictions.classes.map((className) => computeRoc(predictions, truth, className));
  const plots = await Promise.all(
    (record.results?.plots ?? []).map(async (name) => {
      const preview = await readPreview(path.join(record.outputDir, EVALUATION_RESULTS_DIR), name);
      return { name, dataUrl: preview.dataUrl };
    }),
  );
  return { metrics, confusion, roc, plots, predictions };
}

/** The labels of an evaluation's set: class folders, or the annotation CSV (one-hot: several classes). */
export async function readGroundTruth(record: EvaluationRecord): Promise<GroundTruth> {
  const truth: Record<string, string | string[]> = {};
  if (record.dataset.gtFile) {
    const text = decodeAnnotationFile(await readFile(record.dataset.gtFile), path.basename(record.dataset.gtFile));
    const annotations = readAnnotations(text, { ohe: record.dataset.ohe, fileName: path.basename(record.dataset.gtFile) });
    for (const row of annotations.rows) {
      const classes = row.labels.map((label) => annotations.classes[label]!);
      truth[row.sample] = record.dataset.ohe ? classes : (classes[0] ?? '');
    }
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
export async function readRunImage(run: RunRecord, sample: string, kind: 'image' | 'heatmap'): Promise<{ dataUrl: string | null; reason?: string }> {
  if (run.mode === 'training') return { dataUrl: null, reason: 'a training has no images to show' };
  const found = (await sampleIndex(run, kind)).get(sample);
  if (!found) return { dataUrl: null, reason: kind === 'heatmap' ? 'no heat map for this image' : 'image not found' };
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
  if (kind === 'heatmap') folders = run.mode === 'prediction' ? [path.join(run.outputDir, XAI_DIR)] : [];
  else if (run.mode === 'prediction') folders = [run.images.path];
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
  const lines = [['SAMPLE', ...predictions.classes, 'PREDICTED', 'PROBABILITY'].map(csvCell).join(',')];
  for (const row of rows) {
    lines.push([row.sample, ...row.probabilities.map((p) => (p === null ? '' : String(p))), row.predictedClass ?? '', row.probability === null ? '' : String(row.probability)].map(csvCell).join(','));
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

function csvCell(value: string): string {
  // A leading = + - @ would be run as a formula by a spreadsheet; such a cell is quoted and escaped.
  const guarded = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(guarded) || guarded !== value ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const formatNumber = (value: number | null) => (value === null ? '–' : Number.isInteger(value) ? String(value) : value.toFixed(3));

/**
 * A self-contained one-page HTML report of an evaluation for the clinic's records: the model and
 * its training run, the labelled set with its fingerprint, the exact commands, the metrics per
 * class, the confusion matrix, and AUCMEDI's plots. No script, no outside reference.
 */
export function evaluationReportHtml(record: EvaluationRecord, results: EvaluationResults, appVersion: string): string {
  const { metrics, confusion } = results;
  const facts: [string, string][] = [
    ['Run', `${record.id} (${record.state}), ${record.startedAt ?? ''} – ${record.endedAt ?? ''}`],
    ['Model', `${record.model.dir}${record.model.runId ? ` (training run ${record.model.runId})` : ''}`],
    ['Model', `${record.model.analysis ?? 'unknown'} analysis, ${record.model.architectures.join(' + ')}, classes ${record.model.classNames.join(', ')}`],
    ['Labelled set', `${record.dataset.path}${record.dataset.gtFile ? ` with ${record.dataset.gtFile}${record.dataset.ohe ? ' (one-hot)' : ''}` : ''}`],
    ['Fingerprint', record.dataset.fingerprint ? `${record.dataset.fingerprint.fileCount} files, ${record.dataset.fingerprint.totalBytes} bytes, sha256 ${record.dataset.fingerprint.sha256}` : '–'],
    ['Samples scored', String(confusion.matched)],
    ['Image', `${record.imageRef} (${record.imageId ?? ''})`],
    ['Commands', `aucmedi ${record.predictionCommand.join(' ')}; aucmedi ${record.command.join(' ')}`],
    ['Made with', `AUCMEDI Desk ${appVersion}`],
  ];
  const metricRows = metrics.rows
    .map((row) => `<tr><th>${escapeHtml(row.className)}</th>${metrics.metrics.map((m) => `<td>${formatNumber(row.metrics[m] ?? null)}</td>`).join('')}</tr>`)
    .join('');
  const confusionTable =
    confusion.kind === 'single-label'
      ? `<table><tr><th>truth \\ predicted</th>${confusion.classes.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>${confusion.matrix
          .map((row, t) => `<tr><th>${escapeHtml(confusion.classes[t]!)}</th>${row.map((n) => `<td>${n}</td>`).join('')}</tr>`)
          .join('')}</table>`
      : `<table><tr><th>class</th><th>TP</th><th>FP</th><th>FN</th><th>TN</th></tr>${confusion.perClass
          .map((c) => `<tr><th>${escapeHtml(c.className)}</th><td>${c.tp}</td><td>${c.fp}</td><td>${c.fn}</td><td>${c.tn}</td></tr>`)
          .join('')}</table>`;
  const plots = results.plots
    .filter((plot) => plot.dataUrl)
    .map((plot) => `<figure><img alt="${escapeHtml(plot.name)}" src="${plot.dataUrl}"><figcaption>${escapeHtml(plot.name)}</figcaption></figure>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>Evaluation report ${escapeHtml(record.id)}</title>
<style>body{font:13px/1.4 system-ui,sans-serif;margin:24px;color:#111}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{text-align:left;background:#f1f3f5}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{font-weight:600}dd{margin:0;word-break:break-all}figure{display:inline-block;margin:0 12px 12px 0}img{max-width:320px}</style>
</head><body>
<h1>Model evaluation report</h1>
<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<h2>Metrics per class (${escapeHtml(PERFORMANCE_FILE)})</h2>
<table><tr><th>class</th>${metrics.metrics.map((m) => `<th>${escapeHtml(m)}</th>`).join('')}</tr>${metricRows}</table>
<h2>Confusion matrix</h2>
${confusionTable}
<h2>AUCMEDI's plots</h2>
${plots || '<p>None.</p>'}
</body></html>
`;
}
