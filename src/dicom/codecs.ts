/**
 * Compressed (encapsulated) DICOM pixel data to native samples, with well-kept decoders: libjpeg-turbo
 * (JPEG baseline and 8-bit JPEG lossless), CharLS (JPEG-LS, lossless and near-lossless) and OpenJPEG
 * (JPEG 2000), as WebAssembly from the cornerstone project, and jpeg-lossless-decoder-js (JPEG
 * lossless of 9-16 bits; it drops the last pixel of some colour images, which libjpeg-turbo decodes
 * right, so 8-bit lossless goes to libjpeg-turbo). RLE lossless is a short byte-run code (PS3.5 Annex G)
 * decoded here. A decoded frame is laid out as a native one would be: little-endian samples of Bits
 * Allocated, pixels interleaved, so src/dicom/pixels.ts reads both the same way.
 */
import charlsFactory from '@cornerstonejs/codec-charls/decodewasmjs';
import libjpegTurboFactory from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
import openjpegFactory from '@cornerstonejs/codec-openjpeg/decodewasmjs';
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { msg, type Message } from '../i18n/message';
import type { DicomHeader } from './header';
import { DicomReason, reasonOf } from './read-file';

type Codec = 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000' | 'rle';

/** The compressed transfer syntaxes this version decodes, by UID. */
export const DECODED_TRANSFER_SYNTAXES: Record<string, { name: string; codec: Codec }> = {
  '1.2.840.10008.1.2.4.50': { name: 'JPEG baseline', codec: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG extended', codec: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG lossless', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG lossless (first-order prediction)', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS lossless', codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS near-lossless', codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 lossless', codec: 'jpeg-2000' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', codec: 'jpeg-2000' },
  '1.2.840.10008.1.2.5': { name: 'RLE lossless', codec: 'rle' },
};

/** Why a compressed file's pixels cannot be decoded here, or null when they can. */
export function compressedProblem(header: DicomHeader): Message | null {
  const syntax = DECODED_TRANSFER_SYNTAXES[header.transferSyntax];
  if (!syntax) return null;
  if (syntax.codec === 'jpeg-baseline' && header.bitsStored > 8) return msg('dicom:codec.deepJpeg', { bits: header.bitsStored, syntax: syntax.name });
  if (!header.pixelData?.encapsulated || header.pixelData.fragments.length === 0) return msg('dicom:codec.noFragments', { syntax: syntax.name });
  return null;
}

/** Photometric interpretations a decoder turns into RGB: libjpeg-turbo converts YCbCr, OpenJPEG undoes its colour transform. */
const DECODED_AS_RGB: Partial<Record<Codec, string[]>> = {
  'jpeg-baseline': ['YBR_FULL', 'YBR_FULL_422'],
  'jpeg-2000': ['YBR_RCT', 'YBR_ICT'],
};

/** The photometric interpretation of `header`'s pixels once decoded. */
export function decodedPhotometric(header: DicomHeader): string {
  const codec = DECODED_TRANSFER_SYNTAXES[header.transferSyntax]?.codec;
  return codec && DECODED_AS_RGB[codec]?.includes(header.photometric) ? 'RGB' : header.photometric;
}

/** A frame that cannot be decoded: the file is left out with this sentence, the conversion goes on. */
export class UndecodableFrame extends DicomReason {}

export interface DecodedFrame {
  /** Little-endian samples of Bits Allocated. */
  data: Uint8Array;
  /** 0: pixels interleaved, 1: one plane per sample. */
  planarConfiguration: number;
  /** OpenJPEG writes whole (sign-extended) integers; the other decoders the bit patterns of Bits Stored, as native data is. */
  wholeSamples: boolean;
}

/** The compressed bytes of frame `index` (PS3.5 A.4: the Basic Offset Table, else one fragment per frame). */
export function encapsulatedFrame(header: DicomHeader, index: number): Uint8Array {
  const { fragments, basicOffsetTable } = header.pixelData!;
  const join = (parts: typeof fragments) => {
    if (parts.length === 1) return header.bytes.subarray(parts[0]!.position, parts[0]!.position + parts[0]!.length);
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(header.bytes.subarray(part.position, part.position + part.length), at);
      at += part.length;
    }
    return out;
  };
  if (header.frames === 1) return join(fragments);
  if (basicOffsetTable.length === header.frames) {
    const start = basicOffsetTable[index]!;
    const end = basicOffsetTable[index + 1] ?? Infinity;
    const parts = fragments.filter((fragment) => fragment.offset >= start && fragment.offset < end);
    if (parts.length) return join(parts);
  } else if (fragments.length === header.frames) return join([fragments[index]!]);
  throw new UndecodableFrame(msg('dicom:codec.frameNotFound', { frame: index + 1, fragments: fragments.length, frames: header.frames }));
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getInterleaveMode?(): number;
  delete(): void;
}

type WasmModule = Record<string, new () => WasmDecoder>;

// Each WebAssembly module is instantiated once, when first needed; OpenJPEG's [INFO] lines are not ours to print.
const quiet = { print: () => {}, printErr: () => {} };
const modules: Partial<Record<Codec, Promise<WasmModule>>> = {};
const wasmModule = (codec: 'jpeg-baseline' | 'jpeg-ls' | 'jpeg-2000') =>
  (modules[codec] ??= ({ 'jpeg-baseline': libjpegTurboFactory, 'jpeg-ls': charlsFactory, 'jpeg-2000': openjpegFactory }[codec](quiet) as Promise<WasmModule>));

