import { stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import type Docker from 'dockerode';
import { errorDetail, UserErrorException } from '../api/errors';
import type { ImageLoadResult, TransferProgress } from '../api/types';
import { detectArchiveFormat, hasTarTrailer, readHead } from './archive';
import { checksumFileFor, readExpectedChecksum } from './checksum';
import { engineRequest } from './client';
import { engineMessage, engineUnavailable, isConnectionError } from './engine-errors';
import { SourceReadError, sendFileHashed } from './hashed-upload';
import { TransferMeter } from './progress';

export interface LoadOptions {
  onProgress?: (progress: Omit<TransferProgress, 'operationId' | 'kind'>) => void;
  signal?: AbortSignal;
}

/**
 * Loads a `docker save` tarball (plain, gzip, xz, bzip2 or zstd) into the engine, reading the file
 * once: the same bytes are hashed and sent to the engine. When `FILE.sha256` sits beside it, the
 * last chunk is held back until the digest is known; on a mismatch (or a cancel) the upload is
 * cut short, so the engine never completes the load and nothing is tagged.
 */
export async function loadImageTarball(docker: Docker, file: string, options: LoadOptions = {}): Promise<Omit<ImageLoadResult, 'checks'>> {
  const name = path.basename(file);
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    size = info.size;
  } catch (error) {
    throw new UserErrorException({
      code: 'IMAGE_FILE_NOT_FOUND',
      message: `The image file ${name} cannot be opened.`,
      action: 'Check that the file exists, is a file (not a folder) and that you may read it, then choose it again.',
      detail: errorDetail(error),
    });
  }
  const format = detectArchiveFormat(await readHead(file).catch((error: unknown) => Promise.reject(unreadable(name, error))));
  if (!format) {
    throw new UserErrorException({
      code: 'IMAGE_FILE_NOT_ARCHIVE',
      message: `${name} is not a Docker image file.`,
      action: 'Choose the image file made with "docker save" (or Export in this app): a .tar, .tar.gz or .tar.xz file.',
    });
  }
  if (format === 'tar' && !(await hasTarTrailer(file, size).catch((error: unknown) => Promise.reject(unreadable(name, error))))) throw truncated(name, 'the tar archive has no end marker');
  const expected = await readExpectedChecksum(file);

  const meter = new TransferMeter(size);
  const report = (phase: TransferProgress['phase']) =>
    options.onProgress?.({ phase, bytesDone: meter.bytesDone, bytesTotal: size, bytesPerSecond: meter.bytesPerSecond, secondsLeft: meter.secondsLeft });
  let mismatch: string | null = null;
  let sha256 = '';

  const request = await engineRequest(docker, 'POST', '/images/load?quiet=0', { 'Content-Type': 'application/x-tar', 'Content-Length': size });
  const answering = readAnswer(request);
  const sending = sendFileHashed(request, file, size, {
    signal: options.signal,
    onBytes: (bytes) => {
      meter.add(bytes);
      if (meter.due()) report('reading');
    },
    beforeLastChunk: (digest) => {
      sha256 = digest;
      if (expected && digest !== expected) {
        mismatch = digest;
        throw new Error('checksum mismatch: upload aborted');
      }
      report('registering');
    },
  });
  const [sent, answered] = await Promise.allSettled([sending, answering]);
  const sendFailure = sent.status === 'rejected' ? sent.reason : null;
  // A cancel once the whole file was sent cannot stop the engine: its answer then counts.
  if (options.signal?.aborted && (sendFailure || answered.status === 'rejected')) throw cancelled(name);
  if (mismatch) throw checksumMismatch(name, file, expected, mismatch);
  if (sendFailure instanceof SourceReadError) throw unreadable(name, sendFailure.reason);
  if (answered.status === 'rejected') throw loadError(sendFailure ?? answered.reason, name);
  // When the engine gives up on a file half-way, its answer says why better than the broken pipe.
  const { status, text: output } = answered.value;
  if (status >= 400) throw loadError(answerError(status, output), name);
  const { references, imageIds, error } = parseLoadOutput(output);
  if (error) throw loadError(Object.assign(new Error(error), { json: { message: error } }), name);
  if (sendFailure) throw loadError(sendFailure, name);
  if (references.length === 0 && imageIds.length === 0) {
    throw new UserErrorException({
      code: 'IMAGE_FILE_NOT_IMAGE',
      message: `Docker read ${name} but found no image in it.`,
      action: 'Choose a file made with "docker save" (or Export in this app).',
      detail: output.slice(0, 300),
    });
  }
  report('done');
  return { references, imageIds, sha256, checksum: expected ? 'verified' : 'none' };
}

