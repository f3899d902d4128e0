import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { formatBytes } from '../api/format';
import type { WeightsImportResult } from '../api/weights';
import type { Core } from '../core';
import { finish, type CliIo } from './image-command';
import { onFirstInterrupt } from './interrupts';

export function formatImport(result: WeightsImportResult): string {
  const lines = [`Weights folder: ${result.weightsDir}`];
  for (const file of result.imported) lines.push(`  imported  ${file.name}  ${formatBytes(file.sizeBytes)}  ${file.sha256.slice(0, 16)}…`);
  for (const file of result.skipped) lines.push(`  skipped   ${file.name}: ${file.reason}`);
  for (const file of result.refused) lines.push(`  refused   ${file.name}: ${file.reason}`);
  if (result.imported.length + result.skipped.length + result.refused.length === 0) lines.push('  nothing found to import');
  return lines.join('\n');
}

/** `aucmedi-desk weights list|import SOURCE`. */
export async function weightsCommand(core: Core, action: string, source: string | undefined, json: boolean, io: CliIo): Promise<number> {
  if (action === 'list') {
    return finish(await core.handlers['weights:list']({}), json, io, (list) =>
      [`Weights folder: ${list.dir}`, ...(list.files.length ? list.files.map((f) => `  ${f.name}  ${formatBytes(f.sizeBytes)}  sha256 ${f.sha256}`) : ['  (empty: only Vanilla can train offline)'])].join('\n'),
    );
  }
  const operationId = `cli-${randomUUID().slice(0, 8)}`;
  const unsubscribe = core.subscribe((event) => {
    if (event.type === 'weights:progress' && event.progress.operationId === operationId) {
      const { bytesDone, bytesTotal, file } = event.progress;
      io.status?.(`${file} ${formatBytes(bytesDone)}${bytesTotal ? ` of ${formatBytes(bytesTotal)}` : ''}`);
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
