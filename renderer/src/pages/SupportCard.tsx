import { useState } from 'react';
import type { UserError } from '../../../src/api';
import { Problem } from '../components/Problem';
import { invoke } from '../bridge';
import { useT } from '../i18n';

/** "Export diagnostics": one archive for an IT ticket, without patient folder names unless ticked. */
export function SupportCard() {
  const t = useT();
  const [includeFolderNames, setIncludeFolderNames] = useState(false);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<UserError | null>(null);

  const exportDiagnostics = async () => {
    setBusy(true);
    setError(null);
    setSaved(null);
    const response = await invoke('app:export-diagnostics', { includeFolderNames });
    setBusy(false);
    if (!response.ok) setError(response.error);
    else setSaved(response.data.path);
  };

  return (
    <section className="card" aria-labelledby="support-heading" data-testid="support-card">
      <h2 id="support-heading">{t('setup:support.title')}</h2>
      <p className="muted">{t('setup:support.intro')}</p>
      <label className="checkbox">
        <input type="checkbox" checked={includeFolderNames} onChange={(e) => setIncludeFolderNames(e.target.checked)} data-testid="diagnostics-folder-names" />
        {t('setup:support.includeNames')}
      </label>
      <div className="actions">
        <button type="button" className="secondary" disabled={busy} onClick={() => void exportDiagnostics()} data-testid="diagnostics-export">
          {busy ? t('setup:support.exporting') : t('setup:support.export')}
        </button>
      </div>
      {saved && (
        <p className="notice" data-testid="diagnostics-saved">
          {t('setup:support.savedBefore')}
          <code>{saved}</code>
          {t('setup:support.savedAfter')}
        </p>
      )}
      {error && <Problem error={error} testId="diagnostics-error" />}
    </section>
  );
}
