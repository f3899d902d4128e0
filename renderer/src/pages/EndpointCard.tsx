import { useEffect, useState, type FormEvent } from 'react';
import { Problem } from '../components/Problem';
import { useAppStore } from '../store';

/** For IT: point the app at an engine other than the one it finds by itself. */
export function EndpointCard() {
  const settings = useAppStore((s) => s.settings);
  const settingsError = useAppStore((s) => s.settingsError);
  const updateSettings = useAppStore((s) => s.updateSettings);
  const [value, setValue] = useState('');
  const [saving, setSaving] = useState(false);

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
        <h2 id="endpoint-heading">Engine address</h2>
        <span className="muted small">{settings?.engineEndpoint ? 'set by you' : 'found automatically'}</span>
      </header>
      <p className="muted">
        Leave empty to find Docker the way the docker command does. IT may set an address such as{' '}
        <code>unix:///var/run/docker.sock</code> or <code>tcp://host:2376</code>.
      </p>
      <form className="inline-form" onSubmit={onSubmit}>
        <label htmlFor="endpoint-input" className="visually-hidden">
          Engine address
        </label>
        <input
          id="endpoint-input"
          data-testid="endpoint-input"
          value={value}
          placeholder="Automatic"
          spellCheck={false}
          onChange={(event) => setValue(event.target.value)}
        />
        <button type="submit" disabled={saving} data-testid="endpoint-save">
          Save
        </button>
        <button type="button" disabled={saving || !settings?.engineEndpoint} onClick={() => void save(null)} data-testid="endpoint-auto">
          Use automatic
        </button>
      </form>
      {settingsError && <Problem error={settingsError} testId="settings-error" />}
    </section>
  );
}
