/** The entry of a DICOM conversion worker thread (built to dicom-worker.mjs; see src/dicom/threads.ts). */
import { parentPort } from 'node:worker_threads';
import { UndecodableFrame } from './codecs';
import { DicomReason } from './read-file';
import { runDicomTask, type DicomTask } from './tasks';
import type { WorkerReply } from './threads';

parentPort!.on('message', ({ id, task }: { id: number; task: DicomTask }) => {
  runDicomTask(task).then(
    (result) => {
      const reply: WorkerReply = { id, result };
      parentPort!.postMessage(reply, result.kind === 'slice' ? [result.data.buffer as ArrayBuffer] : []);
    },
    (error: Error) => {
      const reply: WorkerReply = { id, error: error.message, reason: error instanceof DicomReason ? error.i18n : null, undecodable: error instanceof UndecodableFrame };
      parentPort!.postMessage(reply);
    },
  );
});
