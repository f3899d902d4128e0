import { formatBytes } from '../../../src/api/format';
import type { TransferProgress } from '../../../src/api';

/** What the bar needs of a transfer's progress (image loads and saves, weights imports and exports). */
type BarProgress = Pick<TransferProgress, 'bytesDone' | 'bytesTotal' | 'bytesPerSecond' | 'secondsLeft'> & { phase?: TransferProgress['phase']; file?: string };

/** Bytes done, rate and time left of a long transfer, with a way to cancel it. `testId` names the bar and its parts. */
export function TransferBar({ label, progress, onCancel, testId = 'transfer' }: { label: string; progress: BarProgress | null; onCancel: () => void; testId?: string }) {
  const fraction = progress?.bytesTotal ? Math.min(1, progress.bytesDone / progress.bytesTotal) : null;
  let detail = 'Starting…';
  if (progress?.phase === 'registering') detail = 'All bytes read; Docker is unpacking the image…';
  else if (progress) {
    const total = progress.bytesTotal ? ` of ${formatBytes(progress.bytesTotal)}` : '';
    const rate = progress.bytesPerSecond > 0 ? ` · ${formatBytes(progress.bytesPerSecond)}/s` : '';
    const left = progress.secondsLeft !== null ? ` · about ${formatDuration(progress.secondsLeft)} left` : '';
    const file = progress.file ? ` · ${progress.file}` : '';
    detail = `${formatBytes(progress.bytesDone)}${total}${rate}${left}${file}`;
  }
  return (
    <div className="transfer" data-testid={testId}>
      <div className="transfer-head">
        <strong>{label}</strong>
        <button type="button" className="secondary" onClick={onCancel} data-testid={`${testId}-cancel`}>
          Cancel
        </button>
      </div>
      <progress max={1} value={fraction ?? undefined} aria-label={label} />
      <p className="muted small" data-testid={`${testId}-detail`}>
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
