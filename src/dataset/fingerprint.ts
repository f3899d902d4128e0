/**
 * The dataset fingerprint: file count, total bytes, and the sha256 of the sorted
 * `relativePath\tsize\tmtimeMs\n` lines (relative paths '/'-separated, mtime in whole ms).
 *
 * Built during the walk from runs: the probe workers return each batch's lines as one UTF-8 text, in
 * name order, so a folder's batches are ascending runs. At the end the runs are put in order; when
 * folders do not interleave (the usual case) hashing is a concatenation, otherwise the lines are
 * merged. Hashing goes in short steps, so that even 100 000 files never block the event loop.
 */
import { createHash } from 'node:crypto';
import type { DatasetFingerprint } from '../api/dataset';

export function fingerprintLine(rel: string, size: number, mtimeMs: number): string {
  return `${rel}\t${size}\t${Math.floor(mtimeMs)}`;
}

/**
 * The order of the fingerprint lines, decided on the paths alone: as if each path were followed by
 * the line's tab ("a.png" before "a.png2", but after "a.png\u0001").
 */
export function compareLines(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  if (a.length === b.length) return 0;
  return a.length < b.length ? 9 - b.charCodeAt(n) : a.charCodeAt(n) - 9;
}

/** A character that sorts before the line's tab: only names holding one can order differently as lines. */
const BEFORE_TAB = /[\0-\x08]/;

/** Sorts names of one folder into fingerprint line order (the default sort, unless a name holds a control character). */
export function sortForLines(names: string[]): string[] {
  return names.some((name) => BEFORE_TAB.test(name)) ? names.sort(compareLines) : names.sort();
}

interface Run {
  first: string;
  last: string;
  /** The run's lines, each ending in '\n', in UTF-8. */
  text: Uint8Array;
}

/** Bytes of line text hashed between two yields to the event loop. */
const STEP_BYTES = 256 * 1024;

export class FingerprintBuilder {
  private readonly runs: Run[] = [];
  private fileCount = 0;
  private totalBytes = 0;

  /** A run of lines in line order (UTF-8): `first` and `last` are the paths of its first and last line. */
  addRun(first: string, last: string, text: Uint8Array, count: number, bytes: number): void {
    if (count === 0) return;
    this.runs.push({ first, last, text });
    this.fileCount += count;
    this.totalBytes += bytes;
  }

  add(rel: string, size: number, mtimeMs: number): void {
    this.addRun(rel, rel, Buffer.from(`${fingerprintLine(rel, size, mtimeMs)}\n`), 1, size);
  }

  async finish(): Promise<DatasetFingerprint> {
    const hash = createHash('sha256');
    const runs = this.runs.sort((x, y) => compareLines(x.first, y.first));
    const disjoint = runs.every((run, i) => i === 0 || compareLines(runs[i - 1]!.last, run.first) < 0);
    let since = 0;
    const update = async (text: Uint8Array | string) => {
      hash.update(text);
      since += text.length;
      if (since >= STEP_BYTES) {
        since = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    if (disjoint) {
      // the usual case: folders do not interleave, the runs only need concatenating
      for (const run of runs) await update(run.text);
    } else {
      await merge(runs, update);
    }
    return { fileCount: this.fileCount, totalBytes: this.totalBytes, sha256: hash.digest('hex') };
  }
}

/** k-way merge of the runs' lines (a binary min-heap of runs keyed by each run's next line). */
async function merge(runs: Run[], update: (text: string) => Promise<void>): Promise<void> {
  const utf8 = new TextDecoder();
  const lines = runs.map((run) => utf8.decode(run.text).slice(0, -1).split('\n'));
  const at = runs.map(() => 0);
  const heap: number[] = [];
  const less = (a: number, b: number) => lines[a]![at[a]!]! < lines[b]![at[b]!]!;
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  const siftDown = () => {
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (let r = 0; r < runs.length; r++) {
    heap.push(r);
    for (let i = heap.length - 1; i > 0 && less(heap[i]!, heap[(i - 1) >> 1]!); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
  }
  let out: string[] = [];
  while (heap.length > 0) {
    const r = heap[0]!;
    out.push(lines[r]![at[r]!]!);
    at[r]! += 1;
    if (at[r]! >= lines[r]!.length) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    siftDown();
    if (out.length >= 4096) {
      await update(`${out.join('\n')}\n`);
      out = [];
    }
  }
  if (out.length > 0) await update(`${out.join('\n')}\n`);
}

/** The same fingerprint computed in one go, from (relative path, size, mtime) entries. */
export function fingerprintOf(entries: readonly { rel: string; size: number; mtimeMs: number }[]): DatasetFingerprint {
  const lines = entries.map((e) => fingerprintLine(e.rel, e.size, e.mtimeMs)).sort();
  const hash = createHash('sha256');
  if (lines.length > 0) hash.update(`${lines.join('\n')}\n`);
  return { fileCount: entries.length, totalBytes: entries.reduce((sum, e) => sum + e.size, 0), sha256: hash.digest('hex') };
}
