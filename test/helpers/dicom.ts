import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

/** One file for test/helpers/make-dicom.py; `values` are the stored samples, row by row (then frame by frame). */
export interface DicomSpec {
  path: string;
  values?: number[];
  rows?: number;
  columns?: number;
  bits_allocated?: 8 | 16;
  bits_stored?: number;
  signed?: boolean;
  photometric?: string;
  samples?: number;
  planar?: number;
  frames?: number;
  modality?: string;
  sop_instance_uid?: string;
  series_uid?: string;
  study_uid?: string;
  slope?: number;
  intercept?: number;
  window?: [number, number];
  voi_function?: string;
  voi_lut?: { first: number; bits: number; data: number[] };
  image_position?: number[];
  orientation?: number[];
  pixel_spacing?: [number, number];
  instance_number?: number;
  image_type?: string[];
  no_pixels?: boolean;
  sop_class?: string;
  patient_name?: string;
  patient_id?: string;
}

/** Writes the files with pydicom (explicit VR little endian). */
export function writeDicom(specs: DicomSpec[]): void {
  const entries = specs.map((spec, index) => {
    mkdirSync(path.dirname(spec.path), { recursive: true });
    if (spec.no_pixels) return spec;
    const bytesPer = (spec.bits_allocated ?? 16) / 8;
    const raw = Buffer.alloc(spec.values!.length * bytesPer);
    spec.values!.forEach((value, i) => {
      const stored = value < 0 ? value + 2 ** (bytesPer * 8) : value;
      if (bytesPer === 1) raw.writeUInt8(stored, i);
      else raw.writeUInt16LE(stored, i * 2);
    });
    const pixels = `${spec.path}.${index}.raw`;
    writeFileSync(pixels, raw);
    const { values: _values, ...rest } = spec;
    return { ...rest, pixels };
  });
  const result = spawnSync('/usr/bin/python3', [path.resolve('test/helpers/make-dicom.py')], { input: JSON.stringify(entries), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`make-dicom.py failed: ${result.stderr}`);
  for (const entry of entries) if ('pixels' in entry && entry.pixels) spawnSync('rm', ['-f', entry.pixels]);
}

/** Re-encodes `file` into `to` with dcmtk's dcmconv in another transfer syntax. */
export function reencode(file: string, to: string, syntax: 'implicit' | 'explicit' | 'big' | 'deflate'): void {
  const flag = { implicit: '+ti', explicit: '+te', big: '+tb', deflate: '+td' }[syntax];
  mkdirSync(path.dirname(to), { recursive: true });
  const result = spawnSync('dcmconv', [flag, file, to], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`dcmconv ${flag} failed: ${result.stderr}`);
}

/** dcmtk's own rendering of a DICOM file to 8 bits (dcm2pnm, PGM/PPM), as a second opinion. */
export function dcm2pnm(file: string, args: string[]): { width: number; height: number; channels: number; data: Uint8Array } {
  const out = `${file}.pnm`;
  const result = spawnSync('dcm2pnm', [...args, file, out], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`dcm2pnm failed: ${result.stderr}`);
  const bytes = readFileSync(out);
  spawnSync('rm', ['-f', out]);
  // P5/P6 header: magic, width, height, maxval, each followed by whitespace
  const header = bytes.subarray(0, 64).toString('latin1').match(/^(P[56])\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  if (!header) throw new Error('dcm2pnm wrote no PGM/PPM');
  return { width: Number(header[2]), height: Number(header[3]), channels: header[1] === 'P6' ? 3 : 1, data: bytes.subarray(header[0].length) };
}

/** A PNG read back with pngjs: its size, colour type (IHDR byte 25) and samples (1 or 3 per pixel). */
export function readPng(file: string): { width: number; height: number; colorType: number; samples: number[] } {
  const bytes = readFileSync(file);
  const png = PNG.sync.read(bytes); // always RGBA
  const colorType = bytes[25]!;
  const samples: number[] = [];
  for (let i = 0; i < png.width * png.height; i++) {
    if (colorType === 0) samples.push(png.data[i * 4]!);
    else samples.push(png.data[i * 4]!, png.data[i * 4 + 1]!, png.data[i * 4 + 2]!);
  }
  return { width: png.width, height: png.height, colorType, samples };
}

/** A deterministic pseudo-random integer sequence in [min, max]. */
export function seededValues(count: number, min: number, max: number, seed: number): number[] {
  let state = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return min + ((state >>> 0) % (max - min + 1));
  });
}

