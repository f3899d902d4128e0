/**
 * The pixel work of a conversion, one file at a time, as messages a worker thread can take
 * (src/dicom/threads.ts) or the calling thread can run itself: a 2D file's frames to PNGs, a 3D
 * slice to its modality values as the volume stores them. The bytes come in, nothing else: the
 * header is read again here, so no parsed object crosses threads.
 */
import pngjs from 'pngjs';
import { UndecodableFrame } from './codecs';
import { msg, type Message } from '../i18n/message';
import { readDicomHeader } from './header';
import { DicomReason } from './read-file';
import { framePixels, frameToImage, modalityValues, scratchValues, storedValues, type Frame8, type WindowChoice } from './pixels';

const { PNG } = pngjs; // a CommonJS module: no named exports under Node's ESM

export type DicomTask =
  | { kind: 'images'; bytes: Uint8Array; window: WindowChoice }
  | { kind: 'slice'; bytes: Uint8Array; rows: number; columns: number; datatype: 'int16' | 'float32' };

export type DicomTaskResult =
  /** The frames decoded, in order; `undecodable` says why the ones after them were not (a catalog message: plain JSON, it crosses threads). */
  | { kind: 'images'; images: { png: Uint8Array; used: string }[]; undecodable: Message | null }
  /** int16 or float32 voxels, row by row, in the machine's byte order (little-endian on every platform the app ships for). */
  | { kind: 'slice'; data: Uint8Array };

export function encodePng(image: Frame8): Buffer {
  const colorType = image.channels === 1 ? 0 : 2;
  const png = new PNG({ width: image.width, height: image.height, colorType, inputColorType: colorType, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false, bitDepth: 8 });
}

/** Runs one task; throws UndecodableFrame for a slice that cannot be decoded, a DicomReason for another reason to leave it out. */
export async function runDicomTask(task: DicomTask): Promise<DicomTaskResult> {
  const header = readDicomHeader(task.bytes);
  if (task.kind === 'images') {
    const images: { png: Uint8Array; used: string }[] = [];
    for (let frame = 0; frame < header.frames; frame++) {
      try {
        const image = await frameToImage(header, frame, task.window);
        images.push({ png: encodePng(image), used: image.used });
      } catch (error) {
        if (!(error instanceof UndecodableFrame)) throw error;
        return { kind: 'images', images, undecodable: error.i18n };
      }
    }
    return { kind: 'images', images, undecodable: null };
  }
  if (header.rows !== task.rows || header.columns !== task.columns) throw new DicomReason(msg('dicom:task.changed'));
  const pixels = await framePixels(header, 0);
  const values = modalityValues(header, storedValues(header, pixels, scratchValues(header.rows * header.columns)));
  const voxels = task.datatype === 'int16' ? new Int16Array(values.length) : new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) voxels[i] = values[i]!;
  return { kind: 'slice', data: new Uint8Array(voxels.buffer) };
}
