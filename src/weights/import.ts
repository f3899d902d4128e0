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
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorDetail, UserErrorException } from '../api/errors';
import type { WeightsFileInfo, WeightsImportResult } from '../api/weights';
import { writeFileAtomic } from '../settings/store';
import { readExpectedChecksum } from '../engine/checksum';
import { openTarEntry, readTarEntries } from './tar';
import { openZipEntry, readZipEntries, ZipFormatError } from './zip';

export const CHECKSUM_FILE = 'SHA256SUMS';
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
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
  size: number;
  open: () => Promise<Readable>;
}

/** Why a file cannot go into the weights folder, or null when its name is acceptable. */
export function refusalOfName(sourceName: string): string | null {
  const name = path.posix.basename(sourceName.replace(/\\/g, '/'));
  if (!WEIGHTS_NAME.test(name)) return 'not a weights file (Keras weights end in .h5 or .keras)';
  if (/[\u0000-\u001f]/.test(name) || name.startsWith('.')) return 'a hidden file or a name with control characters';
  return null;
}

/** `.h5` files are HDF5, `.keras` files are ZIP: the first bytes must say so. */
export function refusalOfContent(name: string, head: Buffer): string | null {
  const expected = /\.keras$/i.test(name) ? ZIP_SIGNATURE : HDF5_SIGNATURE;
  return head.subarray(0, expected.length).equals(expected) ? null : `named like weights, but its content is not ${/\.keras$/i.test(name) ? 'a Keras archive' : 'HDF5 data'}`;
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
  const text = await readFile(path.join(weightsDir, CHECKSUM_FILE), 'utf8').catch(() => '');
  for (const raw of text.split('\n')) {
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
 * name already taken is refused (nothing is overwritten); anything else is refused with a reason.
 */
export async function importWeights(
  source: string,
  weightsDir: string,
  options: { signal?: AbortSignal; onProgress?: (progress: ImportProgress) => void } = {},
): Promise<WeightsImportResult> {
  await verifyChecksum(source, options.signal);
  const candidates = await listCandidates(source);
  await mkdir(weightsDir, { recursive: true });
  const sums = await readChecksums(weightsDir);
  const existing = new Set(await readdir(weightsDir));
  const result: WeightsImportResult = { source, weightsDir, imported: [], skipped: [], refused: [] };
  const wanted = candidates.filter((candidate) => {
    const reason = refusalOfName(candidate.source);
    if (reason) result.refused.push({ name: candidate.source, reason });
    return !reason;
  });
  const bytesTotal = wanted.reduce((sum, c) => sum + c.size, 0);
  let bytesDone = 0;
  try {
    for (const candidate of wanted) {
      if (options.signal?.aborted) throw cancelled();
      const name = path.posix.basename(candidate.source.replace(/\\/g, '/'));
      const temporary = path.join(weightsDir, `.importing-${process.pid}-${name}`);
      const done = bytesDone;
      let copied;
      try {
        copied = await copyHashed(await candidate.open(), temporary, options.signal, (n) => options.onProgress?.({ bytesDone: done + n, bytesTotal, file: name }));
      } catch (error) {
        await rm(temporary, { force: true });
        if (options.signal?.aborted) throw cancelled();
        throw new UserErrorException({ code: 'WEIGHTS_IMPORT_FAILED', message: `${candidate.source} could not be copied into the weights folder.`, action: 'Check the source is complete and the weights folder has free space, then import again.', detail: errorDetail(error) });
      }
      bytesDone += candidate.size;
      const refusal = refusalOfContent(name, copied.head);
      const known = existing.has(name) ? (sums.get(name)?.sha256 ?? (await hashFile(path.join(weightsDir, name))).sha256) : null;
      if (refusal) result.refused.push({ name: candidate.source, reason: refusal });
      else if (known === copied.sha256) result.skipped.push({ name, reason: 'already in the weights folder' });
      else if (known !== null) result.refused.push({ name: candidate.source, reason: `a different file named ${name} is already in the weights folder; remove it there first to replace it` });
      else {
        await rename(temporary, path.join(weightsDir, name));
        existing.add(name);
        const { mtimeMs } = await stat(path.join(weightsDir, name));
        sums.set(name, { sha256: copied.sha256, md5: copied.md5, sizeBytes: copied.bytes, mtimeMs: Math.trunc(mtimeMs) });
        result.imported.push({ name, sizeBytes: copied.bytes, sha256: copied.sha256, md5: copied.md5 });
        continue;
      }
      await rm(temporary, { force: true });
    }
  } finally {
    // also after a cancel: the files already moved in get their line
    if (result.imported.length > 0) writeChecksums(weightsDir, sums, existing);
  }
  options.onProgress?.({ bytesDone: bytesTotal, bytesTotal, file: '' });
  return result;
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

async function listCandidates(source: string): Promise<Candidate[]> {
  const info = await stat(source).catch((error: unknown) => {
    throw new UserErrorException({ code: 'WEIGHTS_SOURCE_UNUSABLE', message: `${source} cannot be read.`, action: 'Choose the folder or archive again.', detail: errorDetail(error) });
  });
  if (info.isDirectory()) return folderCandidates(source);
  if (!info.isFile()) {
    throw new UserErrorException({ code: 'WEIGHTS_SOURCE_UNUSABLE', message: `${source} is neither a folder nor a file (a device, a socket or a pipe).`, action: 'Choose the folder that holds the weights files, or a .zip or .tar of it.' });
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
    throw new UserErrorException({ code: 'WEIGHTS_SOURCE_UNUSABLE', message: `${source} cannot be read.`, action: 'Choose the folder or archive again; copy it to this computer first if it is on a network share.', detail: errorDetail(error) });
  }
  try {
    if (head.subarray(0, 4).equals(ZIP_SIGNATURE) || head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x05, 0x06]))) return await zipCandidates(source);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      throw new UserErrorException({
        code: 'WEIGHTS_SOURCE_UNUSABLE',
        message: `${path.basename(source)} is compressed (gzip); weights are imported from a folder, a .zip or a plain .tar.`,
        action: 'Unpack it first and import the folder, or make a .zip or .tar of the weights folder.',
      });
    }
    if (head.toString('latin1', 257, 262) === 'ustar' || source.toLowerCase().endsWith('.tar')) return await tarCandidates(source);
  } catch (error) {
    if (error instanceof UserErrorException) throw error;
    throw new UserErrorException({ code: 'WEIGHTS_SOURCE_UNUSABLE', message: `${path.basename(source)} is damaged or cut short.`, action: 'Copy the archive again from its source and import it again.', detail: errorDetail(error) });
  }
  throw new UserErrorException({
    code: 'WEIGHTS_SOURCE_UNUSABLE',
    message: `${path.basename(source)} is neither a folder nor a .zip or .tar archive.`,
    action: 'Choose the folder that holds the weights files (such as a copy of ~/.keras/models), or a .zip or .tar of it.',
  });
}

