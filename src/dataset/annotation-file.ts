/**
 * Reading an annotation file: streamed in small chunks, refused as soon as it shows it is not a
 * UTF-8 CSV file, and no line longer than `MAX_LINE_BYTES`. A list of images has short lines, so a
 * longer one (a 50 MB one-hot header) is refused after reading about 1 MiB, instead of being taken
 * whole and split into millions of columns.
 */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { errorDetail, localizedException, type UserErrorException } from '../api/errors';
import { msg, type Message } from '../i18n/message';

/** The longest line an annotation file may have (in bytes): some 100 000 one-hot class columns. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** `MAX_LINE_BYTES` as the sentences say it. */
export const MAX_LINE_TEXT = '1 MiB';
/** Annotation files larger than this are not read (100 000 lines are a few MB). */
export const MAX_ANNOTATION_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;

const SAVE_AS_CSV = msg('dataset:annotationFile.saveAsCsv');
const CHOOSE_CSV = msg('dataset:annotationFile.chooseCsv');
const CHECK_ACCESS = msg('dataset:annotationFile.checkAccess');

function invalid(message: Message, action: Message, detail?: string): never {
  throw localizedException('ANNOTATION_FILE_INVALID', message, action, detail || undefined);
}

/**
 * Decodes an annotation file chunk by chunk: refuses UTF-16, a spreadsheet workbook, binary bytes,
 * text that is not UTF-8, and a line longer than `MAX_LINE_BYTES` (LF, CRLF and CR end a line).
 */
export class AnnotationDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly parts: string[] = [];
  private started = false;
  private line = 1;
  private lineBytes = 0;
  private afterCR = false;

  constructor(private readonly fileName: string) {}

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (!this.started) {
      this.started = true;
      this.checkStart(bytes);
    }
    this.checkLines(bytes);
    this.decode(bytes, true);
  }

  /** The whole text, without a byte order mark. */
  end(): string {
    this.decode(new Uint8Array(0), false);
    const text = this.parts.join('');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  private checkStart(bytes: Uint8Array): void {
    const { fileName } = this;
    if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
      invalid(msg('dataset:annotationFile.utf16', { name: fileName }), SAVE_AS_CSV);
    }
    if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
      invalid(msg('dataset:annotationFile.workbook', { name: fileName }), SAVE_AS_CSV);
    }
  }

  private checkLines(bytes: Uint8Array): void {
    let { line, lineBytes, afterCR } = this;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      if (byte === 0x0a) {
        if (!afterCR) line++;
        lineBytes = 0;
        afterCR = false;
      } else if (byte === 0x0d) {
        line++;
        lineBytes = 0;
        afterCR = true;
      } else {
        afterCR = false;
        if (byte === 0) invalid(msg('dataset:annotationFile.binary', { name: this.fileName }), CHOOSE_CSV);
        if (++lineBytes > MAX_LINE_BYTES) {
          invalid(msg('dataset:annotationFile.lineTooLong.message', { line, name: this.fileName, limit: MAX_LINE_TEXT }), msg('dataset:annotationFile.lineTooLong.action'));
        }
      }
    }
    this.line = line;
    this.lineBytes = lineBytes;
    this.afterCR = afterCR;
  }

  private decode(bytes: Uint8Array, stream: boolean): void {
    try {
      const text = this.decoder.decode(bytes, { stream });
      if (text !== '') this.parts.push(text);
    } catch (error) {
      invalid(msg('dataset:annotationFile.notUtf8', { name: this.fileName }), SAVE_AS_CSV, String(error));
    }
  }
}

/** Turns bytes already read into text, with the checks of `AnnotationDecoder`. */
export function decodeAnnotationFile(bytes: Uint8Array, fileName: string): string {
  const decoder = new AnnotationDecoder(fileName);
  decoder.push(bytes);
  return decoder.end();
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code ?? '';
const DENIED = new Set(['EACCES', 'EPERM']);
const MISSING = new Set(['ENOENT', 'ENOTDIR']);

function userError(code: 'ANNOTATION_FILE_NOT_FOUND' | 'ANNOTATION_FILE_UNREADABLE' | 'ANNOTATION_FILE_INVALID', message: Message, action: Message, error?: unknown): UserErrorException {
  return localizedException(code, message, action, error === undefined ? undefined : errorDetail(error));
}

/**
 * Reads the annotation file `file` (an absolute path) as text, streaming. It is opened without
 * blocking (a FIFO put in its place never stalls the scan) and checked to be a regular file on the
 * open handle itself, so what is read is what was checked.
 */
export async function readAnnotationFile(file: string, fileName: string): Promise<{ text: string; stat: Stats }> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if (MISSING.has(errnoOf(error))) {
      throw userError('ANNOTATION_FILE_NOT_FOUND', msg('dataset:annotationFile.notFound.message', { path: file }), msg('dataset:annotationFile.notFound.action'), error);
    }
    if (errnoOf(error) === 'EISDIR') throw userError('ANNOTATION_FILE_INVALID', msg('dataset:annotationFile.folder', { path: file }), CHOOSE_CSV);
    throw userError(
      'ANNOTATION_FILE_UNREADABLE',
      DENIED.has(errnoOf(error)) ? msg('dataset:annotationFile.denied', { path: file }) : msg('dataset:annotationFile.cannotOpen', { path: file }),
      CHECK_ACCESS,
      error,
    );
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw userError('ANNOTATION_FILE_INVALID', msg('dataset:annotationFile.folder', { path: file }), CHOOSE_CSV);
    if (!stat.isFile()) {
      // A device, pipe or socket: reading it may never end (/dev/zero) or never start (a FIFO).
      throw userError('ANNOTATION_FILE_INVALID', msg('dataset:annotationFile.special', { path: file }), CHOOSE_CSV);
    }
    if (stat.size > MAX_ANNOTATION_BYTES) {
      throw userError('ANNOTATION_FILE_INVALID', msg('dataset:annotationFile.tooLarge', { path: file, mb: Math.round(stat.size / 2 ** 20) }), CHOOSE_CSV);
    }
    if (stat.size === 0) {
      // Empty, or a system pseudo-file (/proc, /sys) that says size 0 and yet has bytes, or fails to read.
      let n = 0;
      try {
        ({ bytesRead: n } = await handle.read(new Uint8Array(1), 0, 1, 0));
      } catch (error) {
        throw userError('ANNOTATION_FILE_UNREADABLE', msg('dataset:annotationFile.cannotRead', { path: file }), CHECK_ACCESS, error);
      }
      if (n > 0) throw userError('ANNOTATION_FILE_INVALID', msg('dataset:annotationFile.pseudoFile', { path: file }), CHOOSE_CSV);
    }
    const decoder = new AnnotationDecoder(fileName);
    const chunk = new Uint8Array(CHUNK_BYTES);
    // never more than the size checked: a file that grows while it is read is not read past it
    for (let read = 0; read < stat.size; ) {
      let n: number;
      try {
        ({ bytesRead: n } = await handle.read(chunk, 0, Math.min(CHUNK_BYTES, stat.size - read), read));
      } catch (error) {
        throw userError('ANNOTATION_FILE_UNREADABLE', msg('dataset:annotationFile.cannotRead', { path: file }), CHECK_ACCESS, error);
      }
      if (n === 0) break;
      decoder.push(chunk.subarray(0, n));
      read += n;
    }
    return { text: decoder.end(), stat };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
