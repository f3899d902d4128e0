/**
 * Locks held by a live process: a small file made with O_EXCL that names its holder; a lock whose
 * process has ended is stale and taken over.
 *
 * One follower per run: the process that reads a run's container log also writes its run.log and
 * record, so the app and the CLI (`runs attach`) must never follow the same run at once. The
 * follower holds `<id>.follower` beside the run records (the app and the CLI share that folder).
 * The same kind of lock claims a run's output folder while the run is being started
 * (src/runs/preflight.ts).
 */
import { existsSync, linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** A takeover guard older than this was left by a process that died within its few microseconds. */
const GUARD_STALE_MS = 10_000;

/**
 * Takes the lock `file`: null when this process holds it now, else the live holder. Throws when the
 * lock cannot be made at all (a folder that is read-only or gone).
 *
 * The lock appears whole or not at all: written to a temporary file, then hard-linked into place
 * (link fails when the name exists, as O_EXCL does, but no reader can find it empty). A stale lock
 * is taken over only under a second lock, `<file>.takeover`, after looking again: two processes
 * that both found it stale cannot both replace it.
 */
export function takeLock(file: string): LockHolder | null {
  const mine: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  const temporary = `${file}.${process.pid}.new`;
  writeFileSync(temporary, JSON.stringify(mine));
  try {
    for (let attempt = 0; ; attempt++) {
      if (linkNew(temporary, file)) return null;
      const holder = liveLockHolder(file);
      if (holder) return holder;
      const guard = `${file}.takeover`;
      if (!linkNew(temporary, guard)) {
        const age = Date.now() - (statSync(guard, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > GUARD_STALE_MS) rmSync(guard, { force: true });
        if (attempt > 2000) throw new Error(`the lock ${file} is being taken over by another process that does not finish`);
        Atomics.wait(sleeper, 0, 0, 1 + (attempt % 10));
        continue;
      }
      try {
        // Under the guard nobody else removes the lock; a new one can only appear where there is none.
        if (!existsSync(file)) continue; // released meanwhile: link again
        const holder = liveLockHolder(file);
        if (holder) return holder;
        rmSync(file, { force: true });
        if (linkNew(temporary, file)) return null;
      } finally {
        rmSync(guard, { force: true });
      }
    }
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Links `from` to the new name `to`; false when `to` exists. Where the file system has no hard links (FAT, some shares), `to` is made with O_EXCL instead. */
function linkNew(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EPERM' && code !== 'ENOSYS') throw error;
  }
  try {
    writeFileSync(to, readFileSync(from), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Another process that holds the lock and still lives, or null. */
export function liveLockHolder(file: string): LockHolder | null {
  const holder = lockHolder(file);
  return holder && !(holder.pid === process.pid && holder.host === os.hostname()) && alive(holder) ? holder : null;
}

export function releaseLock(file: string): void {
  if (lockHolder(file)?.pid === process.pid) rmSync(file, { force: true });
}

function lockHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

export class FollowerLocks {
  constructor(private readonly dir: string) {}

  private file(runId: string): string {
    return path.join(this.dir, `${runId}.follower`);
  }

  /** Takes the run's lock; returns the live holder instead when another process follows it. */
  acquire(runId: string): LockHolder | null {
    try {
      return takeLock(this.file(runId));
    } catch {
      return null; // cannot lock (read-only folder): follow without
    }
  }

  liveHolder(runId: string): LockHolder | null {
    return liveLockHolder(this.file(runId));
  }

  release(runId: string): void {
    releaseLock(this.file(runId));
  }

  holder(runId: string): LockHolder | null {
    return lockHolder(this.file(runId));
  }
}

/** A holder on another computer (a shared home folder) counts as alive: its process cannot be checked from here. */
function alive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