async function folderCandidates(root: string): Promise<Candidate[]> {
  const found: Candidate[] = [];
  const visit = async (dir: string, depth: number) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < 4) await visit(full, depth + 1);
      else if (entry.isFile()) {
        const { size } = await stat(full);
        found.push({ source: path.relative(root, full), size, open: async () => createReadStream(full) });
      }
    }
  };
  await visit(root, 0);
  return found;
}

async function zipCandidates(file: string): Promise<Candidate[]> {
  const entries = await readZipEntries(file).catch((error: unknown) => {
    throw error instanceof ZipFormatError ? new Error(error.message) : error;
  });
  return entries
    .filter((entry) => !entry.directory)
    .map((entry) => ({
      source: entry.name,
      size: entry.size,
      open: async () => {
        if (entry.encrypted || (entry.method !== 0 && entry.method !== 8)) throw new Error(`${entry.name} is encrypted or compressed in a way this app cannot read; make the archive with plain ZIP (deflate)`);
        return openZipEntry(file, entry);
      },
    }));
}

async function tarCandidates(file: string): Promise<Candidate[]> {
  return (await readTarEntries(file)).map((entry) => ({ source: entry.name, size: entry.size, open: async () => openTarEntry(file, entry) }));
}

async function copyHashed(input: Readable, target: string, signal: AbortSignal | undefined, onBytes: (n: number) => void): Promise<{ sha256: string; md5: string; bytes: number; head: Buffer }> {
  const hash = createHash('sha256');
  const md5 = createHash('md5');
  let bytes = 0;
  let head = Buffer.alloc(0);
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      md5.update(chunk);
      if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
      bytes += chunk.length;
      onBytes(bytes);
      callback(null, chunk);
    },
  });
  await pipeline(input, tap, createWriteStream(target, { flags: 'wx' }), ...(signal ? [{ signal }] : []));
  return { sha256: hash.digest('hex'), md5: md5.digest('hex'), bytes, head };
}

/** An archive with `FILE.sha256` beside it must match it before anything is copied. */
async function verifyChecksum(source: string, signal: AbortSignal | undefined): Promise<void> {
  if (!(await stat(source).catch(() => null))?.isFile()) return;
  const expected = await readExpectedChecksum(source);
  if (expected === null) return;
  if (signal?.aborted) throw cancelled();
  const actual = (await hashFile(source)).sha256;
  if (actual !== expected) {
    throw new UserErrorException({
      code: 'WEIGHTS_CHECKSUM_MISMATCH',
      message: `${path.basename(source)} does not match its checksum file: it was damaged or changed on the way.`,
      action: 'Copy the archive again from the connected machine (with its .sha256) and import it again.',
      detail: `expected ${expected}, got ${actual}`,
    });
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
  return new UserErrorException({ code: 'OPERATION_CANCELLED', message: 'The weights import was cancelled.', action: 'Files already copied are kept; import again to bring in the rest.' });
}
