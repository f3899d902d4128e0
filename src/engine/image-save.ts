import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { errorDetail, localizedException, type UserErrorException } from '../api/errors';
import type { ImageSaveResult, TransferProgress } from '../api/types';
import { msg } from '../i18n';
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
    throw localizedException('IMAGE_SAVE_FAILED', msg('engine:save.notAFile.message', { target }), msg('engine:save.notAFile.action'));
  }
  if (!options.overwrite && existing) {
    throw localizedException('IMAGE_SAVE_FAILED', msg('engine:save.exists.message', { name: path.basename(target) }), msg('engine:save.exists.action'));
  }
  let expectedBytes: number | null = null;
  let stream: NodeJS.ReadableStream;
  try {
    const image = docker.getImage(reference);
    expectedBytes = Number((await image.inspect()).Size) || null;
    stream = await image.get();
  } catch (error) {
    if (isConnectionError(error)) throw engineUnavailable(error, msg('engine:doing.export', { reference }));
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
      throw localizedException('OPERATION_CANCELLED', msg('engine:save.cancelled.message', { reference }));
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw localizedException('DISK_FULL', msg('engine:save.diskFull.message', { folder: path.dirname(target) }), msg('engine:save.diskFull.action'));
    }
    throw saveFailed(reference, target, error);
  }
}

function saveFailed(reference: string, target: string, error: unknown): UserErrorException {
  return localizedException('IMAGE_SAVE_FAILED', msg('engine:save.failed.message', { reference, target }), msg('engine:save.failed.action'), engineMessage(error) || errorDetail(error));
}

export function imageNotFound(reference: string): UserErrorException {
  return localizedException('IMAGE_NOT_FOUND', msg('engine:save.notFound.message', { reference }), msg('engine:save.notFound.action'));
}


