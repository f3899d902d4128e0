import { Fragment, useEffect, useState } from 'react';
import { epochsText, trainedEpochs } from '../../../src/api/epochs';
import type { ModelChoice, QueueEntry, RecordedGpus, RunSummary } from '../../../src/api/runs';
import { CompareChart } from '../components/CompareChart';
import { formatValue } from '../components/LineChart';
import { ModelLink } from '../components/ModelLink';
import { OpenFolderButton } from '../components/OpenFolderButton';
import { Problem } from '../components/Problem';
import { MODE_LABEL, STATE_BADGE, STATE_LABEL } from '../components/RunProgress';
import { useAppStore } from '../store';
import { COMPARE_LIMIT } from '../store/runs';

const comparable = (run: RunSummary) => run.mode === 'training' && run.state !== 'preparing';
const folderName = (dir: string) => dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
const inputOf = (run: RunSummary) => (run.mode === 'prediction' ? run.images.path : run.dataset.path);

/** What a run came to: the best val_loss and epochs of a training, the images a prediction or evaluation went through. */
function Outcome({ run }: { run: RunSummary }) {
  if (run.mode === 'training') {
    return (
      <>
        <td>{formatValue(run.bestValLoss)}</td>
        <td>{run.lastEpoch ? `${run.lastEpoch.epoch} of ${trainedEpochs(run.options.epochs)}` : '–'}</td>
      </>
    );
  }
  const text = !run.results
    ? '–'
    : run.mode === 'prediction'
      ? `${run.results.samples.toLocaleString()} images classified${run.results.heatMaps ? ', with heat maps' : ''}`
      : `${run.results.samples.toLocaleString()} images scored`;
  return <td colSpan={2}>{text}</td>;
}

