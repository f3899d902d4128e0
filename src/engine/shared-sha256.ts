import { Worker } from 'node:worker_threads';

/**
 * SHA-256 computed in a worker thread over a SharedArrayBuffer, so a file can be hashed on a second
 * core while the main thread sends the same bytes on. The caller writes a chunk into `memory`,
 * calls `update(offset, length)` and must leave those bytes alone until the returned promise
 * resolves. Chunks are hashed in the order given.
 *
 * The worker is plain JavaScript run with `eval: true`, like the dataset probe workers: it then
 * runs unchanged under vitest, from the app's one-file bundle and in Electron's main process.
 */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData: memory } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (message) => {
  if (message.kind === 'digest') {
    parentPort.postMessage({ kind: 'digest', digest: hash.digest('hex') });
    return;
  }
  hash.update(new Uint8Array(memory, message.offset, message.length));
  parentPort.postMessage({ kind: 'hashed' });
});
`;

type Reply = { kind: 'hashed' } | { kind: 'digest'; digest: string };

export class SharedSha256 {
  private readonly worker: Worker;
  /** Replies come back in the order the requests went out. */
  private readonly waiting: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];
  private failure: Error | null = null;

  constructor(memory: SharedArrayBuffer) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, name: 'aucmedi-sha256', workerData: memory });
    this.worker.on('message', (reply: Reply) => this.waiting.shift()?.resolve(reply));
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the hashing thread stopped')));
  }

  update(offset: number, length: number): Promise<void> {
    return this.ask({ kind: 'update', offset, length }).then(() => undefined);
  }

  /** The hex digest of everything given to `update`. */
  async digest(): Promise<string> {
    const reply = await this.ask({ kind: 'digest' });
    return (reply as { digest: string }).digest;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private ask(message: object): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(message);
    });
  }
}
