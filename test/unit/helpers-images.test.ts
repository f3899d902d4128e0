import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classImage, crc32, encodePng, makeClassDataset, PNG_SIGNATURE, rng, writeNifti, writePng } from '../helpers/images';
import { tempDir } from '../helpers/temp';

interface Chunk { type: string; data: Buffer; crcOk: boolean }

/** A small independent PNG reader: chunks with CRC check, IHDR, and inflated filter-0 scanlines. */
function readPng(buffer: Buffer): { width: number; height: number; colourType: number; bitDepth: number; pixels: Buffer; chunks: Chunk[] } {
  expect(buffer.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  const chunks: Chunk[] = [];
  let offset = 8;
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('ascii', offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + length);
    const stored = buffer.readUInt32BE(offset + 8 + length);
    const computed = (zlib as unknown as { crc32?: (b: Buffer) => number }).crc32?.(buffer.subarray(offset + 4, offset + 8 + length));
    chunks.push({ type, data, crcOk: stored === crc32(buffer, offset + 4, offset + 8 + length) && (computed === undefined || computed === stored) });
    offset += 12 + length;
  }
  const ihdr = chunks[0]!.data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8]!;
  const colourType = ihdr[9]!;
  const channels = colourType === 2 ? 3 : 1;
  const raw = zlib.inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)]).toBe(0); // filter type none
    raw.copy(pixels, y * stride, y * (stride + 1) + 1, (y + 1) * (stride + 1));
  }
  return { width, height, colourType, bitDepth, pixels, chunks };
}

describe('test image helpers', () => {
  it('computes the standard CRC-32 check value', () => {
    expect(crc32(Buffer.from('123456789', 'ascii'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('writes grey PNGs that decode to the same pixels, with valid chunk CRCs', () => {
    const pixels = new Uint8Array(7 * 5).map((_, i) => (i * 37) % 256);
    const png = readPng(encodePng(7, 5, pixels));
    expect(png.chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png.chunks.every((c) => c.crcOk)).toBe(true);
    expect([png.width, png.height, png.bitDepth, png.colourType]).toEqual([7, 5, 8, 0]);
    expect([...png.pixels]).toEqual([...pixels]);
  });

  it('writes RGB PNGs and rejects a pixel buffer of the wrong size', () => {
    const pixels = new Uint8Array(3 * 2 * 3).map((_, i) => i * 10);
    const dir = tempDir();
    writePng(path.join(dir, 'sub', 'rgb.png'), 3, 2, pixels, 'rgb');
    const png = readPng(readFileSync(path.join(dir, 'sub', 'rgb.png')));
    expect(png.colourType).toBe(2);
    expect([...png.pixels]).toEqual([...pixels]);
    expect(() => encodePng(3, 2, pixels, 'gray')).toThrow(RangeError);
  });

  it('writes NIfTI-1 headers with dims at 40, datatype at 70, vox_offset at 108 and the magic', () => {
    const dir = tempDir();
    const file = path.join(dir, 'v.nii');
    const data = new Float32Array(4 * 3 * 2).map((_, i) => i / 2);
    writeNifti(file, [4, 3, 2], data);
    const bytes = readFileSync(file);
    expect(bytes.readInt32LE(0)).toBe(348);
    expect([0, 1, 2, 3].map((i) => bytes.readInt16LE(40 + 2 * i))).toEqual([3, 4, 3, 2]);
    expect(bytes.readInt16LE(70)).toBe(16);
    expect(bytes.readFloatLE(108)).toBe(352);
    expect(bytes.toString('latin1', 344, 347)).toBe('n+1');
    expect(bytes.length).toBe(352 + data.byteLength);
    expect(bytes.readFloatLE(352 + 4 * 5)).toBe(2.5);
    writeNifti(path.join(dir, 'u.nii'), [2, 2], new Uint8Array([1, 2, 3, 4]));
    expect(readFileSync(path.join(dir, 'u.nii')).readInt16LE(70)).toBe(2);
  });

  it('makes a deterministic dataset in the directory or flat layout', () => {
    const a = tempDir();
    const b = tempDir();
    const first = makeClassDataset(a, { classes: { benign: 3, malignant: 2 }, size: 16, seed: 7 });
    makeClassDataset(b, { classes: { benign: 3, malignant: 2 }, size: 16, seed: 7 });
    expect(first.files).toHaveLength(5);
    expect(readdirSync(a).sort()).toEqual(['benign', 'malignant']);
    for (const file of first.files) expect(readFileSync(path.join(a, file)).equals(readFileSync(path.join(b, file)))).toBe(true);
    const flat = makeClassDataset(tempDir(), { classes: { x: 1, y: 1 }, layout: 'flat' });
    expect(flat.files).toEqual(['x_000.png', 'y_000.png']);
    expect(flat.labels).toEqual({ x_000: 'x', y_000: 'y' });
  });

  it('makes classes that differ clearly in mean brightness', () => {
    const random = rng(3);
    const mean = (p: Uint8Array) => p.reduce((s, v) => s + v, 0) / p.length;
    const dark = mean(classImage(0, 2, 32, random));
    const bright = mean(classImage(1, 2, 32, random));
    expect(bright - dark).toBeGreaterThan(100);
  });
});
