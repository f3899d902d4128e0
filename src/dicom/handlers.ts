import { stat } from 'node:fs/promises';
import { errorDetail, localizedException } from '../api/errors';
import { msg } from '../i18n/message';
import type { Channel, RequestOf, ResponseOf } from '../api/channels';
import type { CoreEvent } from '../api/events';
import type { Operations } from '../operations';
import { convertDicomFolder } from './convert';
import { scanDicomFolder } from './scan';

type DicomChannel = Extract<Channel, `dicom:${string}`>;
export type DicomImplementations = { [C in DicomChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

/** The folder to read, refused with a sentence when it is not one. */
async function requireFolder(folder: string): Promise<void> {
  const stats = await stat(folder).catch((error: unknown) => {
    throw localizedException('DATASET_NOT_FOUND', msg('dicom:folder.notFound', { folder }), msg('dicom:folder.notFoundAction'), errorDetail(error));
  });
  if (!stats.isDirectory()) throw localizedException('DATASET_NOT_A_FOLDER', msg('dicom:folder.notAFolder', { folder }), msg('dicom:folder.notAFolderAction'));
}

const cancelled = () => localizedException('OPERATION_CANCELLED', msg('dicom:cancelled.scan'), msg('dicom:cancelled.action'));

/** dicom:scan and dicom:convert, with progress on the event stream, cancellable by operation id. */
export function dicomHandlers(deps: { operations: Operations; emit: (event: CoreEvent) => void }): DicomImplementations {
  const progress = (operationId: string) => {
    let last = 0;
    return (filesSeen: number, written = 0) => {
      if (Date.now() - last < 200) return;
      last = Date.now();
      deps.emit({ type: 'dicom:progress', progress: { operationId, filesSeen, written } });
    };
  };
  return {
    'dicom:scan': ({ path, classes, operationId }) =>
      deps.operations.run(operationId, async (signal) => {
        await requireFolder(path);
        return scanDicomFolder(path, { signal, progress: progress(operationId), ...(classes ? { classes } : {}) }).catch((error: unknown) => {
          throw signal.aborted ? cancelled() : error;
        });
      }),
    'dicom:convert': ({ source, out, options, operationId }) =>
      deps.operations.run(operationId, async (signal) => {
        await requireFolder(source);
        return convertDicomFolder(source, out, options, { signal, progress: progress(operationId) });
      }),
  };
}
