import { useMemo } from 'react';
import type { TrainingRecord } from '../../../src/api/runs';
import { LineChart, type ChartSeries } from './LineChart';
import { useFormat, useT } from '../i18n';

export const COMPARE_COLORS = ['#5eb1ff', '#ffa657', '#4cc38a', '#c39bff'];

function series(run: TrainingRecord, n: number, metric: string, dashed = false): ChartSeries | null {
  // An advanced run trains one model after another; its first model stands for it here.
  const epochs = run.epochs.filter((e) => e.model === 0 && metric in e.metrics);
  if (!epochs.length) return null;
  return { key: `${run.id}:${metric}`, label: `#${n} ${metric}`, color: COMPARE_COLORS[(n - 1) % COMPARE_COLORS.length]!, dashed, points: epochs.map((e) => ({ x: e.epoch, y: e.metrics[metric] ?? null })) };
}

/** The learning curves of a few runs on shared charts, each run in its own colour. */
export function CompareChart({ runs }: { runs: readonly TrainingRecord[] }) {
  const t = useT();
  const format = useFormat();
  const loss = useMemo(() => runs.flatMap((run, i) => [series(run, i + 1, 'val_loss'), series(run, i + 1, 'loss', true)]).filter((s): s is ChartSeries => s !== null), [runs]);
  const auc = useMemo(() => runs.map((run, i) => series(run, i + 1, 'val_auc')).filter((s): s is ChartSeries => s !== null), [runs]);
  return (
    <div className="charts" data-testid="compare-charts">
      <ol className="compare-legend" aria-label={t('runsPage:compareChart.legend')}>
        {runs.map((run, i) => (
          <li key={run.id} data-testid="compare-legend-item" data-run-id={run.id}>
            <span className="compare-swatch" style={{ background: COMPARE_COLORS[i % COMPARE_COLORS.length] }} aria-hidden="true" />
            <strong>#{i + 1}</strong> {run.options.architectures.join(' + ')} · {run.dataset.path.split(/[\\/]/).filter(Boolean).pop()} · {format.dateTime(run.createdAt)} ·{' '}
            <span className="muted">
              {t('runsPage:compareChart.epochsRun', { state: t(`runsPage:state.${run.state}`), count: run.epochs.filter((e) => e.model === 0).length })} <code>{run.id}</code>
            </span>
          </li>
        ))}
      </ol>
      <LineChart title={t('runsPage:compareChart.lossTitle')} series={loss} testId="compare-loss" emptyText={t('runsPage:compareChart.noEpoch')} />
      <LineChart title={t('runsPage:compareChart.aucTitle')} series={auc} testId="compare-auc" emptyText={t('runsPage:compareChart.noAuc')} />
    </div>
  );
}
