/**
 * The pretrained-weights folder the app manages: files brought in from a folder or an archive
 * (`.zip` or `.tar`, e.g. a copy of `~/.keras/models` from a connected machine), each
 * checked to be weights, hashed while copied (SHA-256 and MD5 in the same pass: Keras checks most
 * files by MD5), written atomically, and listed in `SHA256SUMS`: the `sha256sum` format, so IT can
 * verify the folder with `sha256sum -c`, with a comment line before each file's line that holds its
 * MD5, size and modification time (`# md5 <hex> size <bytes> mtime <ms>  <name>`; `sha256sum`
 * skips lines that start with `#`). Size and time key the cache: a file changed or replaced by
 * hand is hashed again, any other is never read twice.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorDetail, localizedException, UserErrorException } from '../api/errors';
import type { WeightsEntryReason, WeightsFileInfo, WeightsImportResult } from '../api/weights';
import { msg, type Message } from '../i18n/message';
import { text } from '../i18n/translate';
import { writeFileAtomic } from '../settings/store';
import { readExpectedChecksum } from '../engine/checksum';
import { makeFolders } from '../folders';
import { TarDamagedError, tarEntries } from './tar';
import { openZip, ZipEntryError, ZipFormatError, type ZipArchive } from './zip';

export const CHECKSUM_FILE = 'SHA256SUMS';
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
/** How many first bytes decide whether a file is weights (the longer signature, HDF5's). */
const SIGNATURE_LENGTH = HDF5_SIGNATURE.length;
/** Names Keras and classification_models_3D give weights files. */
const WEIGHTS_NAME = /\.(h5|hdf5|keras)$/i;

export interface ImportProgress {
  bytesDone: number;
  bytesTotal: number | null;
  file: string;
}

interface Candidate {
  /** The name inside the source (relative path or archive entry). */
  source: string;
  /** The name it gets in the weights folder: the last part of `source`, so nothing lands outside. */
  name: string;
  /** The size its source declares. */
  size: number;
  /** Why it is left out without being read (a link, a device), if it is. */
  refusal?: Message;
  open: () => Promise<Readable>;
}

/** Why a file cannot go into the weights folder, or null when its name is acceptable. */
export function refusalOfName(sourceName: string): Message | null {
  const name = path.posix.basename(sourceName.replace(/\\/g, '/'));
  if (!WEIGHTS_NAME.test(name)) return msg('weights:import.notWeightsName');
  if (/[\u0000-\u001f]/.test(name) || name.startsWith('.')) return msg('weights:import.hiddenName');
  return null;
}

/** `.h5` files are HDF5, `.keras` files are ZIP: the first bytes must say so. */
export function refusalOfContent(name: string, head: Buffer): Message | null {
  const expected = /\.keras$/i.test(name) ? ZIP_SIGNATURE : HDF5_SIGNATURE;
  return head.subarray(0, expected.length).equals(expected) ? null : /\.keras$/i.test(name) ? msg('weights:import.notKerasArchive') : msg('weights:import.notHdf5');
}

/** A skipped or refused entry: the English reason (CLI, tests) and the same as a message for the window. */
function entryReason(name: string, reason: Message): WeightsEntryReason {
  return { name, reason: text(reason), i18n: { reason } };
}

/** What SHA256SUMS holds for one file; md5, size and time only when its comment line is there. */
export interface ChecksumEntry {
  sha256: string;
  md5?: string;
  sizeBytes?: number;
  mtimeMs?: number;
}

const SHA_LINE = /^([0-9a-f]{64}) [ *](.+)$/;
const META_LINE = /^# md5 ([0-9a-f]{32}) size (\d+) mtime (\d+)  (.+)$/;

export async function readChecksums(weightsDir: string): Promise<Map<string, ChecksumEntry>> {
  const sums = new Map<string, ChecksumEntry>();
  const meta = new Map<string, Omit<ChecksumEntry, 'sha256'>>();
  const content = await readFile(path.join(weightsDir, CHECKSUM_FILE), 'utf8').catch(() => '');
  for (const raw of content.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = META_LINE.exec(line);
    if (m) meta.set(m[4]!, { md5: m[1]!, sizeBytes: Number(m[2]), mtimeMs: Number(m[3]) });
    const match = SHA_LINE.exec(line.trim());
    if (match) sums.set(match[2]!, { sha256: match[1]!, ...meta.get(match[2]!) });
  }
  return sums;
}

