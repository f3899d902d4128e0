/**
 * A frame of native (uncompressed) DICOM pixel data to the 8-bit image AUCMEDI is given, in the
 * order of the standard's grayscale pipeline (PS3.3 C.11, PS3.4 N.2): stored values, then the
 * Modality LUT (Rescale Slope/Intercept or a Modality LUT Sequence), then the VOI LUT (a VOI LUT
 * Sequence, else the first window with its VOI LUT Function, else the image's full range), then
 * MONOCHROME1 inverted. 8-bit because AUCMEDI's image loader opens PNGs with PIL and converts them
 * to RGB or L, which clips 16-bit data (aucmedi/data_processing/io_loader/image_loader.py).
 * Colour (RGB, YBR_FULL) is kept as RGB. Compressed frames are decoded first (src/dicom/codecs.ts).
 */
import { decodedPhotometric, decodeFrame, DECODED_TRANSFER_SYNTAXES } from './codecs';
import type { DicomHeader, Lut } from './header';

export interface Frame8 {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB) bytes per pixel, row by row. */
  channels: 1 | 3;
  data: Uint8Array;
}

export type WindowChoice = 'auto' | { width: number; center: number };

/** One frame's samples as they lie in memory, native or decoded, and how to read them. */
export interface FramePixels {
  bytes: Uint8Array;
  littleEndian: boolean;
  /** The photometric interpretation of these samples (a decoder may have turned YCbCr into RGB). */
  photometric: string;
  planarConfiguration: number;
  /** Whole integers of Bits Allocated (JPEG 2000 decodes to these, sign-extended, and a lossy stream may overshoot Bits Stored: clamped to its range), not bit patterns of Bits Stored (native data, RLE, JPEG, JPEG-LS). */
  wholeSamples: boolean;
}

