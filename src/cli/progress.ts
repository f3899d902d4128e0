import { formatBytes } from '../api/format';
import type { StagingProgress } from '../api/runs';
import type { TransferProgress } from '../api/types';
import { t } from '../i18n';

const VERBS: Record<TransferProgress['kind'], () => string> = { load: () => t('cli:transfer.load'), save: () => t('cli:transfer.save'), pull: () => t('cli:transfer.pull') };

/** One line of transfer progress for a terminal. */
export function formatTransfer(progress: TransferProgress): string {
  if (progress.phase === 'registering') return t('cli:transfer.registering', { verb: VERBS[progress.kind]() });
  return transferLine(VERBS[progress.kind](), progress);
}

/** A staged run's upload, check on the server, or download, as one terminal line. */
export function formatStaging(progress: StagingProgress): string {
  if (progress.phase === 'verifying') return t('cli:transfer.verifying', { files: progress.files });
  return transferLine(t(progress.phase === 'uploading' ? 'cli:transfer.upload' : 'cli:transfer.download'), progress);
}

function transferLine(verb: string, progress: Pick<TransferProgress, 'bytesDone' | 'bytesTotal' | 'bytesPerSecond' | 'secondsLeft'>): string {
  const total = progress.bytesTotal ? ` / ${formatBytes(progress.bytesTotal)}` : '';
  const percent = progress.bytesTotal ? ` ${Math.min(100, Math.floor((progress.bytesDone / progress.bytesTotal) * 100))}%` : '';
  const rate = progress.bytesPerSecond > 0 ? `  ${formatBytes(progress.bytesPerSecond)}/s` : '';
  const left = progress.secondsLeft !== null ? `  ${t('cli:transfer.left', { seconds: Math.ceil(progress.secondsLeft) })}` : '';
  return `${verb}${percent}  ${formatBytes(progress.bytesDone)}${total}${rate}${left}`;
}