/** The compressed transfer syntaxes the tests make, each with the Debian tool (dcmtk or GDCM) that writes it. */
export const COMPRESSIONS = {
  rle: { uid: '1.2.840.10008.1.2.5', lossy: false, command: ['dcmcrle'] },
  'jpeg-lossless-sv1': { uid: '1.2.840.10008.1.2.4.70', lossy: false, command: ['dcmcjpeg', '+e1'] },
  'jpeg-lossless': { uid: '1.2.840.10008.1.2.4.57', lossy: false, command: ['dcmcjpeg', '+el'] },
  'jpeg-ls': { uid: '1.2.840.10008.1.2.4.80', lossy: false, command: ['dcmcjpls'] },
  'jpeg-ls-near': { uid: '1.2.840.10008.1.2.4.81', lossy: true, command: ['dcmcjpls', '+en', '+md', '2'] },
  'jpeg-2000-lossless': { uid: '1.2.840.10008.1.2.4.90', lossy: false, command: ['gdcmconv', '--quiet', '--j2k'] },
  'jpeg-2000': { uid: '1.2.840.10008.1.2.4.91', lossy: true, command: ['gdcmconv', '--quiet', '--j2k', '--lossy', '-q', '80'] },
  'jpeg-baseline': { uid: '1.2.840.10008.1.2.4.50', lossy: true, command: ['dcmcjpeg', '+eb', '+q', '95'] },
} as const;

export type Compression = keyof typeof COMPRESSIONS;

/** Compresses `file` into `to` with the tool that writes `kind`; `extra` flags go before the file names. */
export function compress(file: string, to: string, kind: Compression, extra: string[] = []): void {
  mkdirSync(path.dirname(to), { recursive: true });
  const [tool, ...flags] = COMPRESSIONS[kind].command;
  const result = spawnSync(tool, [...flags, ...extra, file, to], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} ${flags.join(' ')} failed: ${result.stderr}`);
}

/** Decompresses `file` into `to` with dcmtk or GDCM: a second decoder, the oracle for lossy syntaxes. */
export function decompress(file: string, to: string, kind: Compression): void {
  const tool = kind.startsWith('jpeg-2000') ? ['gdcmconv', '--quiet', '--raw'] : kind.startsWith('jpeg-ls') ? ['dcmdjpls'] : kind === 'rle' ? ['dcmdrle'] : ['dcmdjpeg'];
  mkdirSync(path.dirname(to), { recursive: true });
  const result = spawnSync(tool[0]!, [...tool.slice(1), file, to], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool.join(' ')} failed: ${result.stderr}`);
}

/** Rewrites the Transfer Syntax UID of `file`'s meta header in place with one of the same length (no group length changes). */
export function relabelTransferSyntax(file: string, from: string, to: string): void {
  if (from.length !== to.length) throw new Error('the UIDs must have the same length');
  const bytes = readFileSync(file);
  const at = bytes.indexOf(Buffer.from(from, 'latin1'));
  if (at < 0 || at > 400) throw new Error(`${from} not found in the meta header of ${file}`);
  bytes.write(to, at, 'latin1');
  writeFileSync(file, bytes);
}

/** The Transfer Syntax UID a DICOM file names (dcmtk's dcmdump). */
export function transferSyntaxOf(file: string): string {
  const result = spawnSync('dcmdump', ['-Un', '--search', '0002,0010', file], { encoding: 'utf8' });
  return result.stdout.match(/\[([\d.]+)\]/)?.[1] ?? '';
}

/** PS3.3 C.11.2.1.2.1, written out once more here: the test's own oracle, not the app's code. */
export function expectedLinear(x: number, c: number, w: number): number {
  const low = c - 0.5 - (w - 1) / 2;
  const high = c - 0.5 + (w - 1) / 2;
  if (x <= low) return 0;
  if (x > high) return 255;
  return Math.round(((x - (c - 0.5)) / (w - 1) + 0.5) * 255);
}
