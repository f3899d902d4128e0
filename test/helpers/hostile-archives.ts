/**
 * Archives built byte by byte, so a test can make every field lie: ZIP entries with any CRC and
 * sizes, zip bombs, tar headers with pax records that disagree with them, link entries. Used by
 * the weights-import unit tests and the IPC fuzz.
 */
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';

export const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface ZipPart {
  name: string;
  /** The entry's real bytes (what its CRC and size are computed from unless given). */
  data: Buffer;
  /** 0 stored, 8 deflated (default). */
  method?: 0 | 8;
  /** The bytes stored in the archive; default: `data`, deflated for method 8. */
  packed?: Buffer;
  crc?: number;
  /** Declared uncompressed size. */
  size?: number;
  /** Declared compressed size. */
  compressedSize?: number;
  /** Unix mode in the high half of the external attributes (0o120777 for a symbolic link). */
  unixMode?: number;
}

/** A ZIP archive whose central directory says exactly what each part declares. */
export function zipArchive(parts: ZipPart[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const method = part.method ?? 8;
    const packed = part.packed ?? (method === 8 ? deflateRawSync(part.data) : part.data);
    const name = Buffer.from(part.name, 'utf8');
    const crc = part.crc ?? crc32(part.data);
    const size = part.size ?? part.data.length;
    const compressedSize = part.compressedSize ?? packed.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressedSize, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(part.unixMode === undefined ? 20 : 0x0314, 4); // made by Unix when a mode is given
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressedSize, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((part.unixMode ?? 0) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * Raw deflate of `inflated` zero bytes after an HDF5 signature, made in 1 MiB steps so that
 * 1 GiB never sits in memory (about 1 MB of output).
 */
export async function deflatedZeros(inflated: number): Promise<{ packed: Buffer; crc: number }> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const zeros = Buffer.alloc(2 ** 20);
  let crc = crc32(HDF5_SIGNATURE);
  deflate.write(HDF5_SIGNATURE);
  for (let left = inflated - HDF5_SIGNATURE.length; left > 0; left -= zeros.length) {
    const chunk = left >= zeros.length ? zeros : zeros.subarray(0, left);
    crc = crc32(chunk, crc);
    if (!deflate.write(chunk)) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return { packed: Buffer.concat(out), crc };
}

/** One 512-byte ustar header with a correct checksum; `size` is what the header declares. */
export function tarHeader(name: string, size: number, type = '0', linkName = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 'latin1');
  header.write('0001750\0', 108, 'latin1');
  header.write('0001750\0', 116, 'latin1');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write(`${Math.floor(Date.UTC(2024, 0, 1) / 1000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
  header.write(type, 156, 'latin1');
  header.write(linkName, 157, 100, 'utf8');
  header.write('ustar\u000000', 257, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);

/** A file entry: its header (declaring `declaredSize`, default the real size) and its padded bytes. */
export function tarFile(name: string, data: Buffer, declaredSize = data.length): Buffer {
  return Buffer.concat([tarHeader(name, declaredSize), padded(data)]);
}

/** A pax extended header (type `x`) with these records, applying to the entry after it. */
export function paxHeader(records: Record<string, string>): Buffer {
  const body = Object.entries(records)
    .map(([key, value]) => {
      const text = ` ${key}=${value}\n`;
      let length = text.length + 1;
      while (`${length}${text}`.length !== length) length++;
      return `${length}${text}`;
    })
    .join('');
  return Buffer.concat([tarHeader('PaxHeaders/x', Buffer.byteLength(body), 'x'), padded(Buffer.from(body, 'utf8'))]);
}

/** The two zero blocks that end a tar archive. */
export const TAR_END = Buffer.alloc(1024);

/** Weights archives in which every entry is bad, by file name, with what is wrong (the IPC fuzz's cases). */
export const HOSTILE_WEIGHTS_ARCHIVES: Record<string, string> = {
  'bad-crc.zip': 'a stored entry whose CRC-32 is wrong',
  'lying-stored-size.zip': 'a stored entry whose compressed size reaches into the central directory',
  'lying-both-sizes.zip': 'a stored entry whose sizes both claim the next entry\'s bytes',
  'bomb.zip': 'a zip bomb: 1 MB inflating to 1 GiB, declared 1008 bytes',
  'not-hdf5.zip': 'an entry named .h5 whose content is not HDF5',
  'symlink.zip': 'a symbolic-link entry',
  'traversal.zip': 'entries named ../../ and /absolute (content not weights)',
  'pax-bigger.tar': 'a pax size larger than the entry (would take the next entry\'s bytes)',
  'pax-smaller.tar': 'a pax size smaller than the entry',
  'pax-not-a-number.tar': 'a pax size that is not a number, then garbage',
  'links.tar': 'hard and symbolic link entries only',
  'cut.tar': 'cut short inside a header',
  'garbage.tar': 'no tar header at all',
};

export async function writeHostileWeightsArchives(dir: string): Promise<void> {
  const h5 = (size: number, fill: number) => Buffer.concat([HDF5_SIGNATURE, Buffer.alloc(size, fill)]);
  const a = h5(3000, 1);
  const b = h5(2000, 2);
  const bomb = await deflatedZeros(2 ** 30);
  const files: Record<string, Buffer> = {
    'bad-crc.zip': zipArchive([{ name: 'bad_notop.h5', data: a, method: 0, crc: crc32(a) ^ 1 }]),
    'lying-stored-size.zip': zipArchive([{ name: 'a_notop.h5', data: a, method: 0, compressedSize: a.length + 300 }]),
    'lying-both-sizes.zip': zipArchive([{ name: 'a_notop.h5', data: a, method: 0, compressedSize: a.length + 300, size: a.length + 300 }, { name: 'next.txt', data: b, method: 0 }]),
    'bomb.zip': zipArchive([{ name: 'bomb_notop.h5', data: Buffer.alloc(0), packed: bomb.packed, crc: bomb.crc, size: 1008 }]),
    'not-hdf5.zip': zipArchive([{ name: 'text_notop.h5', data: Buffer.alloc(50_000, 0x41) }]),
    'symlink.zip': zipArchive([{ name: 'sym_notop.h5', data: Buffer.from('/etc/passwd'), method: 0, unixMode: 0o120777 }]),
    'traversal.zip': zipArchive([{ name: '../../../escaped_notop.h5', data: Buffer.from('text') }, { name: '/tmp/absolute_notop.h5', data: Buffer.from('text') }]),
    'pax-bigger.tar': Buffer.concat([paxHeader({ size: '3600' }), tarFile('a_notop.h5', a), tarFile('b_notop.h5', b), TAR_END]),
    'pax-smaller.tar': Buffer.concat([paxHeader({ size: '500' }), tarFile('a_notop.h5', a), tarFile('b_notop.h5', b), TAR_END]),
    'pax-not-a-number.tar': Buffer.concat([paxHeader({ size: 'abc' }), Buffer.alloc(1024, 7)]),
    'links.tar': Buffer.concat([tarHeader('sym_notop.h5', 0, '2', '/etc/passwd'), tarHeader('hard_notop.h5', 0, '1', '/dev/zero'), TAR_END]),
    'cut.tar': Buffer.concat([tarFile('a_notop.h5', a), tarHeader('b_notop.h5', b.length)]).subarray(0, 512 * 7 + 100),
    'garbage.tar': Buffer.alloc(4096, 7),
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
}
