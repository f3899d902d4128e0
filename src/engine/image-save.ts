import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { errorDetail, UserErrorException } from '../api/errors';
import type { ImageSaveResult, TransferProgress } from '../api/types';
import { checksumFileFor, checksumLine } from './checksum';
import { engineMessage, engineUnavailable, isConnectionError } from './engine-errors';
import { TransferMeter } from './progress';

export interface SaveOptions {
  overwrite?: boolean;
  onProgress?: (progress: Omit<TransferProgress, 'operationId' | 'kind'>) => void;
  signal?: AbortSignal;
}

/**
 * Saves an image to a tarball (as `docker save` does) and writes `FILE.sha256` beside it, hashing
 * while writing. The tarball appears under its name only when complete; a failure leaves nothing.
 */
export async function saveImageTarball(docker: Docker, reference: string, file: string, options: SaveOptions = {}): Promise<ImageSaveResult> {
  const target = path.resolve(file);
  const existing = await lstat(target).catch(() => null);
  if (existing && !existing.isFile()) {
    throw new UserErrorException({
      code: 'IMAGE_SAVE_FAILED',
      message: `${target} is not a regular file (a folder, a link or a device), so the image was not written there.`,
      action: 'Choose a new file name in a folder you may write to.',
    });
  }
  if (!options.overwrite && existing) {
    throw new UserErrorException({
      code: 'IMAGE_SAVE_FAILED',
      message: `${path.basename(target)} already exists and was left as it is.`,
      action: 'Choose another file name, or confirm that it may be replaced.',
    });
  }
  let expectedBytes: number | null = null;
  let stream: NodeJS.ReadableStream;
  try {
    const image = docker.getImage(reference);
    expectedBytes = Number((await image.inspect()).Size) || null;
    stream = await image.get();
  } catch (error) {
    if (isConnectionError(error)) throw engineUnavailable(error, `exporting ${reference}`);
    if ((error as { statusCode?: number }).statusCode === 404) throw imageNotFound(reference);
    throw saveFailed(reference, target, error);
  }

  const meter = new TransferMeter(expectedBytes);
  const hash = createHash('sha256');
  const report = (phase: TransferProgress['phase']) =>
    options.onProgress?.({ phase, bytesDone: meter.bytesDone, bytesTotal: expectedBytes, bytesPerSecond: meter.bytesPerSecond, secondsLeft: meter.secondsLeft });
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      meter.add(chunk.length);
      if (meter.due()) report('writing');
      callback(null, chunk);
    },
  });
  const partial = `${target}.partial-${process.pid}`;
  try {
    await pipeline(stream, counting, createWriteStream(partial, { flags: 'wx' }), ...(options.signal ? [{ signal: options.signal }] : []));
    const sha256 = hash.digest('hex');
    await rename(partial, target);
    const checksumFile = checksumFileFor(target);
    await writeFile(checksumFile, checksumLine(sha256, target));
    report('done');
    return { file: target, checksumFile, sha256, bytes: meter.bytesDone };
  } catch (error) {
    await rm(partial, { force: true });
    if (options.signal?.aborted) {
      throw new UserErrorException({ code: 'OPERATION_CANCELLED', message: `Exporting ${reference} was cancelled; no file was written.`, action: '' });
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new UserErrorException({
        code: 'DISK_FULL',
        message: `The disk of ${path.dirname(target)} is full, so the image could not be exported. Nothing was left behind.`,
        action: 'Choose a drive with more free space (the image needs about its size shown in the list).',
      });
    }
    throw saveFailed(reference, target, error);
  }
}

function saveFailed(reference: string, target: string, error: unknown): UserErrorException {
  return new UserErrorException({
    code: 'IMAGE_SAVE_FAILED',
    message: `${reference} could not be exported to ${target}.`,
    action: 'Check that the folder exists and that you may write there, then try again.',
    detail: engineMessage(error) || errorDetail(error),
  });
}

export function imageNotFound(reference: string): UserErrorException {
  return new UserErrorException({
    code: 'IMAGE_NOT_FOUND',
    message: `The image ${reference} is not present in Docker.`,
    action: 'Load it from a file on the Setup page (Load from file), or choose another image.',
  });
}


