/**
 * The walk: has the probe workers list the dataset's folders and probe the regular files in batches
 * (size, mtime, first bytes, fingerprint lines), and feeds the results to a visitor on the main
 * thread, batch by batch, so the event loop stays free. Follows no symbolic link (links are
 * reported, never opened), opens no special file, writes nothing, and reports folders it cannot
 * read instead of failing.
 *
 * Layout: images sit at `imageDepth` (0: the dataset folder itself, CSV interface; 1: its class
 * folders, directory interface). Folders deeper than that are listed one level (a folder of DICOM
 * files is a series) and not descended further.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { FingerprintBuilder } from './fingerprint';
import { sortForLines } from './fingerprint';
import { isHiddenOrSystem, joinRel, splitName } from './names';
import { PROBE_FAILED, PROBE_FILE, PROBE_FOLDER, PROBE_LINK, type Listing, type ProbeBatch, type ProbePool } from './probe';

export interface WalkFile {
  /** '/'-separated path relative to the dataset folder (joined when read: most files need only `dir` and `name`). */
  readonly rel: string;
  /** Relative folder ('' for the dataset folder). */
  readonly dir: string;
  readonly name: string;
  /** 0: in the dataset folder, 1: in one of its sub-folders, 2: one level deeper. */
  readonly depth: number;
  readonly size: number;
  readonly mtimeMs: number;
  /**
   * The first bytes: `headLength` bytes of `heads` from `headStart` on (one buffer for a batch of files,
   * rather than a view per file). The object and the buffer are valid only during the visitor call.
   */
  readonly heads: Uint8Array;
  readonly headStart: number;
  readonly headLength: number;
  /** Error code when the file could not be opened or read. */
  readonly error: string | undefined;
}

/** The files of one batch, one after the other in one object: the visitor reads it during the call and keeps nothing. */
class BatchFile implements WalkFile {
  name = '';
  size = 0;
  mtimeMs = 0;
  headStart = 0;
  headLength = 0;
  error: string | undefined = undefined;
  constructor(
    readonly dir: string,
    readonly depth: number,
    private readonly prefix: string,
    readonly heads: Uint8Array,
  ) {}

  get rel(): string {
    return this.prefix + this.name;
  }
}

export type FolderRole =
  /** A folder that holds images: a class folder (directory interface). */
  | 'images'
  /** A folder below the image folders; ignored by AUCMEDI. */
  | 'nested'
  /** A folder below the image folders that holds only DICOM-like files: a series, probed. */
  | 'series-candidate'
  /** A hidden or system folder; not entered. */
  | 'hidden';

export interface WalkVisitor {
  folder(rel: string, depth: number, role: FolderRole): void;
  file(file: WalkFile): void;
  /** A symbolic link (never followed); `outside`: its target lies outside the dataset folder. */
  link(rel: string, depth: number, outside: boolean): void;
  /** Something that is neither file, folder nor link (FIFO, socket, device); never opened. */
  special(rel: string, depth: number): void;
  /** A hidden or system file not named like an image (.DS_Store, Thumbs.db): never opened, not fingerprinted. */
  hiddenFile(rel: string, depth: number): void;
  unreadableFolder(rel: string, code: string): void;
}

export interface WalkProgress {
  filesSeen: number;
  bytesSeen: number;
  currentFolder: string;
}

export interface WalkOptions {
  root: string;
  imageDepth: 0 | 1;
  pool: ProbePool;
  headBytes: number;
  /** Receives the fingerprint lines of every file probed. */
  fingerprint: FingerprintBuilder;
  visitor: WalkVisitor;
  /** Live counters, read by the caller's progress timer. */
  progress: WalkProgress;
  signal?: AbortSignal;
}

type Listed = Exclude<Listing, { error: string }>;

