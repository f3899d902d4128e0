/**
 * A rename that waits out a file held open for a moment. On Windows a virus scanner or the search
 * indexer opens a just-written file, and renaming over it (or it) fails with EPERM, EBUSY or EACCES
 * until it lets go, usually within milliseconds; npm's graceful-fs waits the same way. Other errors,
 * and these after about two seconds, are thrown.
 */
import { renameSync } from 'node:fs';

const TRANSIENT = new Set(['EPERM', 'EBUSY', 'EACCES']);
const WAITS_MS = [5, 10, 20, 40, 80, 160, 320, 640, 800];
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function renameRetrying(from: string, to: string, rename: (from: string, to: string) => void = renameSync): void {
  for (let attempt = 0; ; attempt++) {
    try {
      rename(from, to);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (!TRANSIENT.has(code) || attempt >= WAITS_MS.length) throw error;
      Atomics.wait(sleeper, 0, 0, WAITS_MS[attempt]); // a synchronous wait: the callers write synchronously
    }
  }
}
