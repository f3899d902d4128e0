import { Problem } from '../components/Problem';
import { useFormat, useLocalized, useT } from '../i18n';
import { useAppStore } from '../store';

export function EngineCard() {
  const status = useAppStore((s) => s.engineStatus);
  const checking = useAppStore((s) => s.engineChecking);
  const error = useAppStore((s) => s.engineError);
  const checkAgain = useAppStore((s) => s.checkEngineAgain);
  const t = useT();
  const format = useFormat();
  const localized = useLocalized();

  return (
    <section className="card" aria-labelledby="engine-heading" data-testid="engine-card">
      <header className="card-header">
        <h2 id="engine-heading">{t('setup:engine.title')}</h2>
        <span className={`badge ${status ? (status.ok ? 'badge-ok' : 'badge-bad') : ''}`} role="status" aria-live="polite" data-testid="engine-state">
          {status ? t(`setup:engine.state.${status.code}`) : t('setup:engine.checking')}
        </span>
      </header>
      {status && (
        <>
          {status.ok ? (
            <p className="lead" data-testid="engine-message">{localized(status, 'message')}</p>
          ) : (
            <div data-testid="engine-message">
              <Problem error={status} testId="engine-problem" />
            </div>
          )}
          {status.info && (
            <dl className="facts" data-testid="engine-facts">
              <dt>{t('setup:engine.version')}</dt>
              <dd data-testid="engine-version">{status.info.version}</dd>
              <dt>{t('setup:engine.apiVersion')}</dt>
              <dd>{status.info.apiVersion}</dd>
              <dt>{t('setup:engine.system')}</dt>
              <dd>
                {status.info.os} ({status.info.osType}/{status.info.arch})
              </dd>
              <dt>{t('setup:engine.processors')}</dt>
              <dd>{status.info.cpus}</dd>
              <dt>{t('setup:engine.memory')}</dt>
              <dd>{format.size(status.info.memoryBytes)}</dd>
              <dt>{t('setup:engine.storage')}</dt>
              <dd>{status.info.storageDriver}</dd>
              <dt>{t('setup:engine.freeDisk')}</dt>
              <dd>{format.size(status.info.freeDiskBytes)}</dd>
            </dl>
          )}
          <p className="muted small">
            {t('setup:engine.address')} <code data-testid="engine-endpoint">{status.endpoint}</code>{' '}
            {t('setup:engine.checkedAt', { source: status.endpointSource, time: format.dateTime(status.checkedAt) })}
          </p>
        </>
      )}
      {error && <Problem error={error} testId="engine-error" />}
      <div className="actions">
        <button type="button" onClick={() => void checkAgain()} disabled={checking} data-testid="engine-check">
          {checking ? t('setup:engine.checking') : t('setup:engine.checkAgain')}
        </button>
      </div>
    </section>
  );
}
