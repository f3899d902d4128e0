import { useMemo, useState } from 'react';
import type { EpochMetrics, ProgressState } from '../../../src/api';
import type { TrainingRecord } from '../../../src/api/runs';
import { LineChart, type ChartMarker, type ChartSeries } from '../components/LineChart';
import { OutputFolderFact } from '../components/OpenFolderButton';
import { Trans } from 'react-i18next';
import { invoke } from '../bridge';
import { ExportButton } from '../components/ExportButton';
import { useT, useValue } from '../i18n';

/** The file AUCMEDI's checkpoint keeps the best model in (a file name, not translated). */
const BEST_LOSS_FILE = 'model.best_loss.keras';

const COLORS = { train: '#5eb1ff', val: '#ffa657', lr: '#c39bff' };

function series(epochs: readonly EpochMetrics[], metric: string, label: string, color: string, dashed = false): ChartSeries | null {
  if (!epochs.some((e) => metric in e.metrics)) return null;
  return { key: metric, label, color, dashed, points: epochs.map((e) => ({ x: e.epoch, y: e.metrics[metric] ?? null })) };
}
const present = (list: (ChartSeries | null)[]) => list.filter((s): s is ChartSeries => s !== null);

function Charts({ epochs, progress, model, advanced }: { epochs: readonly EpochMetrics[]; progress: ProgressState | null; model: number; advanced: boolean }) {
  const t = useT();
  const formatValue = useValue();
  const ofModel = useMemo(() => epochs.filter((e) => e.model === model), [epochs, model]);
  const loss = useMemo(() => present([series(ofModel, 'loss', t('runsPage:curves.lossTraining'), COLORS.train), series(ofModel, 'val_loss', t('runsPage:curves.valLoss'), COLORS.val, true)]), [ofModel, t]);
  const auc = useMemo(() => present([series(ofModel, 'auc', t('runsPage:curves.aucTraining'), COLORS.train), series(ofModel, 'val_auc', t('runsPage:curves.valAuc'), COLORS.val, true)]), [ofModel, t]);
  const lr = useMemo(() => present([series(ofModel, 'lr', t('runsPage:curves.learningRate'), COLORS.lr)]), [ofModel, t]);
  const best = progress?.bestEpoch && progress.bestEpoch.model === model ? progress.bestEpoch : null;
  const markers = useMemo<ChartMarker[]>(() => {
    const list: ChartMarker[] = [];
    const firstFineTuning = ofModel.find((e) => e.phase === 'fine-tuning');
    if (firstFineTuning && ofModel[0]?.phase === 'frozen') list.push({ x: firstFineTuning.epoch - 0.5, label: t('runsPage:curves.fineTuning'), color: '#7d8da3' });
    if (best) list.push({ x: best.epoch, label: t('runsPage:curves.best', { epoch: best.epoch }), color: '#ffd166' });
    return list;
  }, [ofModel, best, t]);
  return (
    <div className="charts" data-testid="run-charts">
      <LineChart title={t('runsPage:curves.lossTitle')} series={loss} markers={markers} testId="chart-loss" emptyText={t('runsPage:curves.noEpochYet')} />
      <LineChart title={t('runsPage:curves.aucTitle')} series={auc} markers={markers} testId="chart-auc" emptyText={t('runsPage:curves.noEpochYet')} />
      {lr.length > 0 && <LineChart title={t('runsPage:curves.lrTitle')} series={lr} log markers={markers} height={180} testId="chart-lr" />}
      {best && (
        <p className="muted small" data-testid="best-epoch">
          {t('runsPage:curves.bestSoFar', { epoch: best.epoch, monitor: best.monitor, value: formatValue(best.value) })}{' '}
          {advanced ? (
            // composite.py: the fold's checkpoint is in a temporary folder until every fold is done
            t('runsPage:curves.bestAdvanced')
          ) : (
            <>
              {t('runsPage:curves.bestKeptAs')} <code>{BEST_LOSS_FILE}</code>
              {t('runsPage:curves.bestKeptAsAfter')}
            </>
          )}
        </p>
      )}
    </div>
  );
}


