import { useEffect, useMemo, useRef, useState } from 'react';
import type { EpochMetrics, ProgressState } from '../../../src/api';
import type { GpuChoice, RunRecord } from '../../../src/api/runs';
import { GpuPanel } from '../components/GpuPanel';
import { LineChart, formatValue, type ChartMarker, type ChartSeries } from '../components/LineChart';
import { LogPanel } from '../components/LogPanel';
import { OpenFolderButton } from '../components/OpenFolderButton';
import { Problem } from '../components/Problem';
import { RunProgress, STATE_BADGE, STATE_LABEL } from '../components/RunProgress';
import { useAppStore } from '../store';
import { isActive, resolveRedraws } from '../store/runs';

const COLORS = { train: '#5eb1ff', val: '#ffa657', lr: '#c39bff' };

function series(epochs: readonly EpochMetrics[], metric: string, label: string, color: string, dashed = false): ChartSeries | null {
  if (!epochs.some((e) => metric in e.metrics)) return null;
  return { key: metric, label, color, dashed, points: epochs.map((e) => ({ x: e.epoch, y: e.metrics[metric] ?? null })) };
}
const present = (list: (ChartSeries | null)[]) => list.filter((s): s is ChartSeries => s !== null);

export const gpuText = (gpus: GpuChoice) => (gpus.kind === 'none' ? 'CPU' : gpus.kind === 'all' ? 'all GPUs' : `GPU ${gpus.ids.join(', ')}`);

function Charts({ epochs, progress, model }: { epochs: readonly EpochMetrics[]; progress: ProgressState | null; model: number }) {
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
          Best so far: epoch {best.epoch}, {best.monitor} {formatValue(best.value)}. This is the model kept as <code>model.best_loss.keras</code>.
        </p>
      )}
    </div>
  );
}

function StopControl({ record }: { record: RunRecord }) {
  const [confirming, setConfirming] = useState(false);
  const stopRun = useAppStore((s) => s.stopRun);
  const stopError = useAppStore((s) => s.stopError);
  if (record.state === 'stopping') return <p className="muted">Stopping… AUCMEDI gets a few seconds to finish writing its files.</p>;
  if (!['preparing', 'running'].includes(record.state)) return null;
  return (
    <div className="stop-control">
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-labelledby="stop-question" data-testid="stop-confirm">
          <p id="stop-question">
            <strong>Stop this training now?</strong> It cannot be resumed. The models saved so far (the best one until now) are kept.
          </p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              autoFocus
              onClick={() => {
                setConfirming(false);
                void stopRun(record.id);
              }}
              data-testid="stop-yes"
            >
              Stop the training
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)} data-testid="stop-no">
              Keep training
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="danger" onClick={() => setConfirming(true)} data-testid="run-stop">
            Stop…
          </button>
        </div>
      )}
      {stopError && <Problem error={stopError} testId="stop-error" />}
    </div>
  );
}

function Processor({ record }: { record: RunRecord }) {
  const gpuReport = useAppStore((s) => s.gpuReport);
  const names = useMemo(() => new Map((gpuReport?.gpus ?? []).map((gpu) => [gpu.index, gpu.name])), [gpuReport]);
  return (
    <section className="card" aria-labelledby="run-processor-heading" data-testid="run-processor">
      <h2 id="run-processor-heading">Processor</h2>
      {record.gpus.kind === 'none' ? (
        <p data-testid="run-cpu">Running on the CPU. No GPU was chosen for this run, so each epoch takes longer.</p>
      ) : (
        <GpuPanel runId={record.id} names={names} />
      )}
    </section>
  );
}

