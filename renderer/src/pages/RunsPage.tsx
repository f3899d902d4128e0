import { useEffect } from 'react';
import { formatValue } from '../components/LineChart';
import { Problem } from '../components/Problem';
import { STATE_BADGE, STATE_LABEL } from '../components/RunProgress';
import { useAppStore } from '../store';

/** The history of training runs, newest first; a row opens its run. */
export function RunsPage() {
  const runs = useAppStore((s) => s.runs);
  const error = useAppStore((s) => s.runsError);
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
