/**
 * The header blocks of one tar entry (POSIX ustar, with a pax extended header where ustar cannot
 * say it: a name longer than its fields or not plain ASCII, a size of 8 GiB or more), as the
 * engine's archive reader takes them (Go's archive/tar, which Docker's `PUT /archive` uses).
 *
 * Written here rather than through tar-stream because the staging packer builds the whole archive
 * in a worker thread, one large buffer after another (src/engine/archive-packer.ts): a stream
 * entry per file cost more than the file's bytes (bench/remote-stage). The unit tests read what
 * this writes back with tar-stream and with GNU tar.
 */

const BLOCK = 512;
/** The largest size the 11 octal digits of ustar's size field hold. */
const USTAR_MAX_SIZE = 8 ** 11 - 1;

export interface TarEntryHeader {
  /** '/'-separated, relative. */
  name: string;
  type: 'file' | 'directory';
  size: number;
  mode: number;
  /** Seconds since 1970. */
  mtime: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function ustarBlock(name: string, prefix: string, type: string, size: number, mode: number, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode & 0o7777, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii'); // uid
  block.write(octal(0, 8), 116, 'ascii'); // gid
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(mtime, 12), 136, 'ascii');
  block.write(type, 156, 'ascii');
  block.write('ustar\x0000', 257, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  block.fill(' ', 148, 156); // the checksum is taken with its own field as spaces
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** ustar keeps a long name as prefix + '/' + name (155 and 100 bytes); null when no split fits. */
function splitName(name: string): { prefix: string; name: string } | null {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let at = name.indexOf('/'); at !== -1; at = name.indexOf('/', at + 1)) {
    const prefix = name.slice(0, at);
    const rest = name.slice(at + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest !== '') return { prefix, name: rest };
  }
  return null;
}

/** One pax record: its own length in decimal first, that length counted in. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest ? Buffer.concat([data, Buffer.alloc(BLOCK - rest)]) : data;
}

/** The header block(s) of an entry; a folder's name gets its trailing '/'. */
export function tarHeader(entry: TarEntryHeader): Buffer {
  const name = entry.type === 'directory' && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  const type = entry.type === 'directory' ? '5' : '0';
  const size = entry.type === 'directory' ? 0 : entry.size;
  const split = /^[\x20-\x7e]*$/.test(name) ? splitName(name) : null;
  const records = (split ? '' : paxRecord('path', name)) + (size > USTAR_MAX_SIZE ? paxRecord('size', String(size)) : '');
  const main = ustarBlock(split?.name ?? name.slice(0, 99).replace(/[^\x20-\x7e]/g, '_'), split?.prefix ?? '', type, size > USTAR_MAX_SIZE ? 0 : size, entry.mode, entry.mtime);
  if (!records) return main;
  const pax = Buffer.from(records, 'utf8');
  return Buffer.concat([ustarBlock('PaxHeader', '', 'x', pax.length, 0o644, entry.mtime), padded(pax), main]);
}

/** The end of an archive: two zero blocks. */
export const TAR_END = Buffer.alloc(2 * BLOCK);
export const TAR_BLOCK = BLOCK;