/** The learning curves of a training run (one model at a time for the advanced analysis). */
export function LearningCurves({ record }: { record: TrainingRecord }) {
  const t = useT();
  const [model, setModel] = useState<number | null>(null);
  const models = record.options.analysis === 'advanced' ? record.options.architectures : null;
  const shownModel = model ?? record.progress?.model ?? 0;
  return (
    <section className="card" aria-labelledby="run-charts-heading">
      <header className="card-header">
        <h2 id="run-charts-heading">{t('runsPage:curves.heading')}</h2>
        {models && models.length > 1 && (
          <label className="inline-select">
            {t('runsPage:curves.model')}{' '}
            <select value={shownModel} onChange={(event) => setModel(Number(event.target.value))}>
              {models.map((key, i) => (
                <option key={key} value={i}>
                  {i + 1}: {key}
                </option>
              ))}
            </select>
          </label>
        )}
      </header>
      <p className="muted small">{t('runsPage:curves.explanation')}</p>
      <Charts epochs={record.epochs} progress={record.progress} model={shownModel} advanced={record.options.analysis === 'advanced'} />
      <ExportButton
        label={t('runsPage:curves.export')}
        className="secondary"
        disabled={record.epochs.length === 0}
        testIds={{ button: 'curves-export', saved: 'curves-exported', error: 'curves-export-error' }}
        action={() => invoke('runs:export-curves', { runId: record.id })}
        saved={(path) => <Trans t={t} i18nKey="runsPage:curves.exportedTo" values={{ path }} components={{ code: <code /> }} />}
      />
    </section>
  );
}

export function TrainingResults({ record }: { record: TrainingRecord }) {
  const t = useT();
  const formatValue = useValue();
  const last = [...record.epochs].reverse().find((e) => e.model === record.epochs[record.epochs.length - 1]?.model);
  const best = record.progress?.bestEpoch ?? null;
  const bestEpoch = best ? record.epochs.find((e) => e.model === best.model && e.epoch === best.epoch) : undefined;
  const names = Object.keys(last?.metrics ?? {}).filter((m) => m !== 'lr');
  return (
    <section className="card" aria-labelledby="run-results-heading" data-testid="run-results">
      <h2 id="run-results-heading">{t('runsPage:results.heading')}</h2>
      <dl className="facts">
        <OutputFolderFact record={record} />
        <dt>{t('runsPage:results.modelFiles')}</dt>
        <dd>
          {record.modelFiles.length ? (
            <ul className="plain-list" data-testid="run-model-files">
              {record.modelFiles.map((file) => (
                <li key={file}>
                  <code>{file}</code>
                </li>
              ))}
            </ul>
          ) : (
            <span data-testid="run-model-files">
              {record.state === 'cancelled' && record.options.analysis === 'advanced' ? t('runsPage:results.noModelAdvanced') : t('runsPage:results.noModel')}
            </span>
          )}
        </dd>
        {record.classNames.length > 0 && (
          <>
            <dt>{t('runsPage:results.classes')}</dt>
            <dd data-testid="run-classes">{record.classNames.join(', ')}</dd>
          </>
        )}
      </dl>
      {last && names.length > 0 && (
        <table className="table metrics-table" data-testid="run-final-metrics">
          <thead>
            <tr>
              <th>{t('runsPage:results.epoch')}</th>
              {names.map((n) => (
                <th key={n}>{n}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>{t('runsPage:results.last', { epoch: last.epoch })}</td>
              {names.map((n) => (
                <td key={n}>{formatValue(last.metrics[n])}</td>
              ))}
            </tr>
            {bestEpoch && bestEpoch !== last && (
              <tr>
                <td>{t('runsPage:results.best', { epoch: bestEpoch.epoch })}</td>
                {names.map((n) => (
                  <td key={n}>{formatValue(bestEpoch.metrics[n])}</td>
                ))}
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

