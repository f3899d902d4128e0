import type { GpuStatusCode } from '../../../src/api';
import { Problem } from '../components/Problem';
import { useAppStore } from '../store';

const LABEL: Record<GpuStatusCode, string> = {
  GPU_READY: 'GPU ready',
  GPU_NONE: 'CPU only',
  GPU_TOOLKIT_MISSING: 'Toolkit missing',
  GPU_DRIVER_ERROR: 'Driver problem',
  GPU_ENGINE_TOO_OLD: 'Docker too old',
  GPU_ENGINE_UNAVAILABLE: 'Docker unavailable',
  GPU_PROBE_FAILED: 'Test failed',
};

export function GpuCard() {
  const report = useAppStore((s) => s.gpuReport);
  const checking = useAppStore((s) => s.gpuChecking);
  const error = useAppStore((s) => s.gpuError);
  const detectGpus = useAppStore((s) => s.detectGpus);

  return (
    <section className="card" aria-labelledby="gpu-heading" data-testid="gpu-card">
      <header className="card-header">
        <h2 id="gpu-heading">GPU</h2>
        <span className={`badge ${report ? (report.ok ? 'badge-ok' : 'badge-warn') : ''}`} data-testid="gpu-state">
          {report ? LABEL[report.code] : 'Checking…'}
        </span>
      </header>
      {report &&
        (report.ok ? (
          <p className="lead" data-testid="gpu-message">
            {report.message}
          </p>
        ) : (
          <div data-testid="gpu-message">
            <Problem error={report} testId="gpu-problem" tone={report.code === 'GPU_NONE' ? 'warning' : 'error'} />
          </div>
        ))}
      {report && report.gpus.length > 0 && (
        <table className="table" data-testid="gpu-table">
          <thead>
            <tr>
              <th>#</th>
              <th>GPU</th>
              <th>Memory</th>
            </tr>
          </thead>
          <tbody>
            {report.gpus.map((gpu) => (
              <tr key={`${gpu.index}-${gpu.uuid}`}>
                <td>{gpu.index}</td>
                <td>{gpu.name}</td>
                <td>{gpu.memoryMiB !== null ? `${(gpu.memoryMiB / 1024).toFixed(0)} GB` : 'unknown'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report && (
        <p className="muted small">
          Driver {report.driverVersion ?? 'none'} · CUDA {report.cudaVersion ?? 'none'} · checked {new Date(report.checkedAt).toLocaleTimeString()}
        </p>
      )}
      {error && <Problem error={error} testId="gpu-error" />}
      <div className="actions">
        <button type="button" onClick={() => void detectGpus()} disabled={checking} data-testid="gpu-check">
          {checking ? 'Checking…' : 'Check again'}
        </button>
      </div>
    </section>
  );
}
