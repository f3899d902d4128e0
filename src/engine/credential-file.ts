import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Certificates and keys are a few KiB; anything larger (or a device, a FIFO) is not one. */
export const MAX_CREDENTIAL_BYTES = 256 * 1024;

/**
 * Reads a certificate or key file: a regular file of at most MAX_CREDENTIAL_BYTES, checked on the
 * opened file itself (so /dev/zero, a FIFO or a link to either is refused, never read forever).
 */
export function readCredentialFile(file: string): Buffer {
  // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Error(`${file} is not a regular file`);
    // /proc files claim size 0 whatever they hold; an empty file is no key either
    if (stats.size === 0) throw new Error(`${file} is empty`);
    if (stats.size > MAX_CREDENTIAL_BYTES) throw new Error(`${file} is ${stats.size} bytes, too large for a certificate or key`);
    const buffer = Buffer.alloc(stats.size);
    let read = 0;
    while (read < stats.size) {
      const n = readSync(fd, buffer, read, stats.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
