import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { localizedException, type UserErrorException } from '../api/errors';
import { msg, type Message } from '../i18n';

/** The `sha256sum` line for a file: `<hex>  <name>`. */
export function checksumLine(sha256: string, file: string): string {
  return `${sha256}  ${path.basename(file)}\n`;
}

/** A `sha256sum` file lists a few lines; anything larger is not one. */
const MAX_CHECKSUM_BYTES = 64 * 1024;

export const checksumFileFor = (file: string) => `${file}.sha256`;

/**
 * The expected SHA-256 of `file` from `FILE.sha256` beside it (`sha256sum` format), or null when
 * there is none. A checksum file that names another file or is unreadable is an error, not ignored.
 */
export async function readExpectedChecksum(file: string): Promise<string | null> {
  const checksumFile = checksumFileFor(file);
  let text: string;
  try {
    // Only a small regular file is read: a link to a device or a FIFO beside the image would never end.
    const info = await stat(checksumFile);
    if (!info.isFile()) throw Object.assign(new Error('it is not a file but a device, pipe or socket'), { code: 'ENOTFILE' });
    if (info.size > MAX_CHECKSUM_BYTES) throw Object.assign(new Error('it is too large to be a checksum file'), { code: 'EFBIG' });
    text = await readFile(checksumFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw invalidChecksumFile(checksumFile, msg('engine:checksum.unreadable', { reason: (error as Error).message }));
  }
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const name = path.basename(file);
  for (const line of lines) {
    const match = /^([0-9a-fA-F]{64})(?:\s+\*?(.+))?$/.exec(line);
    if (!match) continue;
    if (!match[2] || path.basename(match[2]) === name) return match[1]!.toLowerCase();
  }
  throw invalidChecksumFile(checksumFile, msg('engine:checksum.noLine', { name }));
}

function invalidChecksumFile(checksumFile: string, why: Message): UserErrorException {
  return localizedException('CHECKSUM_FILE_INVALID', msg('engine:checksum.invalid.message', { file: path.basename(checksumFile), why }), msg('engine:checksum.invalid.action'));
}
