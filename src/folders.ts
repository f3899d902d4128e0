import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Creates `dir` and the folders above it that are missing; returns the ones it created, outermost
 * first. Node 20's own `mkdir(..., { recursive: true })`, sync and async, spins for ever at full CPU
 * where a parent exists but answers a new entry with ENOENT (procfs: `/proc/newdir`; measured here),
 * as it reads ENOENT as "make the parent first". So the walk is done here: up to the first folder
 * that exists (each step shortens the path, so it ends at the root at the latest), then one mkdir
 * per level, and the first refusal (ENOENT under /proc, EEXIST of a dangling link) is thrown.
 */
export function makeFolders(dir: string): string[] {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; ) {
    const stats = statOrNull(at);
    if (stats) {
      if (!stats.isDirectory()) throw Object.assign(new Error(`${at} is a file, not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break; // a root that does not exist (a drive that is not there)
    at = parent;
  }
  const created: string[] = [];
  for (const folder of missing) {
    try {
      mkdirSync(folder);
      created.push(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statOrNull(folder)?.isDirectory()) throw error;
    }
  }
  return created;
}

function statOrNull(at: string) {
  try {
    return statSync(at);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
