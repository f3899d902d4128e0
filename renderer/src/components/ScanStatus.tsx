import { useFormat, useT } from '../i18n';
import type { FolderScan } from '../store/scan';

/** The check of a chosen folder while it runs: files seen so far, and Cancel. `what` is said by the caller in the window's language ("the dataset"). */
export function ScanStatus({ scan, what, onCancel, testId, cancelTestId }: { scan: NonNullable<FolderScan['scan']>; what: string; onCancel(): void; testId: string; cancelTestId?: string }) {
  const t = useT();
  const format = useFormat();
  return (
    <div className="transfer" data-testid={testId}>
      <div className="transfer-head">
        <strong>{t('datasetPage:scan.checking', { what })}</strong>
        <button type="button" className="secondary" onClick={onCancel} data-testid={cancelTestId}>
          {t('datasetPage:scan.cancel')}
        </button>
      </div>
      <progress aria-label={t('datasetPage:scan.checkingLabel', { what })} />
      <p className="muted small">
        {scan.progress
          ? t('datasetPage:scan.progress', { count: scan.progress.filesSeen, size: format.size(scan.progress.bytesSeen), folder: scan.progress.currentFolder || t('datasetPage:scan.topFolder') })
          : t('datasetPage:scan.starting')}
      </p>
    </div>
  );
}
