import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { TAR_END, tarHeader } from './tar-header';

/**
 * A tar archive of local files as a stream of large buffers, built in a worker thread: it reads
 * each file straight into the buffer being filled (after its header, before its padding), takes
 * the file's SHA-256 over the same bytes while they are in the cache, and hands the full buffer
 * over without a copy (transferred). The main thread only writes the buffers into the request, and
 * gives each back to the worker when it was written. Staging a dataset
 * of many small images costs per file a few system calls and no stream of its own
 * (bench/remote-stage; the worker replaced tar-stream entries read by a second thread, which
 * cost twice the CPU of `tar | docker cp` on the same machine).
 *
 * The headers are made here in the main thread (src/engine/tar-header.ts) and sent to the worker
 * a batch at a time, so memory does not grow with the number of files.
 *
 * Plain JavaScript run with `eval: true`, like src/engine/shared-sha256.ts: it runs unchanged
 * under vitest, from the one-file bundles and in Electron's main process.
 */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync, readdirSync, statSync } = require('node:fs');
const path = require('node:path');
const { createHash } = require('node:crypto');
const CHUNK = workerData.chunkBytes;
// The buffers come back after the main thread wrote them: reading into memory already touched
// costs a third of reading into fresh pages.
const free = [];
for (let i = 0; i < workerData.buffers; i++) free.push(Buffer.allocUnsafeSlow(CHUNK));
let buffer = null;
let used = 0;
let files = 0;
let hashes = [];
const items = [];
let last = false;
let asked = false;
let finished = false;
let pending = null; // header or padding bytes not yet in a buffer
let current = null; // { item, fd, left, hash }
const probe = Buffer.allocUnsafe(1);
const ZEROS = Buffer.alloc(512); // padding, only ever copied from

/** A buffer with room, or null while every buffer is out. */
function room() {
  if (buffer && used < CHUNK) return buffer;
  if (buffer) {
    const full = buffer.buffer;
    parentPort.postMessage({ kind: 'chunk', buffer: full, length: used, files, hashes }, [full]);
    hashes = [];
    buffer = null;
  }
  if (free.length === 0) return null;
  buffer = free.pop();
  used = 0;
  return buffer;
}

/** Copies what is pending; false while it waits for a buffer. */
function flushPending() {
  while (pending) {
    const target = room();
    if (!target) return false;
    const n = pending.copy(target, used);
    used += n;
    pending = n < pending.length ? pending.subarray(n) : null;
  }
  return true;
}

/** One step of work; false while it waits (for a buffer or for more entries). */
function step() {
  if (!flushPending()) return false;
  if (current) {
    const { item } = current;
    if (current.left > 0) {
      const target = room();
      if (!target) return false;
      const n = readSync(current.fd, target, used, Math.min(CHUNK - used, current.left), null);
      if (n === 0) throw new Error(item.full + ' changed while it was sent');
      current.hash.update(target.subarray(used, used + n));
      used += n;
      current.left -= n;
      return true;
    }
    if (readSync(current.fd, probe, 0, 1, null) !== 0) throw new Error(item.full + ' changed while it was sent');
    closeSync(current.fd);
    hashes.push(item.index, current.hash.digest('hex'));
    files += 1;
    current = null;
    const rest = item.size % 512;
    if (rest) pending = ZEROS.subarray(0, 512 - rest);
    return true;
  }
  const item = items.shift();
  if (item) {
    pending = item.header;
    if (item.full !== null) current = { item, fd: openSync(item.full, 'r'), left: item.size, hash: createHash('sha256') };
    return true;
  }
  if (!last) {
    if (!asked) { asked = true; parentPort.postMessage({ kind: 'more' }); }
    return false;
  }
  if (buffer && used > 0) {
    const full = buffer.buffer;
    parentPort.postMessage({ kind: 'chunk', buffer: full, length: used, files, hashes }, [full]);
    buffer = null;
  }
  finished = true;
  parentPort.postMessage({ kind: 'end', files, hashes });
  return false;
}

