import { Problem } from '../components/Problem';
import { useFormat, useLocalized, useT } from '../i18n';
import { useAppStore } from '../store';
import { LOCAL_ENGINE } from '../store/placement';

export function GpuCard() {
  const report = useAppStore((s) => s.gpuReport);
  const checking = useAppStore((s) => s.gpuChecking);
  const error = useAppStore((s) => s.gpuError);
  const detectGpus = useAppStore((s) => s.detectGpus);
  const engine = useAppStore((s) => s.runEngine);
  const t = useT();
  const format = useFormat();
  const localized = useLocalized();

  return (
    <section className="card" aria-labelledby="gpu-heading" data-testid="gpu-card">
      <header className="card-header">
        <h2 id="gpu-heading">{t('setup:gpu.title')}</h2>
        <span className={`badge ${report ? (report.ok ? 'badge-ok' : 'badge-warn') : ''}`} data-testid="gpu-state">
          {report ? t(`setup:gpu.state.${report.code}`) : t('setup:gpu.checking')}
        </span>
      </header>
      {engine !== LOCAL_ENGINE && (
        <p className="muted small" data-testid="gpu-engine">
          {t('placement:gpuCard.engine', { name: engine })}
        </p>
      )}
      {report &&
        (report.ok ? (
          <p className="lead" data-testid="gpu-message">
            {localized(report, 'message')}
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
              <th>{t('setup:gpu.title')}</th>
              <th>{t('setup:gpu.memory')}</th>
            </tr>
          </thead>
          <tbody>
            {report.gpus.map((gpu) => (
              <tr key={`${gpu.index}-${gpu.uuid}`}>
                <td>{gpu.index}</td>
                <td>{gpu.name}</td>
                <td>{gpu.memoryMiB !== null ? format.size(gpu.memoryMiB * 1024 * 1024) : t('setup:gpu.unknown')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {report && (
        <p className="muted small">
          {t('setup:gpu.facts', { driver: report.driverVersion ?? t('setup:gpu.none'), cuda: report.cudaVersion ?? t('setup:gpu.none'), time: format.dateTime(report.checkedAt) })}
        </p>
      )}
      {error && <Problem error={error} testId="gpu-error" />}
      <div className="actions">
        <button type="button" onClick={() => void detectGpus()} disabled={checking} data-testid="gpu-check">
          {checking ? t('setup:gpu.checking') : t('setup:gpu.checkAgain')}
        </button>
      </div>
    </section>
  );
}
