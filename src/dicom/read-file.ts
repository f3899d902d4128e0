import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** A file larger than this is not read (a Node buffer holds at most 2 GiB at once here). */
const MAX_FILE_BYTES = 2 * 1024 ** 3 - 1;

/** The bytes of a regular file, opened without following a link or waiting on a FIFO put in its place. */
export async function readRegularFile(file: string, onStat?: (stat: { size: number; mtimeMs: number }) => void): Promise<Uint8Array> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'EACCES' || error.code === 'EPERM' ? 'you do not have permission to read it' : `it cannot be opened (${error.code ?? error.message})`);
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error('it is not a regular file');
    if (stat.size > MAX_FILE_BYTES) throw new Error(`it is larger than 2 GB (${Math.round(stat.size / 2 ** 20)} MB)`);
    onStat?.(stat);
    const bytes = new Uint8Array(stat.size);
    let at = 0;
    while (at < bytes.length) {
      const { bytesRead } = await handle.read(bytes, at, bytes.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === bytes.length ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}