async function wasmDecode(codec: 'jpeg-baseline' | 'jpeg-ls' | 'jpeg-2000', encoded: Uint8Array): Promise<{ data: Uint8Array; components: number; planar: boolean }> {
  const module = await wasmModule(codec);
  const decoder = new module[{ 'jpeg-baseline': 'JPEGDecoder', 'jpeg-ls': 'JpegLSDecoder', 'jpeg-2000': 'J2KDecoder' }[codec]]!();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // CharLS: interleave mode 0 leaves a colour image one plane per component.
    const planar = codec === 'jpeg-ls' && info.componentCount > 1 && decoder.getInterleaveMode?.() === 0;
    return { data: decoder.getDecodedBuffer().slice(), components: info.componentCount, planar };
  } finally {
    decoder.delete();
  }
}

/** PS3.5 G.3.1: each segment is a byte-run (PackBits) code; a header of 16 32-bit offsets says where segments begin. */
export function decodeRle(header: DicomHeader, encoded: Uint8Array): DecodedFrame {
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  if (encoded.length < 64) throw new DicomReason(msg('dicom:codec.rleHeaderShort'));
  const segments = view.getUint32(0, true);
  const bytesPerSample = header.bitsAllocated / 8;
  const pixels = header.rows * header.columns;
  if (segments !== bytesPerSample * header.samplesPerPixel) throw new DicomReason(msg('dicom:codec.rleSegments', { segments, needed: bytesPerSample * header.samplesPerPixel }));
  const out = new Uint8Array(pixels * header.samplesPerPixel * bytesPerSample);
  for (let segment = 0; segment < segments; segment++) {
    const start = view.getUint32(4 + 4 * segment, true);
    const end = segment + 1 < segments ? view.getUint32(8 + 4 * segment, true) : encoded.length;
    if (start < 64 || end > encoded.length || end < start) throw new DicomReason(msg('dicom:codec.rleOffsets'));
    // Segments come sample by sample, most significant byte first (G.2); the output is interleaved little-endian.
    const sample = Math.floor(segment / bytesPerSample);
    const byte = bytesPerSample - 1 - (segment % bytesPerSample);
    const stride = header.samplesPerPixel * bytesPerSample;
    let target = sample * bytesPerSample + byte;
    let pixel = 0;
    let at = start;
    const put = (value: number) => {
      if (pixel < pixels) out[target] = value;
      pixel += 1;
      target += stride;
    };
    while (at < end && pixel < pixels) {
      const n = (encoded[at++]! << 24) >> 24;
      if (n >= 0) {
        for (let i = 0; i <= n && at < end; i++) put(encoded[at++]!);
      } else if (n !== -128) {
        const value = encoded[at++]!;
        for (let i = 0; i < 1 - n; i++) put(value);
      }
    }
    if (pixel < pixels) throw new DicomReason(msg('dicom:codec.rleSegmentShort', { segment: segment + 1, pixel, pixels }));
  }
  return { data: out, planarConfiguration: 0, wholeSamples: false };
}

/** Frame `index` of a compressed file, decoded and checked against the size its header names. */
export async function decodeFrame(header: DicomHeader, index: number): Promise<DecodedFrame> {
  const syntax = DECODED_TRANSFER_SYNTAXES[header.transferSyntax]!;
  const encoded = encapsulatedFrame(header, index);
  const expected = header.rows * header.columns * header.samplesPerPixel * (header.bitsAllocated / 8);
  let frame: DecodedFrame;
  try {
    if (syntax.codec === 'rle') frame = decodeRle(header, encoded);
    else if (syntax.codec === 'jpeg-lossless' && header.bitsAllocated > 8) {
      const samples = new JpegLosslessDecoder().decode(encoded.buffer as ArrayBuffer, encoded.byteOffset, encoded.byteLength, 2);
      frame = { data: new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength), planarConfiguration: 0, wholeSamples: false };
    } else {
      const decoded = await wasmDecode(syntax.codec === 'jpeg-lossless' ? 'jpeg-baseline' : syntax.codec, encoded);
      if (decoded.components !== header.samplesPerPixel) throw new DicomReason(msg('dicom:codec.samples', { components: decoded.components, samples: header.samplesPerPixel }));
      frame = { data: decoded.data, planarConfiguration: decoded.planar ? 1 : 0, wholeSamples: syntax.codec === 'jpeg-2000' };
    }
  } catch (error) {
    // A WebAssembly decoder throws a bare number (an exception pointer into its memory): no reason to show, and not the same twice.
    // Our own reasons are catalog messages; a decoder's own error text stays as it is (technical, English).
    const detail = error instanceof Error ? reasonOf(error) : typeof error === 'string' ? error : msg('dicom:codec.refused', { syntax: syntax.name });
    throw new UndecodableFrame(msg('dicom:codec.notDecodable', { syntax: syntax.name, detail }));
  }
  if (frame.data.length !== expected) throw new UndecodableFrame(msg('dicom:codec.frameSize', { syntax: syntax.name, bytes: frame.data.length, columns: header.columns, rows: header.rows, expected }));
  return frame;
}
