import { useMemo, useState } from 'react';
import type { EpochMetrics, ProgressState } from '../../../src/api';
import type { TrainingRecord } from '../../../src/api/runs';
import { LineChart, formatValue, type ChartMarker, type ChartSeries } from '../components/LineChart';
import { OutputFolderFact } from '../components/OpenFolderButton';

const COLORS = { train: '#5eb1ff', val: '#ffa657', lr: '#c39bff' };

function series(epochs: readonly EpochMetrics[], metric: string, label: string, color: string, dashed = false): ChartSeries | null {
  if (!epochs.some((e) => metric in e.metrics)) return null;
  return { key: metric, label, color, dashed, points: epochs.map((e) => ({ x: e.epoch, y: e.metrics[metric] ?? null })) };
}
const present = (list: (ChartSeries | null)[]) => list.filter((s): s is ChartSeries => s !== null);

function Charts({ epochs, progress, model, advanced }: { epochs: readonly EpochMetrics[]; progress: ProgressState | null; model: number; advanced: boolean }) {
  const ofModel = useMemo(() => epochs.filter((e) => e.model === model), [epochs, model]);
  const loss = useMemo(() => present([series(ofModel, 'loss', 'loss (training)', COLORS.train), series(ofModel, 'val_loss', 'val_loss (validation)', COLORS.val, true)]), [ofModel]);
  const auc = useMemo(() => present([series(ofModel, 'auc', 'auc (training)', COLORS.train), series(ofModel, 'val_auc', 'val_auc (validation)', COLORS.val, true)]), [ofModel]);
  const lr = useMemo(() => present([series(ofModel, 'lr', 'learning rate', COLORS.lr)]), [ofModel]);
  const best = progress?.bestEpoch && progress.bestEpoch.model === model ? progress.bestEpoch : null;
  const markers = useMemo<ChartMarker[]>(() => {
    const list: ChartMarker[] = [];
    const firstFineTuning = ofModel.find((e) => e.phase === 'fine-tuning');
    if (firstFineTuning && ofModel[0]?.phase === 'frozen') list.push({ x: firstFineTuning.epoch - 0.5, label: 'fine-tuning', color: '#7d8da3' });
    if (best) list.push({ x: best.epoch, label: `best ${best.epoch}`, color: '#ffd166' });
    return list;
  }, [ofModel, best]);
  return (
    <div className="charts" data-testid="run-charts">
      <LineChart title="Loss (lower is better)" series={loss} markers={markers} testId="chart-loss" emptyText="The first epoch has not finished yet." />
      <LineChart title="AUC (higher is better, 1 is perfect)" series={auc} markers={markers} testId="chart-auc" emptyText="The first epoch has not finished yet." />
      {lr.length > 0 && <LineChart title="Learning rate" series={lr} log markers={markers} height={180} testId="chart-lr" />}
      {best && (
        <p className="muted small" data-testid="best-epoch">
          Best so far: epoch {best.epoch}, {best.monitor} {formatValue(best.value)}.{' '}
          {advanced ? (
            // composite.py: the fold's checkpoint is in a temporary folder until every fold is done
            <>AUCMEDI keeps it as this fold&rsquo;s model in a temporary folder, copied into the output folder only when all folds are done.</>
          ) : (
            <>
              This is the model kept as <code>model.best_loss.keras</code>.
            </>
          )}
        </p>
      )}
    </div>
  );
}


/** The learning curves of a training run (one model at a time for the advanced analysis). */
export function LearningCurves({ record }: { record: TrainingRecord }) {
  const [model, setModel] = useState<number | null>(null);
  const models = record.options.analysis === 'advanced' ? record.options.architectures : null;
  const shownModel = model ?? record.progress?.model ?? 0;
  return (
    <section className="card" aria-labelledby="run-charts-heading">
      <header className="card-header">
        <h2 id="run-charts-heading">Learning curves</h2>
        {models && models.length > 1 && (
          <label className="inline-select">
            Model{' '}
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
      <p className="muted small">
        Solid lines: the images the model learns from. Dashed: the validation images it never learns from; when these stop improving while the solid lines still do, the model starts to memorise. Hover over a chart (or
        focus it and use the arrow keys) to read the values of an epoch.
      </p>
      <Charts epochs={record.epochs} progress={record.progress} model={shownModel} advanced={record.options.analysis === 'advanced'} />
    </section>
  );
}

export function TrainingResults({ record }: { record: TrainingRecord }) {
  const last = [...record.epochs].reverse().find((e) => e.model === record.epochs[record.epochs.length - 1]?.model);
  const best = record.progress?.bestEpoch ?? null;
  const bestEpoch = best ? record.epochs.find((e) => e.model === best.model && e.epoch === best.epoch) : undefined;
  const names = Object.keys(last?.metrics ?? {}).filter((m) => m !== 'lr');
  return (
    <section className="card" aria-labelledby="run-results-heading" data-testid="run-results">
      <h2 id="run-results-heading">Results</h2>
      <dl className="facts">
        <OutputFolderFact record={record} />
        <dt>Model files</dt>
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
            <span data-testid="run-model-files">No model was saved{record.state === 'cancelled' && record.options.analysis === 'advanced' ? ' (an advanced run keeps no model when stopped)' : ''}.</span>
          )}
        </dd>
        {record.classNames.length > 0 && (
          <>
            <dt>Classes</dt>
            <dd data-testid="run-classes">{record.classNames.join(', ')}</dd>
          </>
        )}
      </dl>
      {last && names.length > 0 && (
        <table className="table metrics-table" data-testid="run-final-metrics">
          <thead>
            <tr>
              <th>Epoch</th>
              {names.map((n) => (
                <th key={n}>{n}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>{last.epoch} (last)</td>
              {names.map((n) => (
                <td key={n}>{formatValue(last.metrics[n])}</td>
              ))}
            </tr>
            {bestEpoch && bestEpoch !== last && (
              <tr>
                <td>{bestEpoch.epoch} (best)</td>
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