/** Frame `index`'s samples: a view into the file for native pixel data, decoded for compressed. */
export async function framePixels(header: DicomHeader, index: number): Promise<FramePixels> {
  if (DECODED_TRANSFER_SYNTAXES[header.transferSyntax]) {
    const decoded = await decodeFrame(header, index);
    return { bytes: decoded.data, littleEndian: true, photometric: decodedPhotometric(header), planarConfiguration: decoded.planarConfiguration, wholeSamples: decoded.wholeSamples };
  }
  const length = header.rows * header.columns * header.samplesPerPixel * (header.bitsAllocated / 8);
  const start = header.pixelData!.offset + index * length;
  return { bytes: header.bytes.subarray(start, start + length), littleEndian: header.littleEndian, photometric: header.photometric, planarConfiguration: header.planarConfiguration, wholeSamples: false };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The raw samples as unsigned integers: a typed view where the bytes lie right for it, else copied through a DataView. */
function rawSamples(pixels: FramePixels, count: number, bytesPer: number): ArrayLike<number> {
  const { bytes, littleEndian } = pixels;
  if (bytesPer === 1) return bytes.subarray(0, count);
  if (littleEndian === HOST_LITTLE_ENDIAN && bytes.byteOffset % bytesPer === 0) {
    return bytesPer === 2 ? new Uint16Array(bytes.buffer, bytes.byteOffset, count) : new Uint32Array(bytes.buffer, bytes.byteOffset, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * bytesPer);
  const out = bytesPer === 2 ? new Uint16Array(count) : new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = bytesPer === 2 ? view.getUint16(i * 2, littleEndian) : view.getUint32(i * 4, littleEndian);
  return out;
}

let scratch = new Float64Array(0);

/**
 * A reused array of `count` numbers, valid until the next call in this thread: a fresh 2 MB typed
 * array per CT slice costs more than the slice's arithmetic (allocation and the garbage collections
 * that external memory triggers).
 */
export function scratchValues(count: number): Float64Array {
  if (scratch.length < count) scratch = new Float64Array(count);
  return scratch.subarray(0, count);
}

/** A frame's stored values as numbers (sign and High Bit applied), into `out`. */
export function storedValues(header: DicomHeader, pixels: FramePixels, out?: Float64Array): Float64Array {
  const { rows, columns, samplesPerPixel, bitsAllocated, bitsStored, pixelRepresentation } = header;
  const count = rows * columns * samplesPerPixel;
  const raw = rawSamples(pixels, count, bitsAllocated / 8);
  out ??= new Float64Array(count);
  const signed = pixelRepresentation === 1;
  if (pixels.wholeSamples) {
    const signBit = 2 ** (bitsStored - 1);
    const [low, high] = signed ? [-signBit, signBit - 1] : [0, 2 ** bitsStored - 1];
    const allocatedSign = 2 ** (bitsAllocated - 1);
    for (let i = 0; i < count; i++) {
      const value = signed && raw[i]! >= allocatedSign ? raw[i]! - 2 * allocatedSign : raw[i]!;
      out[i] = value < low ? low : value > high ? high : value;
    }
    return out;
  }
  // Bits above Bits Stored (High Bit = Bits Stored - 1) are not the pixel's: shifted out, the sign extended from Bits Stored.
  const shift = 32 - bitsStored;
  if (signed) for (let i = 0; i < count; i++) out[i] = (raw[i]! << shift) >> shift;
  else if (shift === 0) for (let i = 0; i < count; i++) out[i] = raw[i]!;
  else {
    const mask = -1 >>> shift;
    for (let i = 0; i < count; i++) out[i] = raw[i]! & mask;
  }
  return out;
}

function applyLut(lut: Lut, value: number): number {
  const index = Math.min(lut.data.length - 1, Math.max(0, Math.round(value) - lut.firstMapped));
  return lut.data[index]!;
}

/** Stored values to modality values (Hounsfield units for CT), in place. */
export function modalityValues(header: DicomHeader, values: Float64Array): Float64Array {
  if (header.modalityLut) {
    for (let i = 0; i < values.length; i++) values[i] = applyLut(header.modalityLut, values[i]!);
    return values;
  }
  const { rescaleSlope: slope, rescaleIntercept: intercept } = header;
  if (slope !== 1 || intercept !== 0) for (let i = 0; i < values.length; i++) values[i] = values[i]! * slope + intercept;
  return values;
}

/** One value through a window to 0..255 (PS3.3 C.11.2.1.2 LINEAR, C.11.2.1.3.2 LINEAR_EXACT and SIGMOID). */
export function windowValue(x: number, center: number, width: number, fn: string): number {
  let y: number;
  if (fn === 'SIGMOID') y = 255 / (1 + Math.exp((-4 * (x - center)) / width));
  else if (fn === 'LINEAR_EXACT') {
    if (x <= center - width / 2) y = 0;
    else if (x > center + width / 2) y = 255;
    else y = ((x - center) / width + 0.5) * 255;
  } else {
    const w = Math.max(1, width);
    if (x <= center - 0.5 - (w - 1) / 2) y = 0;
    else if (x > center - 0.5 + (w - 1) / 2) y = 255;
    else y = ((x - (center - 0.5)) / (w - 1) + 0.5) * 255;
  }
  return Math.min(255, Math.max(0, Math.round(y)));
}

/** Modality values of a grey frame to 8 bits, as `choice` says; what was used, for the settings file. */
export function toEightBit(header: DicomHeader, values: Float64Array, choice: WindowChoice): { data: Uint8Array; used: string } {
  const data = new Uint8Array(values.length);
  let used: string;
  if (choice !== 'auto') {
    for (let i = 0; i < values.length; i++) data[i] = windowValue(values[i]!, choice.center, choice.width, 'LINEAR');
    used = `window ${choice.width}/${choice.center}`;
  } else if (header.voiLut) {
    const lut = header.voiLut;
    const top = 2 ** lut.bits - 1;
    for (let i = 0; i < values.length; i++) data[i] = Math.min(255, Math.round((applyLut(lut, values[i]!) / top) * 255));
    used = 'VOI LUT';
  } else if (header.window && header.window.width > 0) {
    const { center, width, fn } = header.window;
    for (let i = 0; i < values.length; i++) data[i] = windowValue(values[i]!, center, width, fn);
    used = `window ${width}/${center} from the file`;
  } else {
    let min = Infinity;
    let max = -Infinity;
    for (const value of values) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    const span = max - min;
    for (let i = 0; i < values.length; i++) data[i] = span > 0 ? Math.round(((values[i]! - min) / span) * 255) : 0;
    used = 'full range';
  }
  if (header.photometric === 'MONOCHROME1') for (let i = 0; i < data.length; i++) data[i] = 255 - data[i]!;
  return { data, used };
}

/** A colour frame to interleaved RGB (planar configuration 1 de-planed, YBR_FULL converted, PS3.3 C.7.6.3.1.2). */
export function toRgb(header: DicomHeader, frame: FramePixels, values: Float64Array): Uint8Array {
  const pixels = header.rows * header.columns;
  const out = new Uint8Array(pixels * 3);
  const at = (pixel: number, channel: number) => (frame.planarConfiguration === 1 ? values[channel * pixels + pixel]! : values[pixel * 3 + channel]!);
  const clamp = (value: number) => Math.min(255, Math.max(0, Math.round(value)));
  for (let p = 0; p < pixels; p++) {
    const a = at(p, 0);
    const b = at(p, 1);
    const c = at(p, 2);
    if (frame.photometric === 'YBR_FULL') {
      out[p * 3] = clamp(a + 1.402 * (c - 128));
      out[p * 3 + 1] = clamp(a - 0.344136 * (b - 128) - 0.714136 * (c - 128));
      out[p * 3 + 2] = clamp(a + 1.772 * (b - 128));
    } else {
      out[p * 3] = a;
      out[p * 3 + 1] = b;
      out[p * 3 + 2] = c;
    }
  }
  return out;
}

/** Frame `index` of a 2D file as the 8-bit image to write. */
export async function frameToImage(header: DicomHeader, index: number, choice: WindowChoice): Promise<Frame8 & { used: string }> {
  const frame = await framePixels(header, index);
  const values = storedValues(header, frame, scratchValues(header.rows * header.columns * header.samplesPerPixel));
  const base = { width: header.columns, height: header.rows };
  if (header.samplesPerPixel === 3) return { ...base, channels: 3, data: toRgb(header, frame, values), used: 'colour kept' };
  const { data, used } = toEightBit(header, modalityValues(header, values), choice);
  return { ...base, channels: 1, data, used };
}