/**
 * The files of the weights folder with size, SHA-256 and MD5. Taken from SHA256SUMS when its line
 * was written for the same size and modification time; any other file (put there by hand, changed
 * since) is hashed now and its line written, unless the folder is read-only (`persist: false`
 * never writes: a folder the app does not own, such as a download's staging folder).
 */
export async function listWeights(weightsDir: string, options: { persist?: boolean } = {}): Promise<WeightsFileInfo[]> {
  const names = await readdir(weightsDir).catch(() => [] as string[]);
  const sums = await readChecksums(weightsDir);
  const files: WeightsFileInfo[] = [];
  let hashed = false;
  for (const name of names.sort()) {
    if (refusalOfName(name)) continue;
    const info = await stat(path.join(weightsDir, name)).catch(() => null);
    if (!info?.isFile()) continue;
    let entry = sums.get(name);
    if (!entry?.md5 || entry.sizeBytes !== info.size || entry.mtimeMs !== Math.trunc(info.mtimeMs)) {
      entry = { ...(await hashFile(path.join(weightsDir, name))), sizeBytes: info.size, mtimeMs: Math.trunc(info.mtimeMs) };
      sums.set(name, entry);
      hashed = true;
    }
    files.push({ name, sizeBytes: info.size, sha256: entry.sha256, md5: entry.md5! });
  }
  if (hashed && options.persist !== false) {
    try {
      writeChecksums(weightsDir, sums, new Set(files.map((f) => f.name)));
    } catch {
      // a read-only weights folder: listed all the same, hashed again next time
    }
  }
  return files;
}

/**
 * Copies every weights file of `source` (a folder, searched to any depth, or an archive) into
 * `weightsDir`. Files already there with the same content are skipped; a different file under a
 * name already taken is refused (nothing is overwritten); anything else is refused with a reason:
 * a file whose first bytes are not weights is not copied at all, and an archive entry that is
 * damaged or lies about its size or checksum is refused by itself, leaving no partial file.
 */
export async function importWeights(
  source: string,
  weightsDir: string,
  options: { signal?: AbortSignal; onProgress?: (progress: ImportProgress) => void } = {},
): Promise<WeightsImportResult> {
  await verifyChecksum(source, options.signal);
  const origin = await openSource(source);
  const result: WeightsImportResult = { source, weightsDir, imported: [], skipped: [], refused: [] };
  const candidates = origin.candidates[Symbol.asyncIterator]();
  let sums = new Map<string, ChecksumEntry>();
  let existing = new Set<string>();
  let pending: Copied | null = null;
  let bytesDone = 0;
  let seen = 0;
  try {
    makeFolders(weightsDir);
    sums = await readChecksums(weightsDir);
    existing = new Set(await readdir(weightsDir));
    for (;;) {
      let next: IteratorResult<Candidate>;
      try {
        next = await candidates.next();
      } catch (error) {
        if (!(error instanceof TarDamagedError)) throw error;
        // The entry before the damage is not proven either: its size may be the lie.
        if (pending) result.refused.push(entryReason(pending.source, msg('weights:import.damagedAfter', { error: error.reason })));
        else if (seen > 0) result.refused.push(entryReason(path.basename(source), msg('weights:import.restUnreadable', { error: error.reason })));
        else throw unusableArchive(source, error);
        break;
      }
      // Reading on confirmed the file before (a tar's next header is where its size says).
      if (pending) await commit(pending, weightsDir, sums, existing, result);
      pending = null;
      if (next.done) break;
      if (options.signal?.aborted) throw cancelled();
      seen++;
      const candidate = next.value;
      const reason = candidate.refusal ?? refusalOfName(candidate.source);
      if (reason) {
        result.refused.push(entryReason(candidate.source, reason));
        continue;
      }
      const done = bytesDone;
      const outcome = await copyCandidate(candidate, weightsDir, options.signal, (n) => options.onProgress?.({ bytesDone: done + n, bytesTotal: origin.bytesTotal, file: candidate.name }));
      bytesDone += candidate.size;
      if ('refusal' in outcome) result.refused.push(entryReason(candidate.source, outcome.refusal));
      else pending = outcome;
    }
  } finally {
    if (pending) await rm(pending.temporary, { force: true });
    await candidates.return?.(undefined).catch(() => undefined);
    origin.close?.();
    // also after a cancel: the files already moved in get their line
    if (result.imported.length > 0) writeChecksums(weightsDir, sums, existing);
  }
  options.onProgress?.({ bytesDone: origin.bytesTotal ?? bytesDone, bytesTotal: origin.bytesTotal ?? bytesDone, file: '' });
  return result;
}

