/**
 * Just enough of the tar format to list the files of an uncompressed archive and read each one in
 * place: ustar names with their prefix, GNU long names, pax `path` and `size` records.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

export interface TarEntry {
  name: string;
  size: number;
  /** Where the file's bytes start in the archive. */
  offset: number;
}

export class TarFormatError extends Error {}

export async function readTarEntries(file: string): Promise<TarEntry[]> {
  const handle = await open(file, 'r');
  try {
    const { size: archiveSize } = await handle.stat();
    const entries: TarEntry[] = [];
    const header = Buffer.alloc(512);
    let offset = 0;
    let longName: string | null = null;
    let pax: Record<string, string> = {};
    while (offset + 512 <= archiveSize) {
      await handle.read(header, 0, 512, offset);
      if (header.every((byte) => byte === 0)) break; // end of archive
      if (!checksumMatches(header)) throw new TarFormatError(`damaged header at byte ${offset}`);
      const type = String.fromCharCode(header[156] || 0x30);
      const size = parseOctal(header.subarray(124, 136));
      const dataOffset = offset + 512;
      if (dataOffset + size > archiveSize) throw new TarFormatError('the archive is cut short');
      const body = async () => {
        const buffer = Buffer.alloc(size);
        await handle.read(buffer, 0, size, dataOffset);
        return buffer.toString('utf8');
      };
      if (type === 'L') longName = (await body()).replace(/\0+$/, '');
      else if (type === 'x') pax = parsePax(await body());
      else {
        const prefix = header.toString('latin1', 257, 262) === 'ustar' ? cString(header.subarray(345, 500)) : '';
        const name = pax.path ?? longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
        const entrySize = pax.size !== undefined ? Number(pax.size) : size;
        if (type === '0' || type === '\0' || type === '7') entries.push({ name, size: entrySize, offset: dataOffset });
        longName = null;
        pax = {};
      }
      offset = dataOffset + Math.ceil(size / 512) * 512;
    }
    return entries;
  } finally {
    await handle.close();
  }
}

export function openTarEntry(file: string, entry: TarEntry): Readable {
  return entry.size === 0 ? Readable.from([]) : createReadStream(file, { start: entry.offset, end: entry.offset + entry.size - 1 });
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end < 0 ? bytes.length : end);
}

function parseOctal(bytes: Buffer): number {
  if (bytes[0]! & 0x80) return Number(bytes.subarray(1).readBigUInt64BE(bytes.length - 9)); // base-256 (GNU, > 8 GB)
  const text = cString(bytes).trim();
  return text ? parseInt(text, 8) : 0;
}

function checksumMatches(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum === parseOctal(header.subarray(148, 156));
}

function parsePax(text: string): Record<string, string> {
  const records: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\d+ ([^=]+)=(.*)$/.exec(line);
    if (match) records[match[1]!] = match[2]!;
  }
  return records;
}
