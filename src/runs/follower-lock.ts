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
import { openSync, readFileSync, renameSync, rmSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/**
 * Takes the lock `file`: null when this process holds it now, else the live holder. Throws when the
 * lock cannot be made at all (a folder that is read-only or gone).
 */
export function takeLock(file: string): LockHolder | null {
  const mine: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  try {
    const fd = openSync(file, 'wx');
    try {
      writeSync(fd, JSON.stringify(mine));
    } finally {
      closeSync(fd);
    }
    return null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = liveLockHolder(file);
  if (holder) return holder;
  const temporary = `${file}.${process.pid}`;
  const fd = openSync(temporary, 'w');
  writeSync(fd, JSON.stringify(mine));
  closeSync(fd);
  renameSync(temporary, file);
  return null;
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
