import { formatBytes } from '../api/format';
import type { TransferProgress } from '../api/types';
import { t } from '../i18n';

const VERBS: Record<TransferProgress['kind'], () => string> = { load: () => t('cli:transfer.load'), save: () => t('cli:transfer.save'), pull: () => t('cli:transfer.pull') };

/** One line of transfer progress for a terminal. */
export function formatTransfer(progress: TransferProgress): string {
  if (progress.phase === 'registering') return t('cli:transfer.registering', { verb: VERBS[progress.kind]() });
  const total = progress.bytesTotal ? ` / ${formatBytes(progress.bytesTotal)}` : '';
  const percent = progress.bytesTotal ? ` ${Math.min(100, Math.floor((progress.bytesDone / progress.bytesTotal) * 100))}%` : '';
  const rate = progress.bytesPerSecond > 0 ? `  ${formatBytes(progress.bytesPerSecond)}/s` : '';
  const left = progress.secondsLeft !== null ? `  ${t('cli:transfer.left', { seconds: Math.ceil(progress.secondsLeft) })}` : '';
  return `${VERBS[progress.kind]()}${percent}  ${formatBytes(progress.bytesDone)}${total}${rate}${left}`;
}
