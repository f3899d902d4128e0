import { useEffect, useState } from 'react';
import type { RunSummary } from '../../../src/api/runs';
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
        <td>{run.lastEpoch ? `${run.lastEpoch.epoch} of ${run.options.epochs}` : '–'}</td>
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
  const compareIds = useAppStore((s) => s.compareIds);
  const { loadRuns, showRun, goTo, toggleCompare } = useAppStore.getState();
  const canCompare = (runs?.filter(comparable).length ?? 0) >= 2;

  useEffect(() => {
    void loadRuns();
    return () => useAppStore.setState({ folderError: null });
  }, [loadRuns]);

  return (
    <>
      <header className="page-header">
        <h1>Runs</h1>
        <p className="muted">Every training, prediction and evaluation started on this computer, newest first. Open one to see its progress, its results, its log and where its files are.</p>
      </header>
      {error && <Problem error={error} testId="runs-error" />}
      {deleteError && <Problem error={deleteError} testId="runs-delete-error" />}
      {folderError && <Problem error={folderError.error} testId="runs-folder-error" />}
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
