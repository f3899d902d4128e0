/**
 * A small pool of probe workers (see probe-worker-source.ts): folder listings, and batches of file
 * names in, sizes, mtimes, first bytes and fingerprint lines out. The blocking calls run there, so
 * the main thread (Electron's main process) only hands out jobs and reads results. Result buffers
 * are recycled, so a scan of 100 000 files allocates a handful of them, not 100 000.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { PROBE_WORKER_SOURCE } from './probe-worker-source';

/** `ProbeBatch.status` values. */
export const PROBE_FILE = 0;
export const PROBE_FAILED = 1;
export const PROBE_FOLDER = 2;
export const PROBE_SPECIAL = 3;
export const PROBE_LINK = 4;

export interface ProbeBatch {
  sizes: Float64Array;
  mtimes: Float64Array;
  lengths: Uint16Array;
  status: Uint8Array;
  /** `names.length * headBytes` bytes: file i's first bytes start at `i * headBytes`. */
  heads: Uint8Array;
  /** [index, error code] of the files that could not be read. */
  errors: [number, string][];
  /** Fingerprint lines (`rel\tsize\tmtimeMs\n`) of the files (status FILE or FAILED), in batch order, in UTF-8. */
  lines: Uint8Array;
  /** Gives the batch's buffer back for reuse; the arrays above must not be used afterwards. */
  release(): void;
}

/** A folder's entries by type (from the listing, nothing opened), each sorted; or why it could not be read. */
export type Listing = { files: string[]; folders: string[]; links: string[]; special: string[] } | { error: string };

type Job =
  | { kind: 'list'; id: number; dir: string; resolve(listing: Listing): void; reject(error: unknown): void }
  | { kind: 'probe'; id: number; prefix: string; relPrefix: string; names: string[]; resolve(batch: ProbeBatch): void; reject(error: unknown): void };

interface Slot {
  worker: Worker;
  inFlight: Map<number, Job>;
}

type Reply = { id: number } & ({ buffer: ArrayBuffer; errors: [number, string][]; lines: Uint8Array } | Listing);

/** Workers to use: the machine's cores, at least 2 (I/O overlaps), at most 4. */
export function defaultWorkerCount(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(2, Math.min(4, cores));
}

/** Jobs waiting beyond what the busy workers hold before one more worker is started. */
const SPAWN_BACKLOG = 2;

const bufferBytes = (names: number, headBytes: number) => names * (19 + headBytes);