/** A weights file copied to a temporary file in the weights folder, hashed, not yet in place. */
interface Copied {
  source: string;
  name: string;
  temporary: string;
  sha256: string;
  md5: string;
  bytes: number;
}

/** Moves a copied file into place, unless the same file is there already or its name is taken. */
async function commit(copied: Copied, weightsDir: string, sums: Map<string, ChecksumEntry>, existing: Set<string>, result: WeightsImportResult): Promise<void> {
  const { name } = copied;
  const known = existing.has(name) ? (sums.get(name)?.sha256 ?? (await hashFile(path.join(weightsDir, name))).sha256) : null;
  if (known === null) {
    await rename(copied.temporary, path.join(weightsDir, name));
    existing.add(name);
    const { mtimeMs } = await stat(path.join(weightsDir, name));
    sums.set(name, { sha256: copied.sha256, md5: copied.md5, sizeBytes: copied.bytes, mtimeMs: Math.trunc(mtimeMs) });
    result.imported.push({ name, sizeBytes: copied.bytes, sha256: copied.sha256, md5: copied.md5 });
    return;
  }
  await rm(copied.temporary, { force: true });
  if (known === copied.sha256) result.skipped.push(entryReason(name, msg('weights:import.alreadyThere')));
  else result.refused.push(entryReason(copied.source, msg('weights:import.nameTaken', { name })));
}

/**
 * Copies one candidate to a temporary file, or says why it is refused: its first bytes are checked
 * before any file is made, and it must hold exactly the bytes its source declares.
 */
async function copyCandidate(candidate: Candidate, weightsDir: string, signal: AbortSignal | undefined, onBytes: (n: number) => void): Promise<Copied | { refusal: Message }> {
  const temporary = path.join(weightsDir, `.importing-${process.pid}-${candidate.name}`);
  let input: Readable | null = null;
  try {
    input = await candidate.open();
    const copied = await copyHashed(input, candidate, temporary, signal, onBytes);
    return 'refusal' in copied ? copied : { source: candidate.source, name: candidate.name, temporary, ...copied };
  } catch (error) {
    input?.destroy();
    await rm(temporary, { force: true });
    if (signal?.aborted) throw cancelled();
    if (error instanceof ZipEntryError || error instanceof EntrySizeError) return { refusal: error.reason };
    const code = (error as NodeJS.ErrnoException).code;
    const full = code === 'ENOSPC' || code === 'EDQUOT';
    throw localizedException(
      'WEIGHTS_IMPORT_FAILED',
      msg('weights:import.copyFailedMessage', { source: candidate.source }),
      full ? msg('weights:import.copyFailedFullAction') : msg('weights:import.copyFailedAction'),
      errorDetail(error),
    );
  }
}

function unusableArchive(source: string, error: unknown): UserErrorException {
  return localizedException('WEIGHTS_SOURCE_UNUSABLE', msg('weights:import.damagedMessage', { name: path.basename(source) }), msg('weights:import.damagedAction'), errorDetail(error));
}

