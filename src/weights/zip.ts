/**
 * The files of a ZIP archive of Keras weights, read with yauzl (central directory, ZIP64 for
 * archives past 4 GB, stored and deflated entries, data bounds checked against the file), and
 * verified here as they stream: an entry must unpack to exactly the size the central directory
 * declares, never a byte more (a zip bomb stops at its declared size), and match its CRC-32,
 * which yauzl leaves to its caller.
 */
import { Readable, Transform } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { msg, type Message } from '../i18n/message';
import { text } from '../i18n/translate';

export interface ZipEntryInfo {
  name: string;
  /** Declared uncompressed size. */
  size: number;
  kind: 'file' | 'directory' | 'link';
  /** Why this entry cannot be read at all (encrypted, an unknown compression), or null. */
  unreadable: Message | null;
  entry: yauzl.Entry;
}

export interface ZipArchive {
  entries: ZipEntryInfo[];
  /** The entry's bytes, verified while read; a `ZipEntryError` when they are not what the archive declares. */
  openEntry: (info: ZipEntryInfo) => Promise<Readable>;
  close: () => void;
}

/** The archive as a whole cannot be read (no central directory, cut short). */
export class ZipFormatError extends Error {}
/** One entry is damaged or lies about itself; the others may be fine. `message` is `reason` rendered (English). */
export class ZipEntryError extends Error {
  constructor(readonly reason: Message) {
    super(text(reason));
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export async function openZip(file: string): Promise<ZipArchive> {
  // decodeStrings: false, because yauzl then refuses the whole archive for one name with `..` or
  // an absolute path; names are reduced to their last part here, so such a name cannot escape.
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false }, (error, opened) => (error ? reject(new ZipFormatError(error.message)) : resolve(opened))),
  );
  try {
    const entries = await readEntries(zip);
    return { entries, openEntry: (info) => openEntry(zip, info), close: () => zip.close() };
  } catch (error) {
    zip.close();
    throw error;
  }
}

function readEntries(zip: yauzl.ZipFile): Promise<ZipEntryInfo[]> {
  return new Promise((resolve, reject) => {
    const entries: ZipEntryInfo[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = (entry.fileName as unknown as Buffer).toString('utf8');
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      const kind = name.endsWith('/') ? 'directory' : mode === S_IFLNK ? 'link' : 'file';
      const unreadable = entry.isEncrypted()
        ? msg('weights:zip.encrypted')
        : entry.compressionMethod !== 0 && entry.compressionMethod !== 8
          ? msg('weights:zip.method', { method: entry.compressionMethod })
          : null;
      entries.push({ name, size: entry.uncompressedSize, kind, unreadable, entry });
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (error: Error) => reject(new ZipFormatError(error.message)));
    zip.readEntry();
  });
}

async function openEntry(zip: yauzl.ZipFile, info: ZipEntryInfo): Promise<Readable> {
  const { entry } = info;
  if (info.unreadable) throw new ZipEntryError(info.unreadable);
  if (entry.compressionMethod === 0 && entry.compressedSize !== entry.uncompressedSize) {
    throw new ZipEntryError(msg('weights:zip.storedSize', { stored: entry.compressedSize, size: entry.uncompressedSize }));
  }
  const raw = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error ? reject(damaged(error)) : resolve(stream))),
  );
  const check = verifier(info.size, entry.crc32);
  raw.on('error', (error) => check.destroy(damaged(error)));
  check.on('close', () => raw.destroy());
  return raw.pipe(check);
}

/** Passes the bytes on while they stay within `size`; at the end, the count and CRC-32 must match. */
function verifier(size: number, expectedCrc: number): Transform {
  let bytes = 0;
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (bytes + chunk.length > size) {
        callback(new ZipEntryError(msg('weights:zip.tooLong', { size })));
        return;
      }
      bytes += chunk.length;
      crc = crc32(chunk, crc);
      callback(null, chunk);
    },
    flush(callback) {
      if (bytes < size) callback(new ZipEntryError(msg('weights:zip.tooShort', { bytes, size })));
      else if (crc !== expectedCrc) callback(new ZipEntryError(msg('weights:zip.crc')));
      else callback();
    },
  });
}

/** Errors of reading the file itself pass as they are; anything else is this entry's damage. */
function damaged(error: Error): Error {
  if ((error as NodeJS.ErrnoException).syscall || error instanceof ZipEntryError) return error;
  return new ZipEntryError(msg('weights:zip.damaged', { error: error.message }));
}
