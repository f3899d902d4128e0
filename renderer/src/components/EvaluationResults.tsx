import { useEffect, useState } from 'react';
import type { PerformanceMetrics, UserError } from '../../../src/api';
import { repeatabilityNote } from '../../../src/api/repeatability';
import type { EvaluationRecord } from '../../../src/api/runs';
import { useAppStore } from '../store';
import { ConfusionView } from './ConfusionView';
import { formatValue } from './LineChart';
import { Problem } from './Problem';
import { RocChart } from './RocChart';
import { OutputFolderFact } from './OpenFolderButton';

/** What the usual metric names mean, for the column headers. */
const METRIC_MEANING: Record<string, string> = {
  TP: 'True positives: images of this class predicted as this class.',
  FP: 'False positives: images of other classes predicted as this class.',
  TN: 'True negatives: images of other classes not predicted as this class.',
  FN: 'False negatives: images of this class predicted as another class.',
  Sensitivity: 'Of the images of this class, the share found (recall, true positive rate).',
  Specificity: 'Of the images of other classes, the share correctly not given this class.',
  Precision: 'Of the images predicted as this class, the share that really are (positive predictive value).',
  FDR: 'False discovery rate: of the images predicted as this class, the share that are not.',
  FPR: 'False positive rate: 1 − specificity.',
  FNR: 'False negative rate: 1 − sensitivity.',
  Accuracy: 'The share of all images judged right for this class (yes or no).',
  F1: 'The balance of precision and sensitivity (1 is perfect).',
  AUC: 'Area under the ROC curve: 1 is perfect, 0.5 is chance.',
};

const sampleList = (samples: string[]) => `${samples.slice(0, 5).join(', ')}${samples.length > 5 ? `, and ${samples.length - 5} more` : ''}`;

