/**
 * Real files of the formats AUCMEDI reads, written with node built-ins only, for the dataset scanner's
 * tests: complete, decodable 2D images (baseline JPEG, BMP, GIF, TIFF) of a uniform grey, and 3D
 * volumes (NIfTI .nii.gz, NRRD, MetaImage .mha and .mhd + .raw, DICOM). Real signatures and headers,
 * never empty files with image names. PNG and plain NIfTI are in images.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { encodePng, writeNifti } from './images';

function write(file: string, bytes: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

const u16be = (n: number) => [(n >> 8) & 0xff, n & 0xff];

/**
 * A baseline greyscale JPEG, width x height, every pixel 128: one quantisation table, and Huffman
 * tables holding the only two symbols used (DC difference 0, end of block), so every 8x8 block is
 * two bits. Decodes with libjpeg (and so with Pillow).
 */
export function jpegBytes(width: number, height: number): Buffer {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const segment = (marker: number, body: number[]) => [0xff, marker, ...u16be(body.length + 2), ...body];
  const jfif = segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const dqt = segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]);
  const sof0 = segment(0xc0, [8, ...u16be(height), ...u16be(width), 1, 1, 0x11, 0]);
  const oneCode = (tableClass: number) => [tableClass << 4, 1, ...new Array<number>(15).fill(0), 0x00]; // one code, '0', for symbol 0
  const dht = segment(0xc4, [...oneCode(0), ...oneCode(1)]);
  const sos = segment(0xda, [1, 1, 0x00, 0, 63, 0]);
  // every block: DC symbol '0' (difference 0) and AC symbol '0' (end of block): 2 zero bits
  const bits = blocks * 2;
  const scan = new Array<number>(Math.ceil(bits / 8)).fill(0);
  const padding = scan.length * 8 - bits;
  if (padding > 0) scan[scan.length - 1] = (1 << padding) - 1; // pad with 1 bits
  return Buffer.from([0xff, 0xd8, ...jfif, ...dqt, ...sof0, ...dht, ...sos, ...scan, 0xff, 0xd9]);
}

/** A 24-bit BMP (BITMAPINFOHEADER), every pixel grey 128. */
export function bmpBytes(width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const pixels = stride * height;
  const b = Buffer.alloc(54 + pixels);
  b.write('BM', 0, 'ascii');
  b.writeUInt32LE(54 + pixels, 2);
  b.writeUInt32LE(54, 10); // pixel data offset
  b.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26); // planes
  b.writeUInt16LE(24, 28); // bits per pixel
  b.writeUInt32LE(0, 30); // no compression
  b.writeUInt32LE(pixels, 34);
  b.writeInt32LE(2835, 38);
  b.writeInt32LE(2835, 42);
  for (let y = 0; y < height; y++) b.fill(128, 54 + y * stride, 54 + y * stride + width * 3);
  return b;
}

/**
 * A GIF89a, every pixel colour 0 (grey) of a two-colour palette. LZW with 3-bit codes throughout:
 * a clear code before every two pixels keeps the code table from growing.
 */
export function gifBytes(width: number, height: number): Buffer {
  const codes: number[] = [];
  const count = width * height;
  for (let i = 0; i < count; i += 2) codes.push(4, ...(i + 1 < count ? [0, 0] : [0])); // CLEAR, pixel(s)
  codes.push(5); // end of information
  const data: number[] = [];
  let acc = 0;
  let n = 0;
  for (const code of codes) {
    acc |= code << n;
    n += 3;
    while (n >= 8) {
      data.push(acc & 0xff);
      acc >>= 8;
      n -= 8;
    }
  }
  if (n > 0) data.push(acc & 0xff);
  const blocks: number[] = [];
  for (let i = 0; i < data.length; i += 255) {
    const chunk = data.slice(i, i + 255);
    blocks.push(chunk.length, ...chunk);
  }
  const le = (v: number) => [v & 0xff, (v >> 8) & 0xff];
  return Buffer.from([
    ...Buffer.from('GIF89a', 'ascii'),
    ...le(width),
    ...le(height),
    0x80, // global colour table of 2 entries
    0,
    0,
    128, 128, 128, 255, 255, 255, // palette
    0x2c, ...le(0), ...le(0), ...le(width), ...le(height), 0, // image descriptor
    2, // LZW minimum code size
    ...blocks,
    0, // end of image data
    0x3b, // trailer
  ]);
}

