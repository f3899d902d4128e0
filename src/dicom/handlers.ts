import { stat } from 'node:fs/promises';
import { errorDetail, UserErrorException } from '../api/errors';
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
    throw new UserErrorException({ code: 'DATASET_NOT_FOUND', message: `The folder ${folder} does not exist.`, action: 'Check the path, or choose the folder again.', detail: errorDetail(error) });
  });
  if (!stats.isDirectory()) throw new UserErrorException({ code: 'DATASET_NOT_A_FOLDER', message: `${folder} is not a folder.`, action: 'Choose the folder the DICOM files were exported into.' });
}

const cancelled = () => new UserErrorException({ code: 'OPERATION_CANCELLED', message: 'Stopped: nothing was kept.', action: 'Start it again when you are ready.' });

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
