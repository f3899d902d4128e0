import { useEffect, useState } from 'react';
import type { AppInfo, UserError } from '../../../src/api';
import { Problem } from '../components/Problem';
import { invoke } from '../bridge';
import { useT } from '../i18n';
import { useAppStore } from '../store';

/** About: what IT writes into a ticket or an approval form (versions, licence, third-party notices). */
export function AboutCard() {
  const t = useT();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [notices, setNotices] = useState<string | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const engineVersion = useAppStore((s) => s.engineStatus?.info?.version ?? null);
  const imageList = useAppStore((s) => s.imageList); // the list itself: a fresh [] per render would loop
  const images = imageList?.images ?? [];
  useEffect(() => {
    void invoke('app:info', {}).then((response) => (response.ok ? setInfo(response.data) : setError(response.error)));
  }, []);
  const showNotices = async (open: boolean) => {
    if (!open || notices !== null) return;
    const response = await invoke('app:notices', {});
    if (response.ok) setNotices(response.data.text);
    else setError(response.error);
  };

  return (
    <section className="card" aria-labelledby="about-heading" data-testid="about-card" id="about">
      <h2 id="about-heading">{t('setup:about.title')}</h2>
      {info && (
        <dl className="facts" data-testid="about-facts">
          <dt>{t('setup:about.app')}</dt>
          <dd data-testid="about-version">
            {t('setup:about.version', { name: info.name, version: info.version, commit: info.commit })}
          </dd>
          <dt>{t('setup:about.runtime')}</dt>
          <dd data-testid="about-runtime">
            {[info.versions.electron && `Electron ${info.versions.electron}`, info.versions.chrome && `Chromium ${info.versions.chrome}`, `Node ${info.versions.node}`].filter(Boolean).join(', ')}; {info.platform} {info.arch}
          </dd>
          <dt>{t('setup:about.engine')}</dt>
          <dd data-testid="about-engine">{engineVersion ?? t('setup:about.notReachable')}</dd>
          <dt>{t('setup:about.images')}</dt>
          <dd data-testid="about-images">
            {images.length === 0
              ? t('setup:about.noImages')
              : images
                  .map((image) => {
                    const name = image.references[0] ?? image.id.slice(7, 19);
                    if (image.standIn) return t('setup:about.imageStandIn', { name });
                    return image.aucmediVersion ? t('setup:about.imageVersion', { name, version: image.aucmediVersion }) : name;
                  })
                  .join(', ')}
          </dd>
          <dt>{t('setup:about.licence')}</dt>
          <dd data-testid="about-license">{info.license}</dd>
        </dl>
      )}
      <details onToggle={(e) => void showNotices((e.target as HTMLDetailsElement).open)} data-testid="about-notices">
        <summary>{t('setup:about.notices')}</summary>
        {notices === null ? <p className="muted small">{t('setup:about.loading')}</p> : <pre className="notices" data-testid="about-notices-text">{notices}</pre>}
      </details>
      {error && <Problem error={error} testId="about-error" />}
    </section>
  );
}
