/**
 * Worker threads for the pixel work of a conversion (src/dicom/tasks.ts), one per core up to four,
 * so decoding and PNG encoding use every core and the app's main process stays responsive.
 * The worker is its own bundle (scripts/build.mjs writes `dicom-worker.mjs` next to the CLI's and
 * the Electron main process's bundles); where it is absent (the sources run under vitest) the tasks
 * run in the calling thread, one by one, with the same results.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Message } from '../i18n/message';
import { UndecodableFrame } from './codecs';
import { DicomReason } from './read-file';
import { runDicomTask, type DicomTask, type DicomTaskResult } from './tasks';

export const DICOM_WORKER_FILE = 'dicom-worker.mjs';

/** The worker bundle beside the running bundle, or null when there is none. */
export function bundledWorkerScript(): URL | null {
  const url = new URL(`./${DICOM_WORKER_FILE}`, import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

/**
 * What a worker posts back: a result, or an error as its message, its catalog message (a DicomReason's,
 * plain JSON, so the reason is rendered again on this side) and whether it is an undecodable frame.
 */
export type WorkerReply = { id: number; result: DicomTaskResult } | { id: number; error: string; reason: Message | null; undecodable: boolean };

interface Job {
  id: number;
  task: DicomTask;
  resolve: (result: DicomTaskResult) => void;
  reject: (error: Error) => void;
}

export class DicomThreads {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private failure: Error | null = null;
  private nextId = 1;

  /** Worker threads from `script` (none: the calling thread does the work). */
  constructor(script: URL | null = bundledWorkerScript(), count = Math.min(4, os.availableParallelism())) {
    if (!script) return;
    for (let i = 0; i < count; i++) {
      const worker = new Worker(script, { name: `aucmedi-dicom-${i + 1}` });
      worker.on('message', (reply: WorkerReply) => this.settle(worker, reply));
      worker.on('error', (error) => this.fail(new Error(`a DICOM conversion thread failed: ${error.message}`)));
      worker.on('exit', (code) => this.fail(new Error(`a DICOM conversion thread stopped (exit code ${code})`)));
      this.idle.push(worker);
    }
  }

  /** How many worker threads do the work (0: the calling thread). */
  get threads(): number {
    return this.idle.length + this.busy.size;
  }

  /** Runs `task`; its bytes are moved to the worker, so the caller must not use them again. */
  run(task: DicomTask): Promise<DicomTaskResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.threads === 0) return runDicomTask(task);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    const workers = [...this.idle, ...this.busy.keys()];
    this.failure ??= new Error('the DICOM conversion threads were closed');
    this.fail(this.failure);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      const { bytes } = job.task;
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      worker.postMessage({ id: job.id, task: job.task }, whole ? [bytes.buffer as ArrayBuffer] : []);
    }
  }

  private settle(worker: Worker, reply: WorkerReply): void {
    const job = this.busy.get(worker);
    if (!job || job.id !== reply.id) return;
    this.busy.delete(worker);
    this.idle.push(worker);
    if ('result' in reply) job.resolve(reply.result);
    else job.reject(reply.reason ? (reply.undecodable ? new UndecodableFrame(reply.reason) : new DicomReason(reply.reason)) : new Error(reply.error));
    this.dispatch();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const job of [...this.busy.values(), ...this.queue.splice(0)]) job.reject(this.failure);
    this.busy.clear();
    this.idle.length = 0;
  }
}