/** The history of all runs, newest first; a row opens its run. */
export function RunsPage() {
  const runs = useAppStore((s) => s.runs);
  const error = useAppStore((s) => s.runsError);
  const deleteError = useAppStore((s) => s.deleteError);
  const folderError = useAppStore((s) => s.folderError);
  const setAside = useAppStore((s) => s.setAsideRecords);
  const compareIds = useAppStore((s) => s.compareIds);
  const queue = useAppStore((s) => s.queue);
  const { loadRuns, loadQueue, showRun, goTo, toggleCompare } = useAppStore.getState();
  const canCompare = (runs?.filter(comparable).length ?? 0) >= 2;

  useEffect(() => {
    void loadRuns();
    void loadQueue();
    return () => useAppStore.setState({ folderError: null, queueError: null });
  }, [loadRuns, loadQueue]);

  return (
    <>
      <header className="page-header">
        <h1>Runs</h1>
        <p className="muted">Every training, prediction and evaluation started on this computer, newest first. Open one to see its progress, its results, its log and where its files are.</p>
      </header>
      {error && <Problem error={error} testId="runs-error" />}
      {deleteError && <Problem error={deleteError} testId="runs-delete-error" />}
      {folderError && <Problem error={folderError.error} testId="runs-folder-error" />}
      {setAside.length > 0 && (
        <div data-testid="runs-set-aside">
          <Problem
            tone="warning"
            error={{
              message: `${setAside.length === 1 ? 'One run record' : `${setAside.length} run records`} could not be read, so ${setAside.length === 1 ? 'it was' : 'they were'} set aside; the other runs are listed as usual.`,
              action: 'Nothing is lost: the files were kept under a new name (below). Send them to IT if the runs matter, or delete them.',
              detail: setAside.map((record) => `${record.reason} Kept as ${record.file}`).join('\n'),
            }}
          />
          <button type="button" onClick={() => useAppStore.getState().dismissSetAside()}>Dismiss</button>
        </div>
      )}
      {queue && queue.length > 0 && <Queue queue={queue} />}
      {canCompare && <Compare />}
      <section className="card">
        {runs === null ? (
          <p className="muted">Loading…</p>
        ) : runs.length === 0 ? (
          <>
            <p className="lead">Nothing has been started yet.</p>
            <div className="actions">
              <button type="button" onClick={() => goTo('train')}>
                Go to Train
              </button>
            </div>
          </>
        ) : (
          <table className="table runs-table" data-testid="runs-table">
            <thead>
              <tr>
                {canCompare && <th>Compare</th>}
                <th>State</th>
                <th>Mode</th>
                <th>Input</th>
                <th>Model</th>
                <th>Best val_loss</th>
                <th>Last epoch</th>
                <th>Started</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const input = inputOf(run);
                const architectures = (run.mode === 'training' ? run.options.architectures : run.model.architectures).join(' + ');
                return (
                  <tr key={run.id} className="clickable" onClick={() => showRun(run.id)} data-testid="runs-row" data-run-id={run.id} data-mode={run.mode}>
                    {canCompare && (
                      <td onClick={(event) => event.stopPropagation()}>
                        {comparable(run) && (
                          <input
                            type="checkbox"
                            className="compare-tick"
                            checked={compareIds.includes(run.id)}
                            disabled={!compareIds.includes(run.id) && compareIds.length >= COMPARE_LIMIT}
                            onChange={() => toggleCompare(run.id)}
                            aria-label={`Compare the ${architectures} run of ${new Date(run.createdAt).toLocaleString()}`}
                            data-testid="runs-compare-tick"
                          />
                        )}
                      </td>
                    )}
                    <td>
                      <span className={`badge ${STATE_BADGE[run.state]}`}>{STATE_LABEL[run.state]}</span>
                    </td>
                    <td data-testid="runs-mode">{MODE_LABEL[run.mode]}</td>
                    <td className="input-cell" title={input}>
                      {folderName(input)}
                    </td>
                    <td className="model-cell">
                      {/* The row is clickable; this button makes it reachable with the keyboard. */}
                      <button type="button" className="link" onClick={(event) => { event.stopPropagation(); showRun(run.id); }} data-testid="runs-open">
                        {architectures}
                      </button>
                      {run.mode === 'training' ? (
                        <span className="muted small"> · {run.options.analysis}</span>
                      ) : (
                        <span className="muted small model-of">
                          <ModelLink model={run.model} />
                        </span>
                      )}
                    </td>
                    <Outcome run={run} />
                    <td>{new Date(run.createdAt).toLocaleString()}</td>
                    <td onClick={(event) => event.stopPropagation()}>
                      <span className="row-actions">
                        <OpenFolderButton runId={run.id} label="Open folder" showError={false} />
                        <DeleteRun run={run} />
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

const gpuText = (gpus: RecordedGpus) => (gpus.kind === 'none' ? 'CPU' : gpus.kind === 'all' ? 'All GPUs' : `GPU ${gpus.ids.join(', ')}`);

/** The model a queued prediction or evaluation applies, named as the history names it. */
function QueuedModel({ model, runs }: { model: ModelChoice; runs: RunSummary[] | null }) {
  if ('dir' in model) {
    return (
      <span title={model.dir}>
        model folder <code>{folderName(model.dir)}</code>
      </span>
    );
  }
  const training = runs?.find((run) => run.id === model.runId);
  const architectures = training?.mode === 'training' ? training.options.architectures.join(' + ') : null;
  return <span>{architectures ? `${architectures} model of the training of ${new Date(training!.createdAt).toLocaleString()}` : `model of training run ${model.runId}`}</span>;
}

/** What a queued run is, in the words of the history: architecture and dataset, or model and images. */
function QueuedWhat({ entry, runs }: { entry: QueueEntry; runs: RunSummary[] | null }) {
  const { item } = entry;
  if (item.mode === 'training') {
    const { options, dataset } = item.request;
    return (
      <span>
        <strong>{options.architectures.join(' + ')}</strong> <span className="muted small">· {options.analysis} · {epochsText(options.epochs)} · batch {options.batchSize}</span>
        <br />
        <span className="muted small" title={dataset.path}>
          on {folderName(dataset.path)}
        </span>
      </span>
    );
  }
  const input = item.mode === 'prediction' ? item.request.images : item.request.dataset.path;
  return (
    <span>
      <QueuedModel model={item.request.model} runs={runs} />
      <br />
      <span className="muted small" title={input}>
        {item.mode === 'prediction' ? 'classifies' : 'scored on'} {folderName(input)}
      </span>
    </span>
  );
}

/** The runs waiting their turn, next first; the core starts each when the processor it needs is free. */
function Queue({ queue }: { queue: QueueEntry[] }) {
  const runs = useAppStore((s) => s.runs);
  const error = useAppStore((s) => s.queueError);
  const { moveQueued, removeQueued } = useAppStore.getState();
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby="queue-heading" data-testid="queue-card">
      <header className="card-header">
        <h2 id="queue-heading">Queue</h2>
        <span className="badge" data-testid="queue-count">
          {queue.length} waiting
        </span>
      </header>
      <p className="muted small">
        Queued runs start by themselves, in this order, as soon as the processor they need is free: one run at a time on the CPU; runs on different GPUs side by side. They also start after the app
        was closed and opened again.
      </p>
      {error && <Problem error={error} testId="queue-error" />}
      <table className="table queue-table" data-testid="queue-table">
        <thead>
          <tr>
            <th>#</th>
            <th>Mode</th>
            <th>What</th>
            <th>Processor</th>
            <th>Added</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {queue.map((entry, index) => (
            <Fragment key={entry.id}>
              <tr data-testid="queue-row" data-id={entry.id} data-position={entry.position} data-mode={entry.item.mode} className={entry.error ? 'queue-refused' : undefined}>
                <td data-testid="queue-position">{entry.position}</td>
                <td data-testid="queue-mode">{MODE_LABEL[entry.item.mode]}</td>
                <td data-testid="queue-what">
                  <QueuedWhat entry={entry} runs={runs} />
                </td>
                <td data-testid="queue-gpus">{gpuText(entry.item.request.gpus)}</td>
                <td>{new Date(entry.addedAt).toLocaleString()}</td>
                <td>
                  {confirmRemove === entry.id ? (
                    <span className="row-actions">
                      <span>Remove from the queue?</span>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => {
                          setConfirmRemove(null);
                          void removeQueued(entry.id);
                        }}
                        data-testid="queue-remove-confirm"
                      >
                        Remove
                      </button>
                      <button type="button" className="secondary" onClick={() => setConfirmRemove(null)} data-testid="queue-remove-keep">
                        Keep
                      </button>
                    </span>
                  ) : (
                    <span className="row-actions">
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => void moveQueued(entry.id, entry.position - 1)}
                        disabled={index === 0}
                        aria-label={`Move ${MODE_LABEL[entry.item.mode].toLowerCase()} ${entry.position} up`}
                        data-testid="queue-up"
                      >
                        Move up
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => void moveQueued(entry.id, entry.position + 1)}
                        disabled={index === queue.length - 1}
                        aria-label={`Move ${MODE_LABEL[entry.item.mode].toLowerCase()} ${entry.position} down`}
                        data-testid="queue-down"
                      >
                        Move down
                      </button>
                      <button type="button" className="secondary" onClick={() => setConfirmRemove(entry.id)} data-testid="queue-remove">
                        Remove…
                      </button>
                    </span>
                  )}
                </td>
              </tr>
              {entry.error && (
                <tr className="queue-refused" data-testid="queue-refusal" data-id={entry.id}>
                  <td />
                  <td colSpan={5}>
                    <Problem
                      error={{
                        message: `Its start was refused: ${entry.error.message}`,
                        action: `${entry.error.action} It waits here until you remove it; add it again once it is fixed.`,
                        ...(entry.error.detail ? { detail: entry.error.detail } : {}),
                      }}
                    />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Tick two to four runs, then their curves share one chart. */
function Compare() {
  const compareIds = useAppStore((s) => s.compareIds);
  const comparison = useAppStore((s) => s.comparison);
  const error = useAppStore((s) => s.comparisonError);
  const { loadComparison, closeComparison } = useAppStore.getState();
  return (
    <section className="card" aria-labelledby="compare-heading" data-testid="runs-compare-card">
      <header className="card-header">
        <h2 id="compare-heading">Compare runs</h2>
        <div className="row-actions">
          <button type="button" onClick={() => void loadComparison()} disabled={compareIds.length < 2} data-testid="runs-compare">
            {comparison ? 'Compare again' : compareIds.length >= 2 ? `Compare ${compareIds.length} runs` : 'Compare'}
          </button>
          {comparison && (
            <button type="button" className="secondary" onClick={closeComparison} data-testid="runs-compare-close">
              Close
            </button>
          )}
        </div>
      </header>
      <p className="muted small">
        Tick two to {COMPARE_LIMIT} runs in the list below to see their learning curves on one chart. A run still training is shown as far as it has got when you press Compare.
      </p>
      {error && <Problem error={error} testId="runs-compare-error" />}
      {comparison && <CompareChart runs={comparison} />}
    </section>
  );
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** Delete asks once for the record, and a second, separate time before the run's files go too. */
function DeleteRun({ run }: { run: RunSummary }) {
  const deleteRun = useAppStore((s) => s.deleteRun);
  const [step, setStep] = useState<'idle' | 'record' | 'files'>('idle');
  if (!ENDED.has(run.state)) return null;
  if (step === 'idle') {
    return (
      <button type="button" className="secondary" onClick={() => setStep('record')} data-testid="run-delete">
        Delete…
      </button>
    );
  }
  if (step === 'record') {
    return (
      <span className="row-actions">
        <span>Delete this run from the list? Its files stay.</span>
        <button type="button" className="danger" onClick={() => void deleteRun(run.id, false)} data-testid="run-delete-record">
          Delete record
        </button>
        <button type="button" className="secondary" onClick={() => setStep('files')} data-testid="run-delete-files-step">
          Also its files…
        </button>
        <button type="button" className="secondary" onClick={() => setStep('idle')}>
          Keep
        </button>
      </span>
    );
  }
  return (
    <span className="row-actions">
      <span>
        Delete the folder <code>{run.outputDir}</code> with its {run.mode === 'training' ? 'models' : 'results'} and logs? This cannot be undone.
      </span>
      <button type="button" className="danger" onClick={() => void deleteRun(run.id, true)} data-testid="run-delete-files">
        Delete record and files
      </button>
      <button type="button" className="secondary" onClick={() => setStep('idle')}>
        Keep
      </button>
    </span>
  );
}
