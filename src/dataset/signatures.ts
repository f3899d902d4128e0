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

function ascii(b: Uint8Array, offset: number, text: string, length: number): boolean {
  if (offset + text.length > length) return false;
  for (let i = 0; i < text.length; i++) if (b[offset + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Identifies `length` bytes read from the start of a file; null when no known format matches. */
export function sniff(b: Uint8Array, length: number): Sniffed | null {
  if (length >= 8 && b[0] === 0x89 && ascii(b, 1, 'PNG\r\n\x1a\n', length)) {
    return length >= 24 && ascii(b, 12, 'IHDR', length) ? { signature: 'png', width: u32be(b, 16), height: u32be(b, 20) } : { signature: 'png' };
  }
  if (length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { signature: 'jpeg', ...jpegSize(b, length) };
  if (length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && (b[2] === 0x2a || b[2] === 0x2b) && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && (b[3] === 0x2a || b[3] === 0x2b)))) {
    return { signature: 'tiff' };
  }
  if (length >= 6 && (ascii(b, 0, 'GIF87a', length) || ascii(b, 0, 'GIF89a', length))) {
    return length >= 10 ? { signature: 'gif', width: u16le(b, 6), height: u16le(b, 8) } : { signature: 'gif' };
  }
  if (length >= 12 && ascii(b, 0, 'RIFF', length) && ascii(b, 8, 'WEBP', length)) return { signature: 'webp', ...webpSize(b, length) };
  if (length >= 14 && b[0] === 0x42 && b[1] === 0x4d && bmpPlausible(b, length)) return { signature: 'bmp', ...bmpSize(b, length) };
  if (length >= 348 && isNifti1(b)) return { signature: 'nifti' };
  if (length >= 12 && isNifti2(b)) return { signature: 'nifti' };
  if (length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08) return { signature: 'gzip' };
  if (length >= 132 && ascii(b, 128, 'DICM', length)) return { signature: 'dicom' };
  if (ascii(b, 0, 'NRRD000', length)) return { signature: 'nrrd' };
  if (isMetaImage(b, length)) return { signature: 'metaimage' };
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

function jpegSize(b: Uint8Array, length: number): { width?: number; height?: number } {
  let o = 2;
  while (o + 9 < length) {
    if (b[o] !== 0xff) return {};
    const marker = b[o + 1]!;
    if (marker === 0xff) {
      o += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += 2; // markers without a length
      continue;
    }
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { height: u16be(b, o + 5), width: u16be(b, o + 7) };
    if (marker === 0xd9 || marker === 0xda) return {};
    o += 2 + u16be(b, o + 2);
  }
  return {};
}

function bmpPlausible(b: Uint8Array, length: number): boolean {
  // 'BM' alone is two ASCII letters; the DIB header size makes it a bitmap.
  if (length < 18) return true;
  const dib = i32le(b, 14);
  return dib === 12 || dib === 40 || dib === 52 || dib === 56 || dib === 64 || dib === 108 || dib === 124;
}

function bmpSize(b: Uint8Array, length: number): { width?: number; height?: number } {
  if (length < 26) return {};
  if (i32le(b, 14) === 12) return { width: u16le(b, 18), height: u16le(b, 20) };
  return { width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
}

function webpSize(b: Uint8Array, length: number): { width?: number; height?: number } {
  if (ascii(b, 12, 'VP8 ', length) && length >= 30) return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (ascii(b, 12, 'VP8L', length) && length >= 25) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (ascii(b, 12, 'VP8X', length) && length >= 30) return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  return {};
}

function isNifti1(b: Uint8Array): boolean {
  const le = b[0] === 0x5c && b[1] === 0x01 && b[2] === 0 && b[3] === 0;
  const be = b[0] === 0 && b[1] === 0 && b[2] === 0x01 && b[3] === 0x5c;
  // magic 'n+1\0' (single file) or 'ni1\0' (header of a pair)
  return (le || be) && b[344] === 0x6e && (b[345] === 0x2b || b[345] === 0x69) && b[346] === 0x31 && b[347] === 0;
}

function isNifti2(b: Uint8Array): boolean {
  const le = b[0] === 0x1c && b[1] === 0x02 && b[2] === 0 && b[3] === 0;
  const be = b[0] === 0 && b[1] === 0 && b[2] === 0x02 && b[3] === 0x1c;
  return (le || be) && b[4] === 0x6e && (b[5] === 0x2b || b[5] === 0x69) && b[6] === 0x32 && b[7] === 0;
}

/** MetaImage headers are text: `ObjectType = Image` first, perhaps after a comment or blank line. */
function isMetaImage(b: Uint8Array, length: number): boolean {
  let o = 0;
  for (let line = 0; line < 4 && o < length; line++) {
    while (o < length && (b[o] === 0x20 || b[o] === 0x09 || b[o] === 0x0d || b[o] === 0x0a)) o++;
    if (ascii(b, o, 'ObjectType', length)) return true;
    if (b[o] !== 0x23 /* # */) return false;
    while (o < length && b[o] !== 0x0a) o++;
  }
  return false;
}