function MetricsTable({ metrics }: { metrics: PerformanceMetrics }) {
  return (
    <div className="table-scroll">
      <table className="table metrics-table" data-testid="evaluation-metrics">
        <thead>
          <tr>
            <th>Class</th>
            {metrics.metrics.map((name) => (
              <th key={name} title={METRIC_MEANING[name]} data-testid="metric-name">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {metrics.rows.map((row) => (
            <tr key={row.className} data-testid="metrics-row" data-class={row.className}>
              <th scope="row">{row.className}</th>
              {metrics.metrics.map((name) => (
                <td key={name} className="number">
                  {formatValue(row.metrics[name] ?? null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A finished evaluation: the scores per class, the confusion matrix, ROC curves, AUCMEDI's plots and the report. */
export function EvaluationResultsView({ record }: { record: EvaluationRecord }) {
  const results = useAppStore((s) => (s.evaluationResults?.runId === record.id ? s.evaluationResults.results : null));
  const error = useAppStore((s) => (s.evaluationResultsError?.runId === record.id ? s.evaluationResultsError.error : null));
  const { loadEvaluationResults, exportReport } = useAppStore.getState();
  const [saved, setSaved] = useState<{ path: string } | { error: UserError } | null>(null);
  const [saving, setSaving] = useState(false);
  const [enlarged, setEnlarged] = useState<string | null>(null);

  useEffect(() => {
    void loadEvaluationResults(record.id);
  }, [record.id, loadEvaluationResults]);

  const save = async () => {
    setSaving(true);
    const response = await exportReport(record.id);
    setSaving(false);
    if (!response.ok) setSaved({ error: response.error });
    else setSaved(response.data.path ? { path: response.data.path } : null);
  };

  if (error) return <Problem error={error} testId="evaluation-error" />;
  if (!results) return <p className="muted">Reading the scores…</p>;
  const { confusion } = results;
  return (
    <>
      <section className="card" aria-labelledby="evaluation-scores-heading" data-testid="evaluation-results">
        <header className="card-header">
          <h2 id="evaluation-scores-heading">Scores per class</h2>
          <span className="muted" data-testid="evaluation-matched">
            {confusion.matched.toLocaleString()} images scored
          </span>
        </header>
        <p className="muted small">As AUCMEDI computed them ({record.results?.metricsFile ?? 'metrics.performance.csv'}). Hover a column name for its meaning.</p>
        {repeatabilityNote(record.model, 'evaluation') && (
          <p className="muted small" data-testid="evaluation-repeatability">
            {repeatabilityNote(record.model, 'evaluation')}
          </p>
        )}
        {confusion.withoutGroundTruth.length > 0 && (
          <p className="hint warn" data-testid="evaluation-without-truth">
            {confusion.withoutGroundTruth.length} predicted {confusion.withoutGroundTruth.length === 1 ? 'image has' : 'images have'} no label and {confusion.withoutGroundTruth.length === 1 ? 'was' : 'were'} not scored: {sampleList(confusion.withoutGroundTruth)}.
          </p>
        )}
        {confusion.withoutPrediction.length > 0 && (
          <p className="hint warn" data-testid="evaluation-without-prediction">
            {confusion.withoutPrediction.length} labelled {confusion.withoutPrediction.length === 1 ? 'image has' : 'images have'} no prediction and {confusion.withoutPrediction.length === 1 ? 'was' : 'were'} not scored: {sampleList(confusion.withoutPrediction)}.
          </p>
        )}
        <MetricsTable metrics={results.metrics} />
      </section>

      <section className="card" aria-labelledby="evaluation-confusion-heading">
        <h2 id="evaluation-confusion-heading">Confusion matrix</h2>
        <ConfusionView confusion={confusion} />
      </section>

      <section className="card" aria-labelledby="evaluation-roc-heading">
        <h2 id="evaluation-roc-heading">ROC curves</h2>
        <p className="muted small">
          For each class: how many of its images are found (up) against how many other images are wrongly given the class (right), as the probability needed to say &ldquo;this class&rdquo; goes down. The closer a curve runs
          to the top left corner, the better; the dashed diagonal is guessing. Hover a curve to read a point.
        </p>
        <RocChart curves={results.roc} />
      </section>

      <section className="card" aria-labelledby="evaluation-plots-heading">
        <h2 id="evaluation-plots-heading">AUCMEDI&apos;s plots</h2>
        <p className="muted small">The figures AUCMEDI drew itself, shown as they are in the output folder. Click one to see it larger.</p>
        <div className="plots">
          {results.plots.map((plot) => (
            <figure key={plot.name} className={enlarged === plot.name ? 'plot enlarged' : 'plot'}>
              {plot.dataUrl ? (
                <button type="button" className="plot-button" onClick={() => setEnlarged(enlarged === plot.name ? null : plot.name)} aria-expanded={enlarged === plot.name} aria-label={`${plot.name}: ${enlarged === plot.name ? 'smaller' : 'larger'}`}>
                  <img src={plot.dataUrl} alt={plot.name} data-testid="evaluation-plot" />
                </button>
              ) : (
                <span className="thumb-placeholder">not readable</span>
              )}
              <figcaption className="muted small">{plot.name}</figcaption>
            </figure>
          ))}
          {results.plots.length === 0 && <p className="muted">AUCMEDI drew no plots.</p>}
        </div>
      </section>

      <section className="card" aria-labelledby="evaluation-files-heading" data-testid="run-results">
        <h2 id="evaluation-files-heading">Files and report</h2>
        <dl className="facts">
          <OutputFolderFact record={record} />
          <dt>Step 1</dt>
          <dd>
            <code>{record.results?.predictions ?? 'prediction/preds.csv'}</code>: the predictions, as AUCMEDI wrote them
          </dd>
          <dt>Step 2</dt>
          <dd>
            <code>{record.results?.metricsFile ?? 'evaluation/metrics.performance.csv'}</code> and the plots
          </dd>
        </dl>
        <p className="muted small">The report is one HTML page for the records: the model, the labelled set with its fingerprint, the commands, the scores, the confusion matrix and the plots.</p>
        <div className="actions">
          <button type="button" onClick={() => void save()} disabled={saving} data-testid="export-report">
            Export report (HTML)…
          </button>
        </div>
        {saved && 'path' in saved && (
          <p className="small" role="status" data-testid="report-saved">
            Saved to <code>{saved.path}</code>
          </p>
        )}
        {saved && 'error' in saved && <Problem error={saved.error} testId="report-error" />}
      </section>
    </>
  );
}
