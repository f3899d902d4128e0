import { formatBytes } from '../../../src/api/format';
import type { TransferProgress } from '../../../src/api';

/** Bytes done, rate and time left of a long transfer, with a way to cancel it. */
export function TransferBar({ label, progress, onCancel }: { label: string; progress: TransferProgress | null; onCancel: () => void }) {
  const fraction = progress?.bytesTotal ? Math.min(1, progress.bytesDone / progress.bytesTotal) : null;
  let detail = 'Starting…';
  if (progress?.phase === 'registering') detail = 'All bytes read; Docker is unpacking the image…';
  else if (progress) {
    const total = progress.bytesTotal ? ` of ${formatBytes(progress.bytesTotal)}` : '';
    const rate = progress.bytesPerSecond > 0 ? ` · ${formatBytes(progress.bytesPerSecond)}/s` : '';
    const left = progress.secondsLeft !== null ? ` · about ${formatDuration(progress.secondsLeft)} left` : '';
    detail = `${formatBytes(progress.bytesDone)}${total}${rate}${left}`;
  }
  return (
    <div className="transfer" data-testid="transfer">
      <div className="transfer-head">
        <strong>{label}</strong>
        <button type="button" className="secondary" onClick={onCancel} data-testid="transfer-cancel">
          Cancel
        </button>
      </div>
      <progress max={1} value={fraction ?? undefined} aria-label={label} />
      <p className="muted small" data-testid="transfer-detail">
        {detail}
      </p>
    </div>
  );
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
