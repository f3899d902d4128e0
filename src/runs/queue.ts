/**
 * The run queue: trainings, predictions and evaluations waiting their turn. A queued run starts
 * when nothing running on the same engine needs what it needs (that engine's CPU, or the same GPUs
 * of it); runs on different GPUs, or on different engines, go side by side. The queue is one JSON
 * file (atomic writes), so it survives restarts; while an engine is down its queued runs wait (the
 * others go on), and a run the preflight refuses stays in the queue with the reason until the user
 * removes it.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { localizedError, localizedException, UserErrorException } from '../api/errors';
import type { UserError } from '../api/errors';
import { msg, type Message } from '../i18n/message';
import { LOCAL_ENGINE, type GpuChoice, type QueueEntry, type QueueItem, type RecordedGpus, type RunRecord } from '../api/runs';
import { trainingArgs, predictionArgs, evaluationArgs } from '../aucmedi/arguments';
import { isConnectionError } from '../engine/engine-errors';
import { writeFileAtomic } from '../settings/store';

export interface RunQueueDeps {
  file: string;
  start: (item: QueueItem) => Promise<RunRecord>;
  activeRuns: () => RunRecord[];
  engineUp: () => Promise<boolean>;
  onChange: (queue: QueueEntry[]) => void;
  /** How soon runs waiting for a server that did not answer are tried again (this computer's engine wakes the queue by its own events). */
  retryMs?: number;
}

/** A run's processor on its engine: runs on different engines never compete (each engine its CPU and GPUs). */
export interface Seat {
  engine: string;
  gpus: RecordedGpus;
}

const seatOf = (engine: string | null | undefined, gpus: RecordedGpus): Seat => ({ engine: engine ?? LOCAL_ENGINE, gpus });

/**
 * Two runs can go side by side only on different GPUs (each run has one: AUCMEDI trains on one
 * GPU); the CPU is taken whole. A run of an older version recorded with "all GPUs" holds them all.
 */
export function conflicts(a: RecordedGpus, b: RecordedGpus): boolean {
  if (a.kind === 'none' || b.kind === 'none') return a.kind === b.kind;
  if (a.kind === 'all' || b.kind === 'all') return true;
  return a.ids.some((id) => b.ids.includes(id));
}

/**
 * The GPU a run gets when none was named: the first of `gpus` (by index) that no running run
 * uses, else the first; null when there is none. Runs then spread over the GPUs one each.
 */
export function freeGpu(gpus: readonly { index: number; uuid?: string | null }[], busy: readonly RecordedGpus[]): GpuChoice | null {
  const sorted = [...gpus].sort((a, b) => a.index - b.index);
  const choice = (gpu: { index: number }): GpuChoice => ({ kind: 'ids', ids: [String(gpu.index)] });
  const free = sorted.find((gpu) => !busy.some((other) => conflicts({ kind: 'ids', ids: [String(gpu.index), ...(gpu.uuid ? [gpu.uuid] : [])] }, other)));
  return free ? choice(free) : sorted[0] ? choice(sorted[0]) : null;
}

/** A queued run of an older version asked for all GPUs (or several): it waits with this until the user removes it. */
export function allGpusQueued(): UserError {
  return localizedError('GPU_UNAVAILABLE', msg('runs:queue.allGpus'), msg('runs:queue.allGpusAction'));
}