export async function walkDataset(options: WalkOptions): Promise<void> {
  const { root, imageDepth, pool, visitor, progress, signal } = options;
  const batchSize = pool.batchSize;
  const rootReal = await fsp.realpath(root).catch(() => root);
  const pending: Promise<void>[] = [];

  const absolute = (rel: string) => (rel === '' ? root : path.join(root, ...rel.split('/')));

  const probe = (dir: string, depth: number, names: string[]) => {
    for (let start = 0; start < names.length; start += batchSize) {
      const chunk = names.slice(start, start + batchSize);
      pending.push(pool.probe(absolute(dir), chunk, dir === '' ? '' : `${dir}/`).then((batch) => deliver(dir, depth, chunk, batch)));
    }
  };

  const deliver = (dir: string, depth: number, names: string[], batch: ProbeBatch) => {
    const hb = options.headBytes;
    const prefix = dir === '' ? '' : `${dir}/`;
    const file = new BatchFile(dir, depth, prefix, batch.heads);
    let first = -1;
    let last = -1;
    let count = 0;
    let bytes = 0;
    const errors = batch.errors.length > 0 ? new Map(batch.errors) : null;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const status = batch.status[i]!;
      if (status === PROBE_LINK) {
        visitor.link(prefix + name, depth, true);
        continue;
      }
      if (status === PROBE_FOLDER) continue; // replaced by a folder since it was listed
      if (status !== PROBE_FILE && status !== PROBE_FAILED) {
        visitor.special(prefix + name, depth);
        continue;
      }
      const size = batch.sizes[i]!;
      progress.filesSeen += 1;
      progress.bytesSeen += size;
      if (first < 0) first = i;
      last = i;
      count += 1;
      bytes += size;
      file.name = name;
      file.size = size;
      file.mtimeMs = Math.floor(batch.mtimes[i]!);
      file.headStart = i * hb;
      file.headLength = batch.lengths[i]!;
      file.error = status === PROBE_FAILED ? (errors?.get(i) ?? 'EIO') : undefined;
      visitor.file(file);
    }
    // the worker wrote these files' fingerprint lines, in name order: one ascending run
    if (count > 0) options.fingerprint.addRun(prefix + names[first]!, prefix + names[last]!, batch.lines, count, bytes);
    batch.release();
  };

  const checkAbort = () => {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  };

  const list = async (rel: string): Promise<Listed | null> => {
    checkAbort();
    progress.currentFolder = rel;
    // listed in a worker: a folder of 100 000 names costs the main thread no Dirent and no sort
    const listing = await pool.list(absolute(rel));
    checkAbort();
    if ('error' in listing) {
      visitor.unreadableFolder(rel, listing.error);
      return null;
    }
    // names in fingerprint line order make every batch an ascending run of lines
    sortForLines(listing.files);
    return listing;
  };

  const reportLinks = async (rel: string, depth: number, names: string[]) => {
    for (const name of names) {
      const linkRel = joinRel(rel, name);
      let outside = true;
      try {
        const target = await fsp.readlink(absolute(linkRel));
        const resolved = path.resolve(path.dirname(absolute(linkRel)), target);
        outside = !isInside(root, resolved) && !isInside(rootReal, resolved);
      } catch {
        // unreadable link: count it as pointing outside
      }
      visitor.link(linkRel, depth, outside);
    }
  };

  const visitFolder = async (rel: string, depth: number): Promise<void> => {
    const listed = await list(rel);
    if (!listed) return;
    for (const name of listed.special) visitor.special(joinRel(rel, name), depth);
    const { toProbe, hidden } = partitionFiles(listed.files);
    for (const name of hidden) visitor.hiddenFile(joinRel(rel, name), depth);
    probe(rel, depth, toProbe);
    await reportLinks(rel, depth, listed.links);
    // sub-folders are listed side by side: with many class folders, the pool sees the work early
    const visits: Promise<void>[] = [];
    for (const name of listed.folders) {
      const sub = joinRel(rel, name);
      if (isHiddenOrSystem(name, true)) visitor.folder(sub, depth + 1, 'hidden');
      else if (depth < imageDepth) {
        visitor.folder(sub, depth + 1, 'images');
        visits.push(visitFolder(sub, depth + 1));
      } else visits.push(visitNested(sub, depth + 1));
    }
    // all of them settled before a failure is passed on: none is left adding batches
    for (const visit of await Promise.allSettled(visits)) if (visit.status === 'rejected') throw visit.reason;
  };

  /** A folder below the image folders: a DICOM series when it holds only .dcm or extension-less files. */
  const visitNested = async (rel: string, depth: number): Promise<void> => {
    const listed = await list(rel);
    if (!listed) return;
    const visible = listed.files.filter((name) => !isHiddenOrSystem(name, false));
    const dicomLike = visible.length > 0 && listed.folders.length === 0 && visible.every((name) => ['dcm', ''].includes(splitName(name).ext));
    if (!dicomLike) {
      visitor.folder(rel, depth, 'nested');
      return;
    }
    visitor.folder(rel, depth, 'series-candidate');
    for (const name of listed.special) visitor.special(joinRel(rel, name), depth);
    probe(rel, depth, visible);
    await reportLinks(rel, depth, listed.links);
  };

  const onAbort = () => void pool.close(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await visitFolder('', 0);
    await Promise.all(pending);
    checkAbort();
  } catch (error) {
    // settle every batch before leaving, so no rejection goes unhandled
    await Promise.allSettled(pending);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A folder's files: those to probe, and the hidden or system files not named like images (.DS_Store,
 * Thumbs.db and the like), which are only named in a warning and never opened. (A function of its own,
 * out of the walk's async functions: it runs for every file, and small functions are cheap to optimise.)
 */
function partitionFiles(names: string[]): { toProbe: string[]; hidden: string[] } {
  const skipped = (name: string) => isHiddenOrSystem(name, false) && splitName(name).format === null;
  // usually there is none: then the listing itself is the list to probe
  if (!names.some(skipped)) return { toProbe: names, hidden: [] };
  return { toProbe: names.filter((name) => !skipped(name)), hidden: names.filter(skipped) };
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
