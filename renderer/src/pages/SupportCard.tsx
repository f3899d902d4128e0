import { useState } from 'react';
import type { UserError } from '../../../src/api';
import { Problem } from '../components/Problem';
import { invoke } from '../bridge';

/** "Export diagnostics": one archive for an IT ticket, without patient folder names unless ticked. */
export function SupportCard() {
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
      <h2 id="support-heading">Support</h2>
      <p className="muted">
        For a ticket to IT: one archive with the versions, settings, engine and GPU diagnoses, the last runs&apos; records and logs, and the app log. It holds no image,
        model or prediction.
      </p>
      <label className="checkbox">
        <input type="checkbox" checked={includeFolderNames} onChange={(e) => setIncludeFolderNames(e.target.checked)} data-testid="diagnostics-folder-names" />
        Include folder and file names (they may identify patients; otherwise they are replaced)
      </label>
      <div className="actions">
        <button type="button" className="secondary" disabled={busy} onClick={() => void exportDiagnostics()} data-testid="diagnostics-export">
          {busy ? 'Exporting…' : 'Export diagnostics…'}
        </button>
      </div>
      {saved && (
        <p className="notice" data-testid="diagnostics-saved">
          Saved <code>{saved}</code>. Attach it to the ticket.
        </p>
      )}
      {error && <Problem error={error} testId="diagnostics-error" />}
    </section>
  );
}
