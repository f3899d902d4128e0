import type { EngineStatus } from '../../../src/api';
import { Problem } from '../components/Problem';
import { formatBytes } from '../../../src/api/format';
import { useAppStore } from '../store';

const STATE_LABEL: Record<EngineStatus['code'], string> = {
  ENGINE_OK: 'Ready',
  ENGINE_NOT_INSTALLED: 'Not installed',
  ENGINE_NOT_RUNNING: 'Not running',
  ENGINE_PERMISSION_DENIED: 'No permission',
  ENGINE_TOO_OLD: 'Too old for GPUs',
  ENGINE_UNHEALTHY: 'Not working',
  ENGINE_UNREACHABLE: 'Unreachable',
};

export function EngineCard() {
  const status = useAppStore((s) => s.engineStatus);
  const checking = useAppStore((s) => s.engineChecking);
  const error = useAppStore((s) => s.engineError);
  const checkAgain = useAppStore((s) => s.checkEngineAgain);

  return (
    <section className="card" aria-labelledby="engine-heading" data-testid="engine-card">
      <header className="card-header">
        <h2 id="engine-heading">Docker engine</h2>
        <span className={`badge ${status ? (status.ok ? 'badge-ok' : 'badge-bad') : ''}`} role="status" aria-live="polite" data-testid="engine-state">
          {status ? STATE_LABEL[status.code] : 'Checking…'}
        </span>
      </header>
      {status && (
        <>
          {status.ok ? (
            <p className="lead" data-testid="engine-message">{status.message}</p>
          ) : (
            <div data-testid="engine-message">
              <Problem error={status} testId="engine-problem" />
            </div>
          )}
          {status.info && (
            <dl className="facts" data-testid="engine-facts">
              <dt>Version</dt>
              <dd data-testid="engine-version">{status.info.version}</dd>
              <dt>API version</dt>
              <dd>{status.info.apiVersion}</dd>
              <dt>System</dt>
              <dd>
                {status.info.os} ({status.info.osType}/{status.info.arch})
              </dd>
              <dt>Processors</dt>
              <dd>{status.info.cpus}</dd>
              <dt>Memory</dt>
              <dd>{formatBytes(status.info.memoryBytes)}</dd>
              <dt>Storage</dt>
              <dd>{status.info.storageDriver}</dd>
              <dt>Free disk for images</dt>
              <dd>{formatBytes(status.info.freeDiskBytes)}</dd>
            </dl>
          )}
          <p className="muted small">
            Engine address: <code data-testid="engine-endpoint">{status.endpoint}</code> ({status.endpointSource}) · checked{' '}
            {new Date(status.checkedAt).toLocaleTimeString()} · this page updates by itself
          </p>
        </>
      )}
      {error && <Problem error={error} testId="engine-error" />}
      <div className="actions">
        <button type="button" onClick={() => void checkAgain()} disabled={checking} data-testid="engine-check">
          {checking ? 'Checking…' : 'Check again'}
        </button>
      </div>
    </section>
  );
}