export class ProbePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly spare: ArrayBuffer[] = [];
  private nextId = 1;
  private failure: unknown = null;
  private closed = false;

  constructor(
    private readonly headBytes: number,
    /** The most names a batch may hold. */
    readonly batchSize = 512,
    private readonly maxWorkers = defaultWorkerCount(),
    /** Jobs a worker holds at once, so it never waits for the main thread. */
    private readonly depth = 2,
  ) {}

  /** Lists the folder `dir` (absolute, host form). Listings go before waiting batches: the walk waits on them. */
  list(dir: string): Promise<Listing> {
    return this.submit<Listing>((id, resolve, reject) => ({ kind: 'list', id, dir, resolve, reject }), true);
  }

  /** Probes `names` (at most `batchSize`) in the folder `dir` (absolute, host form); `relPrefix` starts their fingerprint paths. */
  probe(dir: string, names: string[], relPrefix = ''): Promise<ProbeBatch> {
    if (names.length > this.batchSize) return Promise.reject(new Error(`at most ${this.batchSize} names per batch`)); // a caller's bug: technical, English
    const prefix = dir.endsWith('/') || dir.endsWith('\\') ? dir : `${dir}${process.platform === 'win32' ? '\\' : '/'}`;
    return this.submit<ProbeBatch>((id, resolve, reject) => ({ kind: 'probe', id, prefix, relPrefix, names, resolve, reject }), false);
  }

  /**
   * Starts, ahead of time, the workers that `jobs` jobs about to come will need (a worker takes ~50 ms
   * to start): the first one for any job, more by the rule that applies when jobs pile up (see pump).
   */
  expect(jobs: number): void {
    if (this.closed || jobs <= 0) return;
    if (this.slots.length === 0) this.spawn();
    while (this.slots.length < this.maxWorkers && jobs - this.slots.length * this.depth > SPAWN_BACKLOG) this.spawn();
  }

  get workerCount(): number {
    return this.slots.length;
  }

  /** Stops the workers at once; pending jobs are rejected with `reason`. */
  async close(reason: unknown = new Error('the probe pool was closed')): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(reason);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate().catch(() => 0)));
  }

  private submit<T>(make: (id: number, resolve: (value: T) => void, reject: (error: unknown) => void) => Job, first: boolean): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the probe pool is closed'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const job = make(this.nextId++, resolve, reject);
      if (first) this.queue.unshift(job);
      else this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.leastBusy();
      // Another worker only when work piles up: starting one costs ~50 ms, more than a small dataset's whole scan.
      const saturated = !slot || (slot.inFlight.size >= this.depth && this.queue.length > SPAWN_BACKLOG);
      if (saturated && this.slots.length < this.maxWorkers) slot = this.spawn();
      if (!slot || slot.inFlight.size >= this.depth) return;
      const job = this.queue.shift()!;
      slot.inFlight.set(job.id, job);
      if (job.kind === 'list') {
        slot.worker.postMessage({ kind: 'list', id: job.id, dir: job.dir });
      } else {
        const buffer = this.spare.pop() ?? new ArrayBuffer(bufferBytes(this.batchSize, this.headBytes));
        slot.worker.postMessage({ kind: 'probe', id: job.id, prefix: job.prefix, relPrefix: job.relPrefix, names: job.names, headBytes: this.headBytes, buffer }, [buffer]);
      }
    }
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) if (!best || slot.inFlight.size < best.inFlight.size) best = slot;
    return best;
  }

  private spawn(): Slot {
    // a roomier young generation: each fstat leaves a Stats object and its Dates behind, all dead at once
    const worker = new Worker(PROBE_WORKER_SOURCE, { eval: true, name: 'aucmedi-dataset-probe', resourceLimits: { maxYoungGenerationSizeMb: 32 } });
    const slot: Slot = { worker, inFlight: new Map() };
    worker.on('message', (reply: Reply) => {
      const job = slot.inFlight.get(reply.id);
      if (!job) return;
      slot.inFlight.delete(reply.id);
      if (job.kind === 'list') {
        const { id: _id, ...listing } = reply as { id: number } & Listing;
        job.resolve(listing as Listing);
      } else {
        const { buffer, errors, lines } = reply as { buffer: ArrayBuffer; errors: [number, string][]; lines: Uint8Array };
        job.resolve(this.view(buffer, job.names.length, errors, lines));
      }
      this.pump();
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new Error(`a dataset probe worker stopped (exit code ${code})`));
    });
    this.slots.push(slot);
    return slot;
  }

  private view(buffer: ArrayBuffer, n: number, errors: [number, string][], lines: Uint8Array): ProbeBatch {
    let released = false;
    return {
      sizes: new Float64Array(buffer, 0, n),
      mtimes: new Float64Array(buffer, 8 * n, n),
      lengths: new Uint16Array(buffer, 16 * n, n),
      status: new Uint8Array(buffer, 18 * n, n),
      heads: new Uint8Array(buffer, 19 * n, n * this.headBytes),
      errors,
      lines,
      release: () => {
        if (released || this.closed) return;
        released = true;
        this.spare.push(buffer);
      },
    };
  }

  private failAll(error: unknown): void {
    this.failure ??= error;
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const slot of this.slots) {
      for (const job of slot.inFlight.values()) job.reject(error);
      slot.inFlight.clear();
    }
  }
}
