import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { msg, type Message } from '../i18n/message';
import { text } from '../i18n/translate';

/**
 * Why a file cannot be used, as an error: `message` the sentence in the core's language (English
 * for the app), `i18n` the same as a catalog message. The message is plain JSON, so it crosses the
 * worker-thread boundary (src/dicom/threads.ts) and is rendered again on the other side.
 */
export class DicomReason extends Error {
  readonly i18n: Message;
  constructor(reason: Message) {
    super(text(reason));
    this.i18n = reason;
  }
}

/** The reason an error gives: its catalog message, or its (technical, English) text. */
export function reasonOf(error: unknown): Message | string {
  return error instanceof DicomReason ? error.i18n : error instanceof Error ? error.message : String(error);
}

/** A file larger than this is not read (a Node buffer holds at most 2 GiB at once here). */
const MAX_FILE_BYTES = 2 * 1024 ** 3 - 1;

/** The bytes of a regular file, opened without following a link or waiting on a FIFO put in its place. */
export async function readRegularFile(file: string, onStat?: (stat: { size: number; mtimeMs: number }) => void): Promise<Uint8Array> {
  const handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)).catch((error: NodeJS.ErrnoException) => {
    throw new DicomReason(error.code === 'EACCES' || error.code === 'EPERM' ? msg('dicom:file.noPermission') : msg('dicom:file.notOpened', { detail: error.code ?? error.message }));
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new DicomReason(msg('dicom:file.notRegular'));
    if (stat.size > MAX_FILE_BYTES) throw new DicomReason(msg('dicom:file.tooLarge', { mb: Math.round(stat.size / 2 ** 20) }));
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
