import { Worker } from 'node:worker_threads';

/**
 * Reads small files and takes their SHA-256 in a worker thread, handing each file's bytes back
 * without a copy (the buffer is transferred): the main thread only packs and sends them. Staging a
 * dataset of many small images this way keeps a second core busy with reading and hashing while
 * the first encrypts and sends (bench/remote-stage).
 *
 * Plain JavaScript run with `eval: true`, as src/engine/shared-sha256.ts: it runs unchanged under
 * vitest, from the one-file bundles and in Electron's main process.
 */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, file }) => {
  try {
    const data = readFileSync(file);
    const sha256 = createHash('sha256').update(data).digest('hex');
    // a Buffer may be a slice of a shared pool: copy only then, so the transfer hands over this file alone
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    parentPort.postMessage({ id, buffer: own, sha256 }, [own]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

type Reply = { id: number; buffer: ArrayBuffer; sha256: string } | { id: number; error: string };

export class HashingReader {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, name: 'aucmedi-stage-reader' });
  private readonly waiting = new Map<number, { resolve: (value: { data: Buffer; sha256: string }) => void; reject: (error: Error) => void }>();
  private next = 0;
  private failure: Error | null = null;

  constructor() {
    this.worker.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!waiter) return;
      if ('error' in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve({ data: Buffer.from(reply.buffer), sha256: reply.sha256 });
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(this.failure);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the reading thread stopped')));
  }

  /** The file's bytes and their SHA-256 (hex). Files are read in the order asked. */
  read(file: string): Promise<{ data: Buffer; sha256: string }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, file });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