/** The engine's answer to a load: JSON lines with `stream` ("Loaded image: ...") or `error`. */
export function parseLoadOutput(output: string): { references: string[]; imageIds: string[]; error: string | null } {
  const references: string[] = [];
  const imageIds: string[] = [];
  let error: string | null = null;
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    let message: { stream?: string; error?: string; errorDetail?: { message?: string } };
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    if (message.error || message.errorDetail) error = message.errorDetail?.message ?? message.error ?? 'unknown error';
    const text = message.stream?.trim() ?? '';
    const ref = /^Loaded image: (.+)$/.exec(text);
    if (ref) references.push(ref[1]!);
    const id = /^Loaded image ID: (sha256:[0-9a-f]+)$/.exec(text);
    if (id) imageIds.push(id[1]!);
  }
  return { references, imageIds, error };
}

function checksumMismatch(name: string, file: string, expected: string | null, actual: string): UserErrorException {
  return new UserErrorException({
    code: 'IMAGE_CHECKSUM_MISMATCH',
    message: `${name} does not match its checksum file ${path.basename(checksumFileFor(file))}: it was damaged or changed while copying. Nothing was loaded.`,
    action: 'Copy the image file again from the original (and its .sha256 file), then load it again.',
    detail: `expected ${expected}, got ${actual}`,
  });
}

function loadError(error: unknown, name: string): UserErrorException {
  if (isConnectionError(error)) return engineUnavailable(error, `loading ${name}`);
  const message = engineMessage(error);
  if (/unexpected EOF|short read|truncated|unexpected end/i.test(message)) return truncated(name, message);
  if (/no space left on device/i.test(message)) {
    return new UserErrorException({
      code: 'DISK_FULL',
      message: `The disk where Docker keeps images is full, so ${name} could not be loaded.`,
      action: 'Free disk space (for example remove images you no longer need), then load it again.',
      detail: message,
    });
  }
  if (/manifest|invalid tar header|repositories|json|not a directory|gzip|xz|invalid/i.test(message)) {
    return new UserErrorException({
      code: 'IMAGE_FILE_NOT_IMAGE',
      message: `${name} is an archive, but not a Docker image. Nothing was loaded.`,
      action: 'Choose the image file made with "docker save" (or Export in this app).',
      detail: message,
    });
  }
  return new UserErrorException({
    code: 'IMAGE_LOAD_FAILED',
    message: `Docker could not load ${name}.`,
    action: 'Try again. If it fails again, show the details to IT.',
    detail: message,
  });
}

function truncated(name: string, detail: string): UserErrorException {
  return new UserErrorException({
    code: 'IMAGE_FILE_TRUNCATED',
    message: `${name} ends before the image is complete: it was probably cut off while copying. Nothing was loaded.`,
    action: 'Copy the file again from the original (check that the copy has the same size), then load it again.',
    detail,
  });
}

function cancelled(name: string): UserErrorException {
  return new UserErrorException({
    code: 'OPERATION_CANCELLED',
    message: `Loading ${name} was cancelled. Nothing was loaded.`,
    action: '',
  });
}

/** The engine's status and whole answer to a request; fails when the connection ends first. */
function readAnswer(request: http.ClientRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.once('error', reject);
      response.once('close', () => reject(new Error('the engine closed the connection before it answered in full')));
    });
  });
}

/** An error shaped like dockerode's, so engineMessage finds the engine's own words. */
function answerError(statusCode: number, body: string): Error {
  let message = body.trim();
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {
    // not JSON: the body is the message
  }
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode, json: { message } });
}

export function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

function unreadable(name: string, error: unknown): UserErrorException {
  return new UserErrorException({
    code: 'IMAGE_FILE_NOT_FOUND',
    message: `The image file ${name} cannot be read.`,
    action: 'Check that the file is a Docker image file you may read (copy it again if it came from a damaged disk), then choose it again.',
    detail: errorDetail(error),
  });
}
