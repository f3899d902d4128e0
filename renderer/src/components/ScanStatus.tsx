import { formatBytes } from '../../../src/api/format';
import type { FolderScan } from '../store/scan';

/** The check of a chosen folder while it runs: files seen so far, and Cancel. */
export function ScanStatus({ scan, what, onCancel, testId, cancelTestId }: { scan: NonNullable<FolderScan['scan']>; what: string; onCancel(): void; testId: string; cancelTestId?: string }) {
  return (
    <div className="transfer" data-testid={testId}>
      <div className="transfer-head">
        <strong>Checking {what}…</strong>
        <button type="button" className="secondary" onClick={onCancel} data-testid={cancelTestId}>
          Cancel
        </button>
      </div>
      <progress aria-label={`Checking ${what}`} />
      <p className="muted small">
        {scan.progress ? `${scan.progress.filesSeen.toLocaleString()} files, ${formatBytes(scan.progress.bytesSeen)} · ${scan.progress.currentFolder || 'top folder'}` : 'Starting…'}
      </p>
    </div>
  );
}