function pump() {
  try {
    while (!finished && step());
  } catch (error) {
    if (current) { try { closeSync(current.fd); } catch {} current = null; }
    finished = true;
    parentPort.postMessage({ kind: 'error', message: String((error && error.message) || error) });
  }
}

/** Every regular file under the sources (a link to a file counts as that file; other special files are left out), in name order. */
function list(sources) {
  const files = [];
  const dirs = new Set();
  const walk = (full, rel) => {
    const info = statSync(full);
    if (info.isFile()) { files.push({ full, rel, size: info.size }); return; }
    if (!info.isDirectory()) return;
    if (rel) dirs.add(rel);
    for (const name of readdirSync(full).sort()) walk(path.join(full, name), rel ? rel + '/' + name : name);
  };
  for (const source of sources) walk(source.hostPath, source.at.replace(/^\/+|\/+$/g, ''));
  return { files, dirs: [...dirs].sort() };
}

parentPort.on('message', (message) => {
  if (message.kind === 'list') {
    try { parentPort.postMessage({ kind: 'listed', ...list(message.sources) }); }
    catch (error) { parentPort.postMessage({ kind: 'error', message: String((error && error.message) || error) }); }
    return;
  }
  if (message.kind === 'give') free.push(Buffer.from(message.buffer));
  if (message.kind === 'batch') {
    // the batch's headers come in one buffer, each item names its end in it
    const headers = Buffer.from(message.headers);
    let start = 0;
    for (const item of message.items) { item.header = headers.subarray(start, item.headerEnd); start = item.headerEnd; }
    items.push(...message.items); last = message.last; asked = false;
  }
  pump();
});
`;

export interface PackSource {
  /** A folder (its files, recursively) or one file on this computer. */
  hostPath: string;
  /** Where it goes in the archive ('/'-separated, relative); '' for the top. */
  at: string;
}

export interface PackedFile {
  full: string;
  /** In the archive, '/'-separated. */
  rel: string;
  size: number;
}

export interface PackProgress {
  /** Archive bytes handed on so far (headers and padding included). */
  bytes: number;
  files: number;
}

const CHUNK_BYTES = 1 << 20;
/** Buffers in use at a time: filled in the worker, or waiting to be written. */
const BUFFERS = 6;
/** Files whose headers go to the worker in one message. */
const BATCH = 512;

type Reply =
  | { kind: 'listed'; files: PackedFile[]; dirs: string[] }
  | { kind: 'chunk'; buffer: ArrayBuffer; length: number; files: number; hashes: Array<number | string> }
  | { kind: 'more' }
  | { kind: 'end'; files: number; hashes: Array<number | string> }
  | { kind: 'error'; message: string };

/** What docker-modem takes as a request body (`data.on('error', ...)`, `data.pipe(req)`, lib/modem.js buildRequest). */
interface Writer {
  write(chunk: Buffer, callback: (error?: Error | null) => void): boolean;
  end(): void;
}

/**
 * The archive of the sources' files, for a request body. `open` lists them (in the worker: a
 * synchronous walk costs a fifth of the CPU of one stat promise per file, and keeps the main
 * thread free); the packing starts when the body is piped into the request. Every buffer is
 * written with a callback, which hands the buffer back to the worker once the request took its
 * bytes (a Readable's pipe says nothing per chunk, so a buffer could not be used again safely).
 * `hashes` resolves with each file's SHA-256 (by `rel`) when the last byte was written. `destroy`
 * stops the worker and fails the request; `close` stops the worker in any case.
 */
export class ArchiveBody extends EventEmitter {
  readonly hashes: Promise<Array<[rel: string, sha256: string]>>;
  /** Total bytes of the files (what the progress counts). */
  readonly bytes: number;
  private sent = 0;
  private written = 0;
  private done = false;
  private settle!: { resolve: (value: Array<[string, string]>) => void; reject: (error: Error) => void };
  private readonly sha256s: string[];
  onProgress: ((progress: PackProgress) => void) | undefined;

  static async open(sources: readonly PackSource[]): Promise<ArchiveBody> {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'aucmedi-stage-packer', workerData: { chunkBytes: CHUNK_BYTES, buffers: BUFFERS } });
    try {
      let onMessage!: (reply: Reply) => void;
      let onError!: (error: Error) => void;
      const listed = await new Promise<{ files: PackedFile[]; dirs: string[] }>((resolve, reject) => {
        onMessage = (reply) => (reply.kind === 'listed' ? resolve(reply) : reject(new Error(reply.kind === 'error' ? reply.message : 'the packing thread did not list the files')));
        onError = reject;
        worker.once('message', onMessage).once('error', onError);
        worker.postMessage({ kind: 'list', sources: sources.map(({ hostPath, at }) => ({ hostPath, at })) });
      }).finally(() => worker.off('message', onMessage).off('error', onError));
      return new ArchiveBody(worker, listed.dirs, listed.files);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  private constructor(
    private readonly worker: Worker,
    readonly dirs: readonly string[],
    readonly files: readonly PackedFile[],
  ) {
    super();
    this.bytes = files.reduce((sum, file) => sum + file.size, 0);
    this.sha256s = new Array<string>(files.length);
    this.hashes = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.hashes.catch(() => undefined); // said as the request's failure too
    worker.on('error', (error) => this.destroy(error));
    worker.on('exit', () => this.destroy(new Error('the packing thread stopped')));
  }

  pipe<T extends Writer>(dest: T): T {
    const mtime = Math.floor(Date.now() / 1000);
    const entries = this.dirs.length + this.files.length;
    const sendBatch = () => {
      const items = [];
      const headers: Buffer[] = [];
      let headerEnd = 0;
      for (let index = this.sent; index < Math.min(entries, this.sent + BATCH); index++) {
        const file = index < this.dirs.length ? null : this.files[index - this.dirs.length]!;
        const header = file
          ? tarHeader({ name: file.rel, type: 'file', size: file.size, mode: 0o644, mtime })
          : tarHeader({ name: this.dirs[index]!, type: 'directory', size: 0, mode: 0o755, mtime });
        headers.push(header);
        headerEnd += header.length;
        items.push({ index: index - this.dirs.length, full: file?.full ?? null, size: file?.size ?? 0, headerEnd });
      }
      this.sent += items.length;
      // one buffer for the batch's headers, moved, not copied: a typed array per header cost a clone each
      const joined = new Uint8Array(headerEnd);
      let at = 0;
      for (const header of headers) {
        joined.set(header, at);
        at += header.length;
      }
      this.worker.postMessage({ kind: 'batch', items, headers: joined.buffer, last: this.sent >= entries }, [joined.buffer]);
    };
    const keep = (hashes: Array<number | string>) => {
      for (let i = 0; i < hashes.length; i += 2) this.sha256s[hashes[i] as number] = hashes[i + 1] as string;
    };
    this.worker.on('message', (reply: Reply) => {
      if (this.done) return;
      if (reply.kind === 'chunk') {
        keep(reply.hashes);
        dest.write(Buffer.from(reply.buffer, 0, reply.length), (error) => {
          if (!error && !this.done) this.worker.postMessage({ kind: 'give', buffer: reply.buffer }, [reply.buffer]);
        });
        this.written += reply.length;
        this.onProgress?.({ bytes: this.written, files: reply.files });
      } else if (reply.kind === 'more') {
        sendBatch();
      } else if (reply.kind === 'end') {
        keep(reply.hashes);
        this.done = true;
        void this.worker.terminate();
        dest.write(TAR_END, (error) => {
          if (error) this.settle.reject(error);
          else this.settle.resolve(this.files.map((file, i) => [file.rel, this.sha256s[i]!]));
        });
        dest.end();
      } else if (reply.kind === 'error') {
        this.destroy(new Error(reply.message));
      }
    });
    sendBatch();
    return dest;
  }

  /** Stops the packing; the request fails with `error`. Does nothing once the archive is complete. */
  destroy(error: Error = new Error('the archive was not finished')): void {
    if (this.done) return;
    this.done = true;
    void this.worker.terminate();
    this.settle.reject(error);
    this.emit('error', error);
  }

  /** Stops the worker (a body never piped, or one whose request failed). */
  async close(): Promise<void> {
    this.done = true;
    await this.worker.terminate();
  }
}
