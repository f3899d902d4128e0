import type { TransferProgress } from '../../../src/api';
import { useFormat, useT } from '../i18n';

/** What the bar needs of a transfer's progress (image loads and saves, weights imports and exports). */
type BarProgress = Pick<TransferProgress, 'bytesDone' | 'bytesTotal' | 'bytesPerSecond' | 'secondsLeft'> & { phase?: TransferProgress['phase']; file?: string };

/** Bytes done, rate and time left of a long transfer, with a way to cancel it. `testId` names the bar and its parts. */
export function TransferBar({ label, progress, onCancel, testId = 'transfer' }: { label: string; progress: BarProgress | null; onCancel: () => void; testId?: string }) {
  const t = useT();
  const format = useFormat();
  const fraction = progress?.bytesTotal ? Math.min(1, progress.bytesDone / progress.bytesTotal) : null;
  let detail = t('setup:transfer.starting');
  if (progress?.phase === 'registering') detail = t('setup:transfer.registering');
  else if (progress) {
    const parts = [progress.bytesTotal ? t('setup:transfer.doneOfTotal', { done: format.size(progress.bytesDone), total: format.size(progress.bytesTotal) }) : format.size(progress.bytesDone)];
    if (progress.bytesPerSecond > 0) parts.push(t('setup:transfer.rate', { rate: format.size(progress.bytesPerSecond) }));
    if (progress.secondsLeft !== null) parts.push(t('setup:transfer.left', { duration: format.duration(Math.ceil(progress.secondsLeft) * 1000) }));
    if (progress.file) parts.push(progress.file);
    detail = parts.join(' · ');
  }
  return (
    <div className="transfer" data-testid={testId}>
      <div className="transfer-head">
        <strong>{label}</strong>
        <button type="button" className="secondary" onClick={onCancel} data-testid={`${testId}-cancel`}>
          {t('setup:transfer.cancel')}
        </button>
      </div>
      <progress max={1} value={fraction ?? undefined} aria-label={label} />
      <p className="muted small" data-testid={`${testId}-detail`}>
        {detail}
      </p>
    </div>
  );
}
