import { useEffect, useState, type FormEvent } from 'react';
import { Problem } from '../components/Problem';
import { useT } from '../i18n';
import { useAppStore } from '../store';

/** For IT: point the app at an engine other than the one it finds by itself. */
export function EndpointCard() {
  const settings = useAppStore((s) => s.settings);
  const settingsError = useAppStore((s) => s.settingsError);
  const updateSettings = useAppStore((s) => s.updateSettings);
  const [value, setValue] = useState('');
  const [saving, setSaving] = useState(false);
  const t = useT();

  useEffect(() => setValue(settings?.engineEndpoint ?? ''), [settings?.engineEndpoint]);

  const save = async (endpoint: string | null) => {
    setSaving(true);
    await updateSettings({ engineEndpoint: endpoint });
    setSaving(false);
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void save(value.trim() === '' ? null : value.trim());
  };

  return (
    <section className="card" aria-labelledby="endpoint-heading">
      <header className="card-header">
        <h2 id="endpoint-heading">{t('setup:endpoint.title')}</h2>
        <span className="muted small">{settings?.engineEndpoint ? t('setup:endpoint.setByYou') : t('setup:endpoint.automatic')}</span>
      </header>
      <p className="muted">
        {t('setup:endpoint.introBefore')} <code>{'unix:///var/run/docker.sock'}</code> {t('setup:endpoint.or')} <code>{'tcp://host:2376'}</code>.
      </p>
      <form className="inline-form" onSubmit={onSubmit}>
        <label htmlFor="endpoint-input" className="visually-hidden">
          {t('setup:endpoint.label')}
        </label>
        <input
          id="endpoint-input"
          data-testid="endpoint-input"
          value={value}
          placeholder={t('setup:endpoint.placeholder')}
          spellCheck={false}
          onChange={(event) => setValue(event.target.value)}
        />
        <button type="submit" disabled={saving} data-testid="endpoint-save">
          {t('setup:endpoint.save')}
        </button>
        <button type="button" disabled={saving || !settings?.engineEndpoint} onClick={() => void save(null)} data-testid="endpoint-auto">
          {t('setup:endpoint.useAutomatic')}
        </button>
      </form>
      {settingsError && <Problem error={settingsError} testId="settings-error" />}
    </section>
  );
}
