/**
 * The weights folder as one `.tar` for the offline bundle (with `FILE.sha256` beside it), to carry
 * from a connected machine to the air-gapped one: plain ustar, files at the top, readable by any
 * tar and by the app's own importer.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorDetail, localizedException } from '../api/errors';
import { msg } from '../i18n';
import type { WeightsFileInfo } from '../api/weights';
import { checksumFileFor, checksumLine } from '../engine/checksum';

function header(name: string, size: number, mtime: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write(`${Math.floor(mtime).toString(8).padStart(11, '0')}\0`, 136);
  block.write('        ', 148);
  block.write('0', 156);
  block.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

async function* tarStream(weightsDir: string, files: WeightsFileInfo[], onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  const mtime = Date.now() / 1000;
  for (const file of files) {
    yield header(file.name, file.sizeBytes, mtime);
    for await (const chunk of createReadStream(path.join(weightsDir, file.name))) {
      onBytes((chunk as Buffer).length);
      yield chunk as Buffer;
    }
    const pad = (512 - (file.sizeBytes % 512)) % 512;
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(1024);
}

export async function exportWeights(weightsDir: string, files: WeightsFileInfo[], target: string, options: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<{ file: string; sha256: string; checksumFile: string; bytes: number }> {
  if (files.length === 0) throw localizedException('WEIGHTS_SOURCE_UNUSABLE', msg('weights:export.emptyMessage'), msg('weights:export.emptyAction'));
  if (files.some((f) => Buffer.byteLength(f.name) > 99)) throw localizedException('WEIGHTS_SOURCE_UNUSABLE', msg('weights:export.nameTooLongMessage'), msg('weights:export.nameTooLongAction'));
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const temporary = `${target}.partial`;
  try {
    await pipeline(Readable.from(tarStream(weightsDir, files, (n) => options.onBytes?.(n))), tap, createWriteStream(temporary), ...(options.signal ? [{ signal: options.signal }] : []));
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    if (options.signal?.aborted) throw localizedException('OPERATION_CANCELLED', msg('weights:export.cancelledMessage'), msg('weights:export.cancelledAction'));
    throw localizedException('FILE_NOT_WRITTEN', msg('weights:export.notWrittenMessage', { target }), msg('weights:export.notWrittenAction'), errorDetail(error));
  }
  const sha256 = hash.digest('hex');
  const checksumFile = checksumFileFor(target);
  await writeFile(checksumFile, checksumLine(sha256, target));
  return { file: target, sha256, checksumFile, bytes };
}
