import { useEffect, useState } from 'react';
import type { PerformanceMetrics } from '../../../src/api';
import { Trans } from 'react-i18next';
import { repeatabilityMessage } from '../../../src/api/repeatability';
import type { EvaluationRecord } from '../../../src/api/runs';
import { useMessage, useT, useValue } from '../i18n';
import { useAppStore } from '../store';
import { ConfusionView } from './ConfusionView';
import { ExportButton } from './ExportButton';
import { Problem } from './Problem';
import { RocChart } from './RocChart';
import { OutputFolderFact } from './OpenFolderButton';

/** The usual metric names, whose meaning the column headers give (apply:metrics.<name>). */
const KNOWN_METRICS = new Set(['TP', 'FP', 'TN', 'FN', 'Sensitivity', 'Specificity', 'Precision', 'FDR', 'FPR', 'FNR', 'Accuracy', 'F1', 'AUC']);

/** The first five samples, and how many more. */
function useSampleList(): (samples: string[]) => string {
  const t = useT();
  return (samples) => (samples.length > 5 ? t('apply:evaluation.sampleListMore', { samples: samples.slice(0, 5).join(', '), count: samples.length - 5 }) : samples.join(', '));
}

function MetricsTable({ metrics }: { metrics: PerformanceMetrics }) {
  const t = useT();
  const formatValue = useValue();
  return (
    <div className="table-scroll">
      <table className="table metrics-table" data-testid="evaluation-metrics">
        <thead>
          <tr>
            <th>{t('apply:evaluation.class')}</th>
            {metrics.metrics.map((name) => (
              <th key={name} title={KNOWN_METRICS.has(name) ? t(`apply:metrics.${name}`) : undefined} data-testid="metric-name">
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
  const t = useT();
  const render = useMessage();
  const sampleList = useSampleList();
  const results = useAppStore((s) => (s.evaluationResults?.runId === record.id ? s.evaluationResults.results : null));
  const error = useAppStore((s) => (s.evaluationResultsError?.runId === record.id ? s.evaluationResultsError.error : null));
  const { loadEvaluationResults, exportReport } = useAppStore.getState();
  const [enlarged, setEnlarged] = useState<string | null>(null);

  useEffect(() => {
    void loadEvaluationResults(record.id);
  }, [record.id, loadEvaluationResults]);

  if (error) return <Problem error={error} testId="evaluation-error" />;
  if (!results) return <p className="muted">{t('apply:evaluation.reading')}</p>;
  const { confusion } = results;
  const repeatability = repeatabilityMessage(record.model, 'evaluation');
  return (
    <>
      <section className="card" aria-labelledby="evaluation-scores-heading" data-testid="evaluation-results">
        <header className="card-header">
          <h2 id="evaluation-scores-heading">{t('apply:evaluation.scoresHeading')}</h2>
          <span className="muted" data-testid="evaluation-matched">
            {t('apply:evaluation.matched', { count: confusion.matched })}
          </span>
        </header>
        <p className="muted small">{t('apply:evaluation.asComputed', { file: record.results?.metricsFile ?? 'metrics.performance.csv' })}</p>
        {repeatability && (
          <p className="muted small" data-testid="evaluation-repeatability">
            {render(repeatability)}
          </p>
        )}
        {confusion.withoutGroundTruth.length > 0 && (
          <p className="hint warn" data-testid="evaluation-without-truth">
            {t('apply:evaluation.withoutTruth', { count: confusion.withoutGroundTruth.length, samples: sampleList(confusion.withoutGroundTruth) })}
          </p>
        )}
        {confusion.withoutPrediction.length > 0 && (
          <p className="hint warn" data-testid="evaluation-without-prediction">
            {t('apply:evaluation.withoutPrediction', { count: confusion.withoutPrediction.length, samples: sampleList(confusion.withoutPrediction) })}
          </p>
        )}
        <MetricsTable metrics={results.metrics} />
      </section>

      <section className="card" aria-labelledby="evaluation-confusion-heading">
        <h2 id="evaluation-confusion-heading">{t('apply:evaluation.confusionHeading')}</h2>
        <ConfusionView confusion={confusion} />
      </section>

      <section className="card" aria-labelledby="evaluation-roc-heading">
        <h2 id="evaluation-roc-heading">{t('apply:evaluation.rocHeading')}</h2>
        <p className="muted small">{t('apply:evaluation.rocExplain')}</p>
        <RocChart curves={results.roc} />
      </section>

      <section className="card" aria-labelledby="evaluation-plots-heading">
        <h2 id="evaluation-plots-heading">{t('apply:evaluation.plotsHeading')}</h2>
        <p className="muted small">{t('apply:evaluation.plotsExplain')}</p>
        <div className="plots">
          {results.plots.map((plot) => (
            <figure key={plot.name} className={enlarged === plot.name ? 'plot enlarged' : 'plot'}>
              {plot.dataUrl ? (
                <button type="button" className="plot-button" onClick={() => setEnlarged(enlarged === plot.name ? null : plot.name)} aria-expanded={enlarged === plot.name} aria-label={enlarged === plot.name ? t('apply:evaluation.plotSmaller', { name: plot.name }) : t('apply:evaluation.plotLarger', { name: plot.name })}>
                  <img src={plot.dataUrl} alt={plot.name} data-testid="evaluation-plot" />
                </button>
              ) : (
                <span className="thumb-placeholder">{t('apply:evaluation.notReadable')}</span>
              )}
              <figcaption className="muted small">{plot.name}</figcaption>
            </figure>
          ))}
          {results.plots.length === 0 && <p className="muted">{t('apply:evaluation.noPlots')}</p>}
        </div>
      </section>

      <section className="card" aria-labelledby="evaluation-files-heading" data-testid="run-results">
        <h2 id="evaluation-files-heading">{t('apply:evaluation.filesHeading')}</h2>
        <dl className="facts">
          <OutputFolderFact record={record} />
          <dt>{t('apply:evaluation.step1')}</dt>
          <dd>
            <Trans t={t} i18nKey="apply:evaluation.step1File" values={{ file: record.results?.predictions ?? 'prediction/preds.csv' }} components={{ code: <code /> }} />
          </dd>
          <dt>{t('apply:evaluation.step2')}</dt>
          <dd>
            <Trans t={t} i18nKey="apply:evaluation.step2File" values={{ file: record.results?.metricsFile ?? 'evaluation/metrics.performance.csv' }} components={{ code: <code /> }} />
          </dd>
        </dl>
        <p className="muted small">{t('apply:evaluation.reportExplain')}</p>
        <ExportButton
          label={t('apply:evaluation.exportReport')}
          testIds={{ button: 'export-report', saved: 'report-saved', error: 'report-error' }}
          action={() => exportReport(record.id)}
          saved={(path) => <Trans t={t} i18nKey="apply:predictions.savedTo" values={{ path }} components={{ code: <code /> }} />}
        />
      </section>
    </>
  );
}
