import { formatBytes } from '../api/format';
import type { TransferProgress } from '../api/types';

const VERBS: Record<TransferProgress['kind'], string> = { load: 'Loading', save: 'Exporting', pull: 'Downloading' };

/** One line of transfer progress for a terminal. */
export function formatTransfer(progress: TransferProgress): string {
  if (progress.phase === 'registering') return `${VERBS[progress.kind]}: Docker is unpacking the image…`;
  const total = progress.bytesTotal ? ` / ${formatBytes(progress.bytesTotal)}` : '';
  const percent = progress.bytesTotal ? ` ${Math.min(100, Math.floor((progress.bytesDone / progress.bytesTotal) * 100))}%` : '';
  const rate = progress.bytesPerSecond > 0 ? `  ${formatBytes(progress.bytesPerSecond)}/s` : '';
  const left = progress.secondsLeft !== null ? `  ${Math.ceil(progress.secondsLeft)} s left` : '';
  return `${VERBS[progress.kind]}${percent}  ${formatBytes(progress.bytesDone)}${total}${rate}${left}`;
}
