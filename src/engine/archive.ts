import { open } from 'node:fs/promises';

export type ArchiveFormat = 'tar' | 'gzip' | 'xz' | 'bzip2' | 'zstd';

/** What a `docker save` file (plain or compressed, as `docker load` accepts it) starts with. */
export function detectArchiveFormat(head: Buffer): ArchiveFormat | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return null;
}

export async function readHead(file: string, bytes = 512): Promise<Buffer> {
  return readAt(file, 0, bytes);
}

/** A complete tar ends with two 512-byte zero blocks; a file cut off while copying does not. */
export async function hasTarTrailer(file: string, size: number): Promise<boolean> {
  if (size < 1024) return false;
  return (await readAt(file, size - 1024, 1024)).every((byte) => byte === 0);
}

async function readAt(file: string, position: number, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