function Results({ record }: { record: RunRecord }) {
  const last = [...record.epochs].reverse().find((e) => e.model === record.epochs[record.epochs.length - 1]?.model);
  const best = record.progress?.bestEpoch ?? null;
  const bestEpoch = best ? record.epochs.find((e) => e.model === best.model && e.epoch === best.epoch) : undefined;
  const names = Object.keys(last?.metrics ?? {}).filter((m) => m !== 'lr');
  return (
    <section className="card" aria-labelledby="run-results-heading" data-testid="run-results">
      <h2 id="run-results-heading">Results</h2>
      <dl className="facts">
        <dt>Output folder</dt>
        <dd>
          <code data-testid="run-output-dir">{record.outputDir}</code>
          <div className="open-folder">
            <OpenFolderButton runId={record.id} />
          </div>
        </dd>
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
            <span data-testid="run-model-files">No model was saved.</span>
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

export function RunPage() {
  const runId = useAppStore((s) => s.openRunId);
  const record = useAppStore((s) => (s.openRun && s.openRun.id === s.openRunId ? s.openRun : null));
  const error = useAppStore((s) => s.openRunError);
  const log = useAppStore((s) => (s.runLog && s.runLog.runId === s.openRunId ? s.runLog : null));
  const { loadRun, pollLog, goTo, saveRunLog } = useAppStore.getState();
  const [now, setNow] = useState(() => Date.now());
  const [model, setModel] = useState<number | null>(null);
  const [showLog, setShowLog] = useState<boolean | null>(null);
  const logRef = useRef<HTMLElement | null>(null);
  const active = record ? isActive(record.state) : false;

  useEffect(() => {
    if (runId) void loadRun(runId);
    return () => useAppStore.setState({ folderError: null });
  }, [runId, loadRun]);

  // The clock and the log: every second while the run is active, once more when it has ended.
  useEffect(() => {
    if (!record) return;
    let cancelled = false;
    if (!active) {
      // An ended run: read to the end of its log (a few reads at most; long logs only their last part).
      void (async () => {
        for (let i = 0; i < 20 && !cancelled && (await pollLog()); i += 1);
      })();
      return () => {
        cancelled = true;
      };
    }
    void pollLog();
    const timer = setInterval(() => {
      setNow(Date.now());
      void pollLog();
    }, 1000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [record?.id, active, pollLog]);

  if (!runId) {
    return (
      <section className="card">
        <p>No run is chosen.</p>
        <button type="button" onClick={() => goTo('runs')}>
          Go to the runs
        </button>
      </section>
    );
  }

  const models = record?.options.analysis === 'advanced' ? record.options.architectures : null;
  const shownModel = model ?? record?.progress?.model ?? 0;
  const logOpen = showLog ?? (active || record?.state === 'failed');
  const partial = log?.partial ? resolveRedraws(log.partial) : '';

  return (
    <>
      <header className="page-header">
        <button type="button" className="link back-link" onClick={() => goTo('runs')} data-testid="run-back">
          ← All runs
        </button>
        <h1>
          Training run{record ? `: ${record.options.architectures.join(' + ')}` : ''}
        </h1>
        {record && (
          <p className="muted">
            Started {new Date(record.createdAt).toLocaleString()} · {record.options.analysis} analysis · {record.options.epochs} epochs at most · batch size {record.options.batchSize} ·{' '}
            {gpuText(record.gpus)}
          </p>
        )}
      </header>
      {error && <Problem error={error} testId="run-error-load" />}
      {!record && !error && <p className="muted">Loading the run…</p>}
      {record && (
        <>
          <section className="card" aria-labelledby="run-state-heading" data-testid="run-status">
            <header className="card-header">
              <h2 id="run-state-heading">Status</h2>
              <span className={`badge ${STATE_BADGE[record.state]}`} data-testid="run-state" data-state={record.state}>
                {STATE_LABEL[record.state]}
              </span>
            </header>
            <RunProgress record={record} now={active ? now : Date.now()} />
            {active && (
              <div className="output-line">
                <p className="small">
                  Outputs go to <code data-testid="run-output-live">{record.outputDir}</code>
                </p>
                <OpenFolderButton runId={record.id} />
              </div>
            )}
            {record.error && record.state !== 'cancelled' && (
              <>
                <Problem error={record.error} testId="run-problem" />
                <div className="actions">
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      setShowLog(true);
                      setTimeout(() => logRef.current?.scrollIntoView({ behavior: 'smooth' }), 0);
                    }}
                    data-testid="run-show-log"
                  >
                    Show the full log
                  </button>
                </div>
              </>
            )}
            <StopControl record={record} />
          </section>

          {active && <Processor record={record} />}

          {(record.epochs.length > 0 || active) && (
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
              <Charts epochs={record.epochs} progress={record.progress} model={shownModel} />
            </section>
          )}

          {!active && <Results record={record} />}

          <section className="card" aria-labelledby="run-log-heading" ref={logRef}>
            <header className="card-header">
              <h2 id="run-log-heading">Console log</h2>
              <button type="button" className="secondary" onClick={() => setShowLog(!logOpen)} aria-expanded={logOpen} data-testid="run-log-toggle">
                {logOpen ? 'Hide' : 'Show the log'}
              </button>
            </header>
            {logOpen && log && (
              <LogPanel key={record.id} lines={log.lines} partial={partial} dropped={log.dropped} skipped={log.skippedBytes > 0} fullLogHint={`run.log in ${record.outputDir}`} onSave={() => saveRunLog(record.id)} />
            )}
            {!logOpen && <p className="muted small">What AUCMEDI printed, line by line; saved as run.log in the output folder.</p>}
          </section>

          <section className="card" aria-labelledby="run-details-heading">
            <details>
              <summary>
                <h2 id="run-details-heading" className="inline-heading">
                  Details for the record
                </h2>
              </summary>
              <dl className="facts">
                <dt>Run</dt>
                <dd>
                  <code>{record.id}</code>
                </dd>
                <dt>Dataset</dt>
                <dd>
                  <code>{record.dataset.path}</code>
                  {record.dataset.gtFile && (
                    <>
                      {' '}
                      + <code>{record.dataset.gtFile}</code>
                    </>
                  )}
                </dd>
                <dt>Image</dt>
                <dd>
                  <code>{record.imageRef}</code>
                </dd>
                <dt>Command</dt>
                <dd>
                  <code>aucmedi {record.command.join(' ')}</code>
                </dd>
                <dt>Output folder</dt>
                <dd>
                  <code>{record.outputDir}</code>
                </dd>
              </dl>
            </details>
          </section>
        </>
      )}
    </>
  );
}