function writeChecksums(weightsDir: string, sums: Map<string, ChecksumEntry>, present: Set<string>): void {
  const lines = [...sums]
    .filter(([name]) => present.has(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([name, sum]) => [
      ...(sum.md5 && sum.sizeBytes !== undefined && sum.mtimeMs !== undefined ? [`# md5 ${sum.md5} size ${sum.sizeBytes} mtime ${sum.mtimeMs}  ${name}`] : []),
      `${sum.sha256}  ${name}`,
    ]);
  writeFileAtomic(path.join(weightsDir, CHECKSUM_FILE), `${lines.join('\n')}\n`);
}

/** Where the candidates come from; `bytesTotal` is what progress counts towards (null: not known in advance). */
interface Origin {
  bytesTotal: number | null;
  candidates: AsyncIterable<Candidate>;
  close?: () => void;
}

async function openSource(source: string): Promise<Origin> {
  const info = await stat(source).catch((error: unknown) => {
    throw localizedException('WEIGHTS_SOURCE_UNUSABLE', msg('weights:import.unreadableMessage', { source }), msg('weights:import.unreadableAction'), errorDetail(error));
  });
  if (info.isDirectory()) return listed(await folderCandidates(source));
  if (!info.isFile()) {
    throw localizedException('WEIGHTS_SOURCE_UNUSABLE', msg('weights:import.notFileMessage', { source }), msg('weights:import.notFileAction'));
  }
  const head = Buffer.alloc(512);
  try {
    const handle = await open(source, 'r');
    try {
      await handle.read(head, 0, 512, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw localizedException('WEIGHTS_SOURCE_UNUSABLE', msg('weights:import.unreadableMessage', { source }), msg('weights:import.unreadableShareAction'), errorDetail(error));
  }
  if (head.subarray(0, 4).equals(ZIP_SIGNATURE) || head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x05, 0x06]))) {
    const zip = await openZip(source).catch((error: unknown) => {
      throw error instanceof ZipFormatError ? unusableArchive(source, error) : error;
    });
    return { ...listed(zipCandidates(zip)), close: zip.close };
  }
  // A .tar.gz: how much it unpacks to is not known before it is read (gzip's length field wraps at 4 GiB).
  if (head[0] === 0x1f && head[1] === 0x8b) return { bytesTotal: null, candidates: tarCandidates(source) };
  if (head.toString('latin1', 257, 262) === 'ustar' || source.toLowerCase().endsWith('.tar')) return { bytesTotal: info.size, candidates: tarCandidates(source) };
  throw localizedException('WEIGHTS_SOURCE_UNUSABLE', msg('weights:import.notArchiveMessage', { name: path.basename(source) }), msg('weights:import.notArchiveAction'));
}

/** Candidates known in advance: progress counts the bytes of those that will be copied. */
function listed(candidates: Candidate[]): Origin {
  const bytesTotal = candidates.filter((c) => !c.refusal && !refusalOfName(c.source)).reduce((sum, c) => sum + c.size, 0);
  return { bytesTotal, candidates: (async function* () { yield* candidates; })() };
}

/** Every file under `root`, to any depth; links are followed, each folder is searched once (a link loop ends). */
async function folderCandidates(root: string): Promise<Candidate[]> {
  const found: Candidate[] = [];
  const visited = new Set<string>();
  const visit = async (dir: string) => {
    const { dev, ino } = await stat(dir);
    if (visited.has(`${dev}:${ino}`)) return;
    visited.add(`${dev}:${ino}`);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full);
      const info = entry.isSymbolicLink() ? await stat(full).catch(() => null) : entry;
      if (info?.isDirectory()) await visit(full);
      else if (info?.isFile()) {
        const { size } = await stat(full);
        found.push(candidateOf(relative, size, async () => createReadStream(full)));
      } else found.push(candidateOf(relative, 0, noRead, info ? msg('weights:import.notRegularFile') : msg('weights:import.danglingLink')));
    }
  };
  await visit(root);
  return found;
}

function zipCandidates(zip: ZipArchive): Candidate[] {
  return zip.entries
    .filter((entry) => entry.kind !== 'directory')
    .map((entry) => candidateOf(entry.name, entry.size, () => zip.openEntry(entry), entry.kind === 'link' ? msg('weights:import.zipLink') : undefined));
}

