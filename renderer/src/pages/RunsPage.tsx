import { useEffect, useState } from 'react';
import type { RunSummary } from '../../../src/api/runs';
import { formatValue } from '../components/LineChart';
import { Problem } from '../components/Problem';
import { STATE_BADGE, STATE_LABEL } from '../components/RunProgress';
import { useAppStore } from '../store';

/** The history of training runs, newest first; a row opens its run. */
export function RunsPage() {
  const runs = useAppStore((s) => s.runs);
  const error = useAppStore((s) => s.runsError);
  const deleteError = useAppStore((s) => s.deleteError);
  const { loadRuns, showRun, goTo } = useAppStore.getState();

  useEffect(() => {
    void loadRuns();
  }, [loadRuns]);

  return (
    <>
      <header className="page-header">
        <h1>Runs</h1>
        <p className="muted">Every training started on this computer, newest first. Open one to see its curves, its log and where its model is.</p>
      </header>
      {error && <Problem error={error} testId="runs-error" />}
      {deleteError && <Problem error={deleteError} testId="runs-delete-error" />}
      <section className="card">
        {runs === null ? (
          <p className="muted">Loading…</p>
        ) : runs.length === 0 ? (
          <>
            <p className="lead">No training has been started yet.</p>
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
                <th>State</th>
                <th>Dataset</th>
                <th>Architecture</th>
                <th>Best val_loss</th>
                <th>Last epoch</th>
                <th>Started</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const dataset = run.dataset.path.split(/[\\/]/).filter(Boolean).pop() ?? run.dataset.path;
                return (
                  <tr key={run.id} className="clickable" onClick={() => showRun(run.id)} data-testid="runs-row" data-run-id={run.id}>
                    <td>
                      <span className={`badge ${STATE_BADGE[run.state]}`}>{STATE_LABEL[run.state]}</span>
                    </td>
                    <td title={run.dataset.path}>{dataset}</td>
                    <td>
                      {/* The row is clickable; this button makes it reachable with the keyboard. */}
                      <button type="button" className="link" onClick={(event) => { event.stopPropagation(); showRun(run.id); }} data-testid="runs-open">
                        {run.options.architectures.join(' + ')}
                      </button>
                      <span className="muted small"> · {run.options.analysis}</span>
                    </td>
                    <td>{formatValue(run.bestValLoss)}</td>
                    <td>{run.lastEpoch ? `${run.lastEpoch.epoch} of ${run.options.epochs}` : '–'}</td>
                    <td>{new Date(run.createdAt).toLocaleString()}</td>
                    <td onClick={(event) => event.stopPropagation()}>
                      <DeleteRun run={run} />
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
        Delete the folder <code>{run.outputDir}</code> with its models and logs? This cannot be undone.
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
