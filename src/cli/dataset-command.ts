import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { formatBytes } from '../api/format';
import type { Core } from '../core';
import { t } from '../i18n';
import { formatDatasetReport } from '../dataset/format';
import { finish, type CliIo } from './image-command';
import { onFirstInterrupt } from './interrupts';

/** `aucmedi-desk dataset validate PATH [--gt FILE] [--ohe] [--json]`: exit 0 without errors, 1 with errors. */
export async function datasetValidateCommand(core: Core, folder: string, gtFile: string | undefined, ohe: boolean, json: boolean, io: CliIo): Promise<number> {
  const scanId = `cli-${randomUUID().slice(0, 8)}`;
  const unsubscribe = core.subscribe((event) => {
    if (event.type === 'dataset:scan-progress' && event.progress.scanId === scanId) {
      io.status?.(t('cli:dataset.checking', { files: event.progress.filesSeen, size: formatBytes(event.progress.bytesSeen) }));
    }
  });
  const cancel = () => void core.handlers['operations:cancel']({ operationId: scanId });
  const stopListening = onFirstInterrupt(cancel);
  try {
    const response = await core.handlers['dataset:scan']({ path: path.resolve(folder), gtFile: gtFile ? path.resolve(gtFile) : null, ohe, scanId });
    const code = finish(response, json, io, formatDatasetReport);
    return code === 0 && response.ok && response.data.errors > 0 ? 1 : code;
  } finally {
    stopListening();
    unsubscribe();
  }
}
