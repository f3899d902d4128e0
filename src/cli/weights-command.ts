import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { formatBytes } from '../api/format';
import type { WeightsImportResult } from '../api/weights';
import type { Core } from '../core';
import { t } from '../i18n';
import { finish, type CliIo } from './image-command';
import { onFirstInterrupt } from './interrupts';

export function formatImport(result: WeightsImportResult): string {
  const lines = [t('cli:weights.folder', { dir: result.weightsDir })];
  for (const file of result.imported) lines.push(`  ${t('cli:weights.imported')}  ${file.name}  ${formatBytes(file.sizeBytes)}  ${file.sha256.slice(0, 16)}…`);
  for (const file of result.skipped) lines.push(`  ${t('cli:weights.skipped', { name: file.name, reason: file.reason })}`);
  for (const file of result.refused) lines.push(`  ${t('cli:weights.refused', { name: file.name, reason: file.reason })}`);
  if (result.imported.length + result.skipped.length + result.refused.length === 0) lines.push(`  ${t('cli:weights.nothing')}`);
  return lines.join('\n');
}

/** `aucmedi-desk weights list|import SOURCE`. */
export async function weightsCommand(core: Core, action: string, source: string | undefined, json: boolean, io: CliIo): Promise<number> {
  if (action === 'list') {
    return finish(await core.handlers['weights:list']({}), json, io, (list) =>
      [t('cli:weights.folder', { dir: list.dir }), ...(list.files.length ? list.files.map((f) => `  ${f.name}  ${formatBytes(f.sizeBytes)}  sha256 ${f.sha256}`) : [`  ${t('cli:weights.empty')}`])].join('\n'),
    );
  }
  const operationId = `cli-${randomUUID().slice(0, 8)}`;
  const unsubscribe = core.subscribe((event) => {
    if (event.type === 'weights:progress' && event.progress.operationId === operationId) {
      const { bytesDone, bytesTotal, file } = event.progress;
      io.status?.(bytesTotal ? t('cli:weights.progressOf', { file, done: formatBytes(bytesDone), total: formatBytes(bytesTotal) }) : `${file} ${formatBytes(bytesDone)}`);
    }
  });
  const cancel = () => void core.handlers['operations:cancel']({ operationId });
  const stopListening = onFirstInterrupt(cancel);
  try {
    const response = await core.handlers['weights:import']({ source: path.resolve(source ?? ''), operationId });
    io.status?.('');
    return finish(response, json, io, formatImport);
  } finally {
    stopListening();
    unsubscribe();
  }
}
