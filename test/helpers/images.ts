/**
 * Real image files for tests, written with node built-ins only: PNG (zlib + CRC32), NIfTI-1
 * volumes, and small deterministic datasets a model can learn from.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export type PixelKind = 'gray' | 'rgb';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as PNG and zlib use it). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'ascii');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk, 4, 8 + data.length), 8 + data.length);
  return chunk;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Encodes 8-bit grey (width*height bytes) or RGB (width*height*3 bytes, row-major) pixels as a PNG. */
export function encodePng(width: number, height: number, pixels: Uint8Array, kind: PixelKind = 'gray'): Buffer {
  const channels = kind === 'rgb' ? 3 : 1;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`bad PNG size ${width}x${height}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`expected ${width * height * channels} ${kind} bytes, got ${pixels.length}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = kind === 'rgb' ? 2 : 0; // colour type: truecolour or greyscale
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    Buffer.from(pixels.buffer, pixels.byteOffset + y * stride, stride).copy(raw, y * (stride + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function writePng(file: string, width: number, height: number, pixels: Uint8Array, kind: PixelKind = 'gray'): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodePng(width, height, pixels, kind));
}

/**
 * Writes a single-file NIfTI-1 volume (.nii, uncompressed). `data` is in NIfTI order: x varies
 * fastest, then y, then z. Float32Array is stored as FLOAT32 (datatype 16), Uint8Array as UINT8 (2).
 */
export function writeNifti(file: string, dims: readonly number[], data: Float32Array | Uint8Array): void {
  if (dims.length < 1 || dims.length > 7 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`bad NIfTI dims ${dims.join('x')}`);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new RangeError(`expected ${count} voxels, got ${data.length}`);
  const isFloat = data instanceof Float32Array;
  const voxOffset = 352; // 348-byte header + 4-byte extension flag
  const header = Buffer.alloc(voxOffset);
  header.writeInt32LE(348, 0); // sizeof_hdr
  header.writeInt16LE(dims.length, 40); // dim[0]
  for (let i = 0; i < 7; i++) header.writeInt16LE(dims[i] ?? 1, 42 + 2 * i);
  header.writeInt16LE(isFloat ? 16 : 2, 70); // datatype
  header.writeInt16LE(isFloat ? 32 : 8, 72); // bitpix
  for (let i = 0; i < 8; i++) header.writeFloatLE(1, 76 + 4 * i); // pixdim (pixdim[0] = qfac = 1)
  header.writeFloatLE(voxOffset, 108); // vox_offset
  header.writeFloatLE(1, 112); // scl_slope
  header.writeFloatLE(0, 116); // scl_inter
  header.writeUInt8(10, 123); // xyzt_units: mm, s
  header.write('AUCMEDI Desk test volume', 148, 'ascii'); // descrip
  header.write('n+1\0', 344, 'latin1'); // magic
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([header, body]));
}

/** A small deterministic PRNG (mulberry32) with a normal variate. */
export function rng(seed: number): { next(): number; normal(): number } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

const clampByte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/**
 * One image of class `classIndex` of `classCount`: a class-dependent brightness, a class-dependent
 * stripe pattern (horizontal for even classes, vertical for odd ones) and noise.
 */
export function classImage(classIndex: number, classCount: number, size: number, random: ReturnType<typeof rng>, kind: PixelKind = 'gray'): Uint8Array {
  const base = classCount > 1 ? 60 + (140 * classIndex) / (classCount - 1) : 128;
  const channels = kind === 'rgb' ? 3 : 1;
  const pixels = new Uint8Array(size * size * channels);
  const period = 4 + (classIndex % 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const along = classIndex % 2 === 0 ? y : x;
      const stripe = Math.floor(along / period) % 2 === 0 ? 25 : -25;
      const value = base + stripe + random.normal() * 20;
      for (let c = 0; c < channels; c++) pixels[(y * size + x) * channels + c] = clampByte(value + (c - 1) * 10 * classIndex);
    }
  }
  return pixels;
}

export interface ClassDatasetOptions {
  /** class name -> number of images */
  classes: Record<string, number>;
  /** side of the square images in pixels (default 32) */
  size?: number;
  seed?: number;
  kind?: PixelKind;
  /**
   * 'directory' (default): AUCMEDI's directory interface, `<dir>/<class>/<class>_<i>.png`.
   * 'flat': all images in `<dir>/` (as for prediction or the CSV interface), names as above.
   */
  layout?: 'directory' | 'flat';
}

export interface ClassDataset {
  classes: string[];
  /** sample name (file name without extension) -> class name */
  labels: Record<string, string>;
  /** paths of the written files, relative to the dataset folder */
  files: string[];
}

/** A small, learnable, deterministic 2D dataset of PNG files. */
export function makeClassDataset(dir: string, options: ClassDatasetOptions): ClassDataset {
  const size = options.size ?? 32;
  const random = rng(options.seed ?? 1);
  const classes = Object.keys(options.classes);
  const labels: Record<string, string> = {};
  const files: string[] = [];
  classes.forEach((name, classIndex) => {
    const count = options.classes[name] ?? 0;
    for (let i = 0; i < count; i++) {
      const sample = `${name}_${String(i).padStart(3, '0')}`;
      const relative = options.layout === 'flat' ? `${sample}.png` : path.join(name, `${sample}.png`);
      writePng(path.join(dir, relative), size, size, classImage(classIndex, classes.length, size, random, options.kind), options.kind);
      labels[sample] = name;
      files.push(relative);
    }
  });
  mkdirSync(dir, { recursive: true });
  return { classes, labels, files };
}

/** A small, learnable 3D dataset of NIfTI volumes (`<dir>/<class>/<class>_<i>.nii`, float32). */
export function makeVolumeDataset(dir: string, options: { classes: Record<string, number>; size?: number; seed?: number }): ClassDataset {
  const size = options.size ?? 12;
  const random = rng(options.seed ?? 1);
  const classes = Object.keys(options.classes);
  const labels: Record<string, string> = {};
  const files: string[] = [];
  classes.forEach((name, classIndex) => {
    for (let i = 0; i < (options.classes[name] ?? 0); i++) {
      const volume = new Float32Array(size * size * size);
      const centre = classes.length > 1 ? 0.25 + (0.5 * classIndex) / (classes.length - 1) : 0.5;
      for (let z = 0; z < size; z++) {
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            // a bright blob whose position along x depends on the class
            const dx = x / size - centre;
            const dy = y / size - 0.5;
            const dz = z / size - 0.5;
            const blob = 400 * Math.exp(-(dx * dx + dy * dy + dz * dz) / 0.02);
            volume[x + size * (y + size * z)] = 100 + blob + random.normal() * 30;
          }
        }
      }
      const sample = `${name}_${String(i).padStart(3, '0')}`;
      const relative = path.join(name, `${sample}.nii`);
      writeNifti(path.join(dir, relative), [size, size, size], volume);
      labels[sample] = name;
      files.push(relative);
    }
  });
  return { classes, labels, files };
}