/** An 8-bit greyscale TIFF (little-endian, uncompressed, one strip), every pixel 128. */
export function tiffBytes(width: number, height: number, bigEndian = false): Buffer {
  const entries: [tag: number, type: number, value: number][] = [
    [256, 4, width], // ImageWidth, LONG
    [257, 4, height], // ImageLength
    [258, 3, 8], // BitsPerSample, SHORT
    [259, 3, 1], // Compression: none
    [262, 3, 1], // Photometric: black is zero
    [273, 4, 0], // StripOffsets (filled in below)
    [277, 3, 1], // SamplesPerPixel
    [278, 4, height], // RowsPerStrip
    [279, 4, width * height], // StripByteCounts
  ];
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  const dataOffset = ifdOffset + ifdSize;
  entries[5]![2] = dataOffset;
  const b = Buffer.alloc(dataOffset + width * height, 128);
  const u16 = (v: number, o: number) => (bigEndian ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  const u32 = (v: number, o: number) => (bigEndian ? b.writeUInt32BE(v, o) : b.writeUInt32LE(v, o));
  b.write(bigEndian ? 'MM' : 'II', 0, 'ascii');
  u16(42, 2);
  u32(ifdOffset, 4);
  u16(entries.length, ifdOffset);
  entries.forEach(([tag, type, value], i) => {
    const o = ifdOffset + 2 + i * 12;
    u16(tag, o);
    u16(type, o + 2);
    u32(1, o + 4);
    b.fill(0, o + 8, o + 12);
    if (type === 3) u16(value, o + 8);
    else u32(value, o + 8);
  });
  u32(0, ifdOffset + 2 + entries.length * 12); // no next IFD
  return b;
}

/** A gzip-compressed single-file NIfTI-1 volume (.nii.gz), as SimpleITK and nibabel read it. */
export function niftiGzBytes(dims: readonly number[]): Buffer {
  const count = dims.reduce((a, b) => a * b, 1);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aucmedi-nii-'));
  try {
    const file = path.join(dir, 'volume.nii');
    writeNifti(file, dims, new Uint8Array(count).fill(7));
    return zlib.gzipSync(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A NRRD volume with its data attached (raw encoding). */
export function nrrdBytes(dims: readonly number[]): Buffer {
  const count = dims.reduce((a, b) => a * b, 1);
  const header = `NRRD0004\n# AUCMEDI Desk test volume\ntype: uint8\ndimension: ${dims.length}\nsizes: ${dims.join(' ')}\nencoding: raw\nendian: little\n\n`;
  return Buffer.concat([Buffer.from(header, 'ascii'), Buffer.alloc(count, 9)]);
}

function metaHeader(dims: readonly number[], dataFile: string): string {
  return [
    'ObjectType = Image',
    `NDims = ${dims.length}`,
    'BinaryData = True',
    'BinaryDataByteOrderMSB = False',
    `DimSize = ${dims.join(' ')}`,
    'ElementType = MET_UCHAR',
    `ElementDataFile = ${dataFile}`,
    '',
  ].join('\n');
}

/** A MetaImage volume in one file (.mha). */
export function mhaBytes(dims: readonly number[]): Buffer {
  const count = dims.reduce((a, b) => a * b, 1);
  return Buffer.concat([Buffer.from(metaHeader(dims, 'LOCAL'), 'ascii'), Buffer.alloc(count, 5)]);
}

/** A MetaImage volume as a header (`NAME.mhd`) and its data (`NAME.raw`) beside it. */
export function writeMhd(file: string, dims: readonly number[]): { header: string; data: string } {
  const count = dims.reduce((a, b) => a * b, 1);
  const data = file.replace(/\.mhd$/i, '.raw');
  write(file, Buffer.from(metaHeader(dims, path.basename(data)), 'ascii'));
  write(data, Buffer.alloc(count, 5));
  return { header: file, data };
}

/**
 * A DICOM Part 10 file: preamble, 'DICM', file meta information (explicit VR little endian), and a
 * greyscale image of rows x columns 8-bit pixels.
 */
export function dicomBytes(rows = 4, columns = 4, sopInstance = '1'): Buffer {
  const element = (group: number, el: number, vr: string, value: Buffer) => {
    const even = value.length % 2 === 0 ? value : Buffer.concat([value, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
    const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
    const head = Buffer.alloc(long ? 12 : 8);
    head.writeUInt16LE(group, 0);
    head.writeUInt16LE(el, 2);
    head.write(vr, 4, 'ascii');
    if (long) head.writeUInt32LE(even.length, 8);
    else head.writeUInt16LE(even.length, 6);
    return Buffer.concat([head, even]);
  };
  const us = (v: number) => Buffer.from([v & 0xff, (v >> 8) & 0xff]);
  const text = (s: string) => Buffer.from(s, 'ascii');
  const sopClass = '1.2.840.10008.5.1.4.1.1.7'; // Secondary Capture
  const instance = `1.2.826.0.1.3680043.10.1234.${sopInstance}`;
  const meta = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', text(sopClass)),
    element(0x0002, 0x0003, 'UI', text(instance)),
    element(0x0002, 0x0010, 'UI', text('1.2.840.10008.1.2.1')), // explicit VR little endian
  ]);
  const group = Buffer.alloc(4);
  group.writeUInt32LE(meta.length, 0);
  const dataset = Buffer.concat([
    element(0x0008, 0x0016, 'UI', text(sopClass)),
    element(0x0008, 0x0018, 'UI', text(instance)),
    element(0x0008, 0x0060, 'CS', text('OT')),
    element(0x0020, 0x0013, 'IS', text(sopInstance)),
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', text('MONOCHROME2')),
    element(0x0028, 0x0010, 'US', us(rows)),
    element(0x0028, 0x0011, 'US', us(columns)),
    element(0x0028, 0x0100, 'US', us(8)),
    element(0x0028, 0x0101, 'US', us(8)),
    element(0x0028, 0x0102, 'US', us(7)),
    element(0x0028, 0x0103, 'US', us(0)),
    element(0x7fe0, 0x0010, 'OW', Buffer.alloc(rows * columns, 100)),
  ]);
  return Buffer.concat([Buffer.alloc(128), text('DICM'), element(0x0002, 0x0000, 'UL', group), meta, dataset]);
}

/** The AppleDouble file macOS leaves beside a file on foreign drives (`._NAME`): not an image. */
export function appleDoubleBytes(): Buffer {
  const b = Buffer.alloc(82);
  b.writeUInt32BE(0x00051607, 0); // AppleDouble magic
  b.writeUInt32BE(0x00020000, 4); // version 2
  b.write('Mac OS X        ', 8, 'ascii');
  return b;
}

/** A PNG of a uniform grey, width x height. */
export function pngBytes(width: number, height: number): Buffer {
  return encodePng(width, height, new Uint8Array(width * height).fill(128));
}

export const writeBytes = write;
