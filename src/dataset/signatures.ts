/**
 * File signatures (magic bytes) of the 2D and 3D formats AUCMEDI reads, and the pixel size of 2D
 * images where the first bytes hold it (PNG IHDR, JPEG SOF, BMP, GIF, WebP).
 */
import type { ImageFormat } from './names';

/** How many bytes of each file the scanner reads: enough for every signature (NIfTI needs 348). */
export const HEAD_BYTES = 512;

/** What the content is. 'gzip' is a .nii.gz (or any gzip file); 'metaimage' is .mha or .mhd. */
export type Signature = 'png' | 'jpeg' | 'tiff' | 'bmp' | 'gif' | 'webp' | 'nifti' | 'gzip' | 'metaimage' | 'nrrd' | 'dicom';

export interface Sniffed {
  signature: Signature;
  /** Pixel size for 2D images, when the header says it within the bytes read. */
  width?: number;
  height?: number;
}

const u16be = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u16le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32be = (b: Uint8Array, o: number) => ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
const i32le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
const u24le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);

// Byte k of a file is b[s + k]: the scanner's files share one buffer, so each is found at an offset
// (`s`, 0 for a buffer of its own). Only `length` bytes were read: nothing from s + length on is the file's.

function ascii(b: Uint8Array, s: number, offset: number, text: string, length: number): boolean {
  if (offset + text.length > length) return false;
  for (let i = 0; i < text.length; i++) if (b[s + offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Identifies the `length` bytes read from the start of a file (in `b` from `start` on); null when no known format matches. */
export function sniff(b: Uint8Array, length: number, start = 0): Sniffed | null {
  const s = start;
  if (length >= 8 && b[s] === 0x89 && ascii(b, s, 1, 'PNG\r\n\x1a\n', length)) {
    return length >= 24 && ascii(b, s, 12, 'IHDR', length) ? { signature: 'png', width: u32be(b, s + 16), height: u32be(b, s + 20) } : { signature: 'png' };
  }
  if (length >= 3 && b[s] === 0xff && b[s + 1] === 0xd8 && b[s + 2] === 0xff) return { signature: 'jpeg', ...jpegSize(b, s, length) };
  if (length >= 4 && ((b[s] === 0x49 && b[s + 1] === 0x49 && (b[s + 2] === 0x2a || b[s + 2] === 0x2b) && b[s + 3] === 0) || (b[s] === 0x4d && b[s + 1] === 0x4d && b[s + 2] === 0 && (b[s + 3] === 0x2a || b[s + 3] === 0x2b)))) {
    return { signature: 'tiff' };
  }
  if (length >= 6 && (ascii(b, s, 0, 'GIF87a', length) || ascii(b, s, 0, 'GIF89a', length))) {
    return length >= 10 ? { signature: 'gif', width: u16le(b, s + 6), height: u16le(b, s + 8) } : { signature: 'gif' };
  }
  if (length >= 12 && ascii(b, s, 0, 'RIFF', length) && ascii(b, s, 8, 'WEBP', length)) return { signature: 'webp', ...webpSize(b, s, length) };
  if (length >= 14 && b[s] === 0x42 && b[s + 1] === 0x4d && bmpPlausible(b, s, length)) return { signature: 'bmp', ...bmpSize(b, s, length) };
  if (length >= 348 && isNifti1(b, s)) return { signature: 'nifti' };
  if (length >= 12 && isNifti2(b, s)) return { signature: 'nifti' };
  if (length >= 3 && b[s] === 0x1f && b[s + 1] === 0x8b && b[s + 2] === 0x08) return { signature: 'gzip' };
  if (length >= 132 && ascii(b, s, 128, 'DICM', length)) return { signature: 'dicom' };
  if (ascii(b, s, 0, 'NRRD000', length)) return { signature: 'nrrd' };
  if (isMetaImage(b, s, length)) return { signature: 'metaimage' };
  return null;
}

/** Which content each extension expects. */
export const EXPECTED_SIGNATURE: Record<ImageFormat, Signature> = {
  png: 'png',
  jpeg: 'jpeg',
  tiff: 'tiff',
  bmp: 'bmp',
  gif: 'gif',
  webp: 'webp',
  nii: 'nifti',
  'nii.gz': 'gzip',
  mha: 'metaimage',
  mhd: 'metaimage',
  nrrd: 'nrrd',
  dcm: 'dicom',
};

export const SIGNATURE_DIMS: Record<Signature, '2D' | '3D'> = {
  png: '2D',
  jpeg: '2D',
  tiff: '2D',
  bmp: '2D',
  gif: '2D',
  webp: '2D',
  nifti: '3D',
  gzip: '3D',
  metaimage: '3D',
  nrrd: '3D',
  dicom: '3D',
};

/** Human names of what a file holds, for messages. */
export const SIGNATURE_NAMES: Record<Signature, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  tiff: 'TIFF',
  bmp: 'BMP',
  gif: 'GIF',
  webp: 'WebP',
  nifti: 'NIfTI',
  gzip: 'gzip-compressed',
  metaimage: 'MetaImage',
  nrrd: 'NRRD',
  dicom: 'DICOM',
};

function jpegSize(b: Uint8Array, s: number, length: number): { width?: number; height?: number } {
  let o = 2;
  while (o + 9 < length) {
    if (b[s + o] !== 0xff) return {};
    const marker = b[s + o + 1]!;
    if (marker === 0xff) {
      o += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += 2; // markers without a length
      continue;
    }
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { height: u16be(b, s + o + 5), width: u16be(b, s + o + 7) };
    if (marker === 0xd9 || marker === 0xda) return {};
    o += 2 + u16be(b, s + o + 2);
  }
  return {};
}

function bmpPlausible(b: Uint8Array, s: number, length: number): boolean {
  // 'BM' alone is two ASCII letters; the DIB header size makes it a bitmap.
  if (length < 18) return true;
  const dib = i32le(b, s + 14);
  return dib === 12 || dib === 40 || dib === 52 || dib === 56 || dib === 64 || dib === 108 || dib === 124;
}

function bmpSize(b: Uint8Array, s: number, length: number): { width?: number; height?: number } {
  if (length < 26) return {};
  if (i32le(b, s + 14) === 12) return { width: u16le(b, s + 18), height: u16le(b, s + 20) };
  return { width: Math.abs(i32le(b, s + 18)), height: Math.abs(i32le(b, s + 22)) };
}

function webpSize(b: Uint8Array, s: number, length: number): { width?: number; height?: number } {
  if (ascii(b, s, 12, 'VP8 ', length) && length >= 30) return { width: u16le(b, s + 26) & 0x3fff, height: u16le(b, s + 28) & 0x3fff };
  if (ascii(b, s, 12, 'VP8L', length) && length >= 25) {
    const bits = b[s + 21]! | (b[s + 22]! << 8) | (b[s + 23]! << 16) | (b[s + 24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (ascii(b, s, 12, 'VP8X', length) && length >= 30) return { width: u24le(b, s + 24) + 1, height: u24le(b, s + 27) + 1 };
  return {};
}

function isNifti1(b: Uint8Array, s: number): boolean {
  const le = b[s] === 0x5c && b[s + 1] === 0x01 && b[s + 2] === 0 && b[s + 3] === 0;
  const be = b[s] === 0 && b[s + 1] === 0 && b[s + 2] === 0x01 && b[s + 3] === 0x5c;
  // magic 'n+1\0' (single file) or 'ni1\0' (header of a pair)
  return (le || be) && b[s + 344] === 0x6e && (b[s + 345] === 0x2b || b[s + 345] === 0x69) && b[s + 346] === 0x31 && b[s + 347] === 0;
}

function isNifti2(b: Uint8Array, s: number): boolean {
  const le = b[s] === 0x1c && b[s + 1] === 0x02 && b[s + 2] === 0 && b[s + 3] === 0;
  const be = b[s] === 0 && b[s + 1] === 0 && b[s + 2] === 0x02 && b[s + 3] === 0x1c;
  return (le || be) && b[s + 4] === 0x6e && (b[s + 5] === 0x2b || b[s + 5] === 0x69) && b[s + 6] === 0x32 && b[s + 7] === 0;
}

/** MetaImage headers are text: `ObjectType = Image` first, perhaps after a comment or blank line. */
function isMetaImage(b: Uint8Array, s: number, length: number): boolean {
  let o = 0;
  for (let line = 0; line < 4 && o < length; line++) {
    while (o < length && (b[s + o] === 0x20 || b[s + o] === 0x09 || b[s + o] === 0x0d || b[s + o] === 0x0a)) o++;
    if (ascii(b, s, o, 'ObjectType', length)) return true;
    if (o >= length || b[s + o] !== 0x23 /* # */) return false;
    while (o < length && b[s + o] !== 0x0a) o++;
  }
  return false;
}