export class RunQueue {
  private entries: QueueEntry[];
  private ticking = false;
  private again = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RunQueueDeps) {
    this.entries = readQueue(deps.file);
  }

  list(): QueueEntry[] {
    return this.entries.map((entry, index) => ({ ...entry, position: index + 1 }));
  }

  /** Checks the options (not the data: that is checked when the run starts) and queues the run last. */
  add(item: QueueItem): QueueEntry {
    checkOptions(item);
    checkInputs(item);
    this.checkOutputFolder(item);
    const entry: QueueEntry = { id: `queued-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`, addedAt: new Date().toISOString(), position: 0, item, error: null };
    this.entries.push(entry);
    this.changed();
    void this.tick();
    return this.list().find((e) => e.id === entry.id)!;
  }

  /** Moves an entry to `position` (1 = next). */
  move(id: string, position: number): QueueEntry[] {
    const index = this.indexOf(id);
    const [entry] = this.entries.splice(index, 1);
    this.entries.splice(Math.max(0, Math.min(this.entries.length, position - 1)), 0, entry!);
    this.changed();
    void this.tick();
    return this.list();
  }

  remove(id: string): QueueEntry[] {
    this.entries.splice(this.indexOf(id), 1);
    this.changed();
    return this.list();
  }

  /**
   * Starts what can start now, in queue order: an entry starts when no running run and no entry
   * before it (still waiting) needs the same CPU or GPUs, so a later run never overtakes an earlier
   * one on the same resources.
   */
  async tick(): Promise<void> {
    if (this.closed) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    const down = new Set<string>();
    try {
      do {
        this.again = false;
        if (!this.entries.some((e) => e.error === null) || !(await this.deps.engineUp().catch(() => false))) return;
        const busy = this.deps.activeRuns().map((run) => seatOf(run.placement?.engine, run.gpus));
        const waiting: Seat[] = [];
        down.clear();
        for (const entry of [...this.entries]) {
          if (this.closed) return;
          if (entry.error) continue;
          const seat = seatOf(entry.item.request.engine, entry.item.request.gpus);
          if (down.has(seat.engine) || [...busy, ...waiting].some((other) => other.engine === seat.engine && conflicts(seat.gpus, other.gpus))) {
            waiting.push(seat);
            continue;
          }
          try {
            await this.deps.start(entry.item);
            this.entries = this.entries.filter((e) => e.id !== entry.id);
            busy.push(seat);
          } catch (error) {
            // that engine went away: its runs wait for it, the other engines' go on
            if (isEngineError(error)) {
              down.add(seat.engine);
              waiting.push(seat);
              continue;
            }
            entry.error = error instanceof UserErrorException ? error.userError : localizedError('RUN_START_FAILED', msg('runs:queue.startFailed'), msg('runs:queue.startFailedAction'));
            waiting.push(seat);
          }
          this.changed();
        }
      } while (this.again);
    } finally {
      this.ticking = false;
      if (down.size > 0 && !this.retry && !this.closed) {
        this.retry = setTimeout(() => {
          this.retry = null;
          void this.tick();
        }, this.deps.retryMs ?? 30_000);
        this.retry.unref();
      }
    }
  }

  /** Starts nothing more (the core is going away; the queue stays on disk for the next start). */
  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
  }

  /**
   * A named output folder must not be another queued or running run's, nor hold files now; the claim
   * at start (src/runs/preflight.ts) is what makes it safe, this only says it at once.
   */
  private checkOutputFolder(item: QueueItem): void {
    const wanted = item.request.outputDir ? path.resolve(item.request.outputDir) : null;
    if (!wanted) return;
    const queued = this.entries.some((entry) => entry.item.request.outputDir && path.resolve(entry.item.request.outputDir) === wanted);
    const running = this.deps.activeRuns().some((run) => path.resolve(run.outputDir) === wanted);
    const refuse = (message: Message) => localizedException('OUTPUT_FOLDER_UNUSABLE', message, msg('runs:preflight.output.takenAction'));
    if (queued) throw refuse(msg('runs:queue.outputQueued', { dir: wanted }));
    if (running) throw refuse(msg('runs:queue.outputRunning', { dir: wanted }));
    const entries = statOf(wanted)?.isDirectory() ? readdirSync(wanted) : [];
    if (entries.length > 0) throw refuse(msg('runs:preflight.output.notEmpty', { dir: wanted }));
  }

  private indexOf(id: string): number {
    const index = this.entries.findIndex((e) => e.id === id);
    if (index < 0) throw localizedException('RUN_NOT_FOUND', msg('runs:queue.notQueued'), msg('runs:queue.notQueuedAction'));
    return index;
  }

  private changed(): void {
    writeFileAtomic(this.deps.file, JSON.stringify(this.entries));
    this.deps.onChange(this.list());
  }
}

function checkOptions(item: QueueItem): void {
  if (item.mode === 'training') trainingArgs({ ...item.request.options, ohe: item.request.dataset.ohe, gt: item.request.dataset.gtFile !== null });
  else if (item.mode === 'prediction') predictionArgs(item.request.options);
  else evaluationArgs({ ohe: item.request.dataset.ohe, gt: item.request.dataset.gtFile !== null });
}

/** The folders and files a queued run will read must be there now (their content is checked at start). */
function checkInputs(item: QueueItem): void {
  const folders: [string, (path: string) => Message][] = [];
  const files: [string, (path: string) => Message][] = [];
  if (item.mode === 'prediction') folders.push([item.request.images, (where) => msg('runs:queue.notFolder.imageFolder', { path: where })]);
  else {
    folders.push([item.request.dataset.path, (where) => msg('runs:queue.notFolder.datasetFolder', { path: where })]);
    if (item.request.dataset.gtFile) files.push([item.request.dataset.gtFile, (where) => msg('runs:queue.notFile.annotationFile', { path: where })]);
  }
  if (item.mode !== 'training' && 'dir' in item.request.model) folders.push([item.request.model.dir, (where) => msg('runs:queue.notFolder.modelFolder', { path: where })]);
  for (const [where, message] of folders) if (!statOf(where)?.isDirectory()) throw notThere(message(where));
  for (const [where, message] of files) if (!statOf(where)?.isFile()) throw notThere(message(where));
}

function statOf(where: string) {
  try {
    return statSync(where);
  } catch {
    return null;
  }
}

function notThere(message: Message): UserErrorException {
  return localizedException('DATASET_NOT_FOUND', message, msg('runs:queue.notThereAction'));
}

function isEngineError(error: unknown): boolean {
  const code = error instanceof UserErrorException ? error.userError.code : null;
  return (code !== null && code.startsWith('ENGINE_')) || isConnectionError(error);
}

function readQueue(file: string): QueueEntry[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const entries = Array.isArray(parsed) ? (parsed as QueueEntry[]).filter((e) => typeof e?.id === 'string' && e.item && typeof e.item.mode === 'string') : [];
    // An entry of an older version may ask for all GPUs (or several): never started as it is.
    for (const entry of entries) {
      const gpus = entry.item.request?.gpus as RecordedGpus | undefined;
      if (entry.error === null && gpus && (gpus.kind === 'all' || (gpus.kind === 'ids' && gpus.ids.length !== 1))) entry.error = allGpusQueued();
    }
    return entries;
  } catch {
    return []; // no queue yet
  }
}

