/**
 * One follower per run: the process that reads a run's container log also writes its run.log and
 * record, so the app and the CLI (`runs attach`) must never follow the same run at once. The
 * follower holds `<id>.follower` beside the run records (the app and the CLI share that folder);
 * a lock whose process has ended is stale and taken over.
 */
import { openSync, readFileSync, renameSync, rmSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

export class FollowerLocks {
  constructor(private readonly dir: string) {}

  private file(runId: string): string {
    return path.join(this.dir, `${runId}.follower`);
  }

  /** Takes the run's lock; returns the live holder instead when another process follows it. */
  acquire(runId: string): LockHolder | null {
    const mine: LockHolder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
    const file = this.file(runId);
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(mine));
      closeSync(fd);
      return null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return null; // cannot lock (read-only folder): follow without
    }
    const holder = this.liveHolder(runId);
    if (holder) return holder;
    const temporary = `${file}.${process.pid}`;
    const fd = openSync(temporary, 'w');
    writeSync(fd, JSON.stringify(mine));
    closeSync(fd);
    renameSync(temporary, file);
    return null;
  }

  /** Another process that holds the lock and still lives, or null. */
  liveHolder(runId: string): LockHolder | null {
    const holder = this.holder(runId);
    return holder && !(holder.pid === process.pid && holder.host === os.hostname()) && alive(holder) ? holder : null;
  }

  release(runId: string): void {
    if (this.holder(runId)?.pid === process.pid) rmSync(this.file(runId), { force: true });
  }

  holder(runId: string): LockHolder | null {
    try {
      const parsed = JSON.parse(readFileSync(this.file(runId), 'utf8')) as LockHolder;
      return typeof parsed.pid === 'number' ? parsed : null;
    } catch {
      return null;
    }
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
