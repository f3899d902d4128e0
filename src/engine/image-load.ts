import { stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import type Docker from 'dockerode';
import { errorDetail, localizedException, type UserErrorException } from '../api/errors';
import type { ImageLoadResult, TransferProgress } from '../api/types';
import { detectArchiveFormat, hasTarTrailer, readHead } from './archive';
import { checksumFileFor, readExpectedChecksum } from './checksum';
import { msg } from '../i18n';
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
    throw localizedException('IMAGE_FILE_NOT_FOUND', msg('engine:load.notOpened.message', { name }), msg('engine:load.notOpened.action'), errorDetail(error));
  }
  const format = detectArchiveFormat(await readHead(file).catch((error: unknown) => Promise.reject(unreadable(name, error))));
  if (!format) {
    throw localizedException('IMAGE_FILE_NOT_ARCHIVE', msg('engine:load.notArchive.message', { name }), msg('engine:load.notArchive.action'));
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
    throw localizedException('IMAGE_FILE_NOT_IMAGE', msg('engine:load.noImage.message', { name }), msg('engine:load.noImage.action'), output.slice(0, 300));
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
  return localizedException(
    'IMAGE_CHECKSUM_MISMATCH',
    msg('engine:load.mismatch.message', { name, checksumFile: path.basename(checksumFileFor(file)) }),
    msg('engine:load.mismatch.action'),
    `expected ${expected}, got ${actual}`,
  );
}

function loadError(error: unknown, name: string): UserErrorException {
  if (isConnectionError(error)) return engineUnavailable(error, msg('engine:doing.load', { name }));
  const message = engineMessage(error);
  if (/unexpected EOF|short read|truncated|unexpected end/i.test(message)) return truncated(name, message);
  if (/no space left on device/i.test(message)) {
    return localizedException('DISK_FULL', msg('engine:load.diskFull.message', { name }), msg('engine:load.diskFull.action'), message);
  }
  if (/manifest|invalid tar header|repositories|json|not a directory|gzip|xz|invalid/i.test(message)) {
    return localizedException('IMAGE_FILE_NOT_IMAGE', msg('engine:load.notImage.message', { name }), msg('engine:load.notImage.action'), message);
  }
  return localizedException('IMAGE_LOAD_FAILED', msg('engine:load.failed.message', { name }), msg('engine:load.failed.action'), message);
}

function truncated(name: string, detail: string): UserErrorException {
  return localizedException('IMAGE_FILE_TRUNCATED', msg('engine:load.truncated.message', { name }), msg('engine:load.truncated.action'), detail);
}

function cancelled(name: string): UserErrorException {
  return localizedException('OPERATION_CANCELLED', msg('engine:load.cancelled.message', { name }));
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
  return localizedException('IMAGE_FILE_NOT_FOUND', msg('engine:load.unreadable.message', { name }), msg('engine:load.unreadable.action'), errorDetail(error));
}