async function* tarCandidates(file: string): AsyncGenerator<Candidate> {
  for await (const entry of tarEntries(file)) {
    if (entry.kind === 'directory') continue;
    const refusal =
      entry.kind === 'link'
        ? entry.type === 'Link'
          ? msg('weights:import.hardLink', { target: entry.linkTarget ?? '' })
          : msg('weights:import.symbolicLink', { target: entry.linkTarget ?? '' })
        : entry.kind === 'other'
          ? msg('weights:import.notAFile', { type: entry.type })
          : undefined;
    yield candidateOf(entry.name, entry.size, async () => entry.open(), refusal);
  }
}

const noRead = async (): Promise<Readable> => {
  throw new Error('not to be read');
};

function candidateOf(source: string, size: number, openIt: () => Promise<Readable>, refusal?: Message): Candidate {
  return { source, name: path.posix.basename(source.replace(/\\/g, '/')), size, open: openIt, ...(refusal ? { refusal } : {}) };
}

/** A source that holds more or fewer bytes than it declares. */
class EntrySizeError extends Error {
  constructor(readonly reason: Message) {
    super(text(reason));
  }
}

/**
 * Hashes and copies `input` to `target` (created only once the first bytes show the content is
 * weights), stopping with `EntrySizeError` at the first byte past the declared size.
 */
async function copyHashed(input: Readable, candidate: Candidate, target: string, signal: AbortSignal | undefined, onBytes: (n: number) => void): Promise<{ sha256: string; md5: string; bytes: number } | { refusal: Message }> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const held: Buffer[] = [];
  let headLength = 0;
  while (headLength < SIGNATURE_LENGTH) {
    const next = await chunks.next();
    if (next.done) break;
    held.push(next.value);
    headLength += next.value.length;
  }
  const refusal = refusalOfContent(candidate.name, Buffer.concat(held).subarray(0, SIGNATURE_LENGTH));
  if (refusal) {
    input.destroy();
    return { refusal };
  }
  const hash = createHash('sha256');
  const md5 = createHash('md5');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (bytes + chunk.length > candidate.size) {
        callback(new EntrySizeError(msg('weights:import.tooLong', { size: candidate.size })));
        return;
      }
      hash.update(chunk);
      md5.update(chunk);
      bytes += chunk.length;
      onBytes(bytes);
      callback(null, chunk);
    },
    flush(callback) {
      callback(bytes < candidate.size ? new EntrySizeError(msg('weights:import.cutShort', { bytes, size: candidate.size })) : null);
    },
  });
  const rest = Readable.from(
    (async function* () {
      yield* held;
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value;
      }
    })(),
  );
  await pipeline(rest, tap, createWriteStream(target, { flags: 'wx' }), ...(signal ? [{ signal }] : []));
  return { sha256: hash.digest('hex'), md5: md5.digest('hex'), bytes };
}

/** An archive with `FILE.sha256` beside it must match it before anything is copied. */
async function verifyChecksum(source: string, signal: AbortSignal | undefined): Promise<void> {
  if (!(await stat(source).catch(() => null))?.isFile()) return;
  const expected = await readExpectedChecksum(source);
  if (expected === null) return;
  if (signal?.aborted) throw cancelled();
  const actual = (await hashFile(source)).sha256;
  if (actual !== expected) {
    throw localizedException('WEIGHTS_CHECKSUM_MISMATCH', msg('weights:import.checksumMessage', { name: path.basename(source) }), msg('weights:import.checksumAction'), `expected ${expected}, got ${actual}`);
  }
}

/** SHA-256 and MD5 of a file, in one read. */
async function hashFile(file: string): Promise<{ sha256: string; md5: string }> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(file)) {
    sha256.update(chunk as Buffer);
    md5.update(chunk as Buffer);
  }
  return { sha256: sha256.digest('hex'), md5: md5.digest('hex') };
}

function cancelled(): UserErrorException {
  return localizedException('OPERATION_CANCELLED', msg('weights:import.cancelledMessage'), msg('weights:import.cancelledAction'));
}
