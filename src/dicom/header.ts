/**
 * One DICOM file read with dicom-parser: the attributes that decide whether and how its pixels can
 * become an image AUCMEDI reads, and where its pixel data lies. Nothing else of the header is kept:
 * what identifies the patient stays in the file.
 */
import { inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet } from 'dicom-parser'; // a CommonJS module: no named exports under Node's ESM
import type { DicomKind } from '../api/dicom';
import { msg, type Message, type MessageParam } from '../i18n/message';
import { compressedProblem, DECODED_TRANSFER_SYNTAXES, decodedPhotometric } from './codecs';
import { DicomReason } from './read-file';

/** Bytes 128-131 of a DICOM Part 10 file (PS3.10 7.1). */
export function hasDicomPreamble(head: Uint8Array): boolean {
  return head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d;
}

/** The transfer syntaxes whose pixel data this version decodes, by UID. */
export const NATIVE_TRANSFER_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2': 'implicit VR little endian',
  '1.2.840.10008.1.2.1': 'explicit VR little endian',
  '1.2.840.10008.1.2.2': 'explicit VR big endian',
  '1.2.840.10008.1.2.1.99': 'deflated explicit VR little endian',
};

/** Compressed ones no decoder here reads, named so the sentence says which it is (src/dicom/codecs.ts decodes the rest). */
const UNDECODED_NAMES: [RegExp, MessageParam][] = [
  [/^1\.2\.840\.10008\.1\.2\.4\.(52|53|54|55|56|58|59|60|61|62|63|64|65|66)$/, msg('dicom:syntax.retiredJpeg')],
  [/^1\.2\.840\.10008\.1\.2\.4\.(201|202|203)$/, 'High-Throughput JPEG 2000'],
  [/^1\.2\.840\.10008\.1\.2\.4\.(92|93|94|95)$/, msg('dicom:syntax.jpegPart2')],
  [/^1\.2\.840\.10008\.1\.2\.4\.(100|101|102|103|104|105|106|107|108)$/, msg('dicom:syntax.video')],
  [/^1\.2\.840\.10008\.1\.2\.4\.(110|111|112)$/, 'JPEG XL'],
];

/** The transfer syntax's name for a sentence: a technical name as it is, or a catalog message where it is a phrase. */
export function transferSyntaxName(uid: string): MessageParam {
  return NATIVE_TRANSFER_SYNTAXES[uid] ?? DECODED_TRANSFER_SYNTAXES[uid]?.name ?? UNDECODED_NAMES.find(([pattern]) => pattern.test(uid))?.[1] ?? msg('dicom:syntax.uid', { uid });
}

/** Modalities whose images are slices of a volume: one series becomes one 3D image. */
const VOLUME_MODALITIES = new Set(['CT', 'MR', 'PT', 'NM']);

/** Deflated data sets inflate to at most this; past it the file is refused (a deflate bomb). */
const MAX_INFLATED_BYTES = 2 * 1024 ** 3 - 1;

export interface Lut {
  /** Input value of the first entry. */
  firstMapped: number;
  /** Bits of each entry's output (8-16). */
  bits: number;
  data: Uint16Array;
}

export interface DicomHeader {
  transferSyntax: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyUid: string;
  seriesUid: string;
  modality: string;
  rows: number;
  columns: number;
  frames: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  samplesPerPixel: number;
  photometric: string;
  planarConfiguration: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  modalityLut: Lut | null;
  /** The first VOI window (0028,1050/1051) and its function, or null. */
  window: { center: number; width: number; fn: string } | null;
  voiLut: Lut | null;
  hasImagePosition: boolean;
  /** Image Position (Patient), Image Orientation (Patient) (row then column direction), Pixel Spacing (between rows, between columns). */
  position: [number, number, number] | null;
  orientation: [number, number, number, number, number, number] | null;
  pixelSpacing: [number, number] | null;
  /** Image Type (0008,0008) says LOCALIZER: a scout view, not a slice of the volume. */
  localizer: boolean;
  /** Where the pixel data lies in `bytes` (null: none); encapsulated: its fragments (absolute `position`, `offset` from the first) and Basic Offset Table. */
  pixelData: { offset: number; length: number; encapsulated: boolean; fragments: { position: number; offset: number; length: number }[]; basicOffsetTable: number[] } | null;
  /** The bytes the offsets refer to (the inflated data set for deflate). */
  bytes: Uint8Array;
  littleEndian: boolean;
  /** The value of the attribute classes are looked up by (src/dicom/classes.ts), read only when asked for; null otherwise or when missing. */
  classKey: string | null;
}

export type HeaderResult = { header: DicomHeader; kind: DicomKind; problem: Message | null };

/** Parses a whole DICOM file; throws a DicomReason when it cannot be parsed at all (the parser's own text as its detail). */
export function readDicomHeader(bytes: Uint8Array, classKeyTag: string | null = null): DicomHeader {
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, {
      inflater: (array, position) => {
        const inflated = inflateRawSync(array.subarray(position), { maxOutputLength: MAX_INFLATED_BYTES });
        const full = new Uint8Array(position + inflated.length);
        full.set(array.subarray(0, position));
        full.set(inflated, position);
        return Buffer.from(full.buffer, full.byteOffset, full.byteLength) as unknown as void;
      },
    });
  } catch (error) {
    const text = typeof error === 'string' ? error : ((error as { exception?: string; message?: string })?.exception ?? (error as Error)?.message ?? String(error));
    throw new DicomReason(/buffer|outside|beyond|length|exceeds/i.test(text) ? msg('dicom:header.truncated', { detail: text }) : msg('dicom:header.unparsable', { detail: text }));
  }
  const text = (tag: string) => (dataSet.string(tag) ?? '').trim();
  const number = (tag: string, fallback: number) => {
    const value = dataSet.uint16(tag);
    return value === undefined ? fallback : value;
  };
  const decimal = (tag: string, fallback: number) => {
    const value = dataSet.floatString(tag);
    return value === undefined || !Number.isFinite(value) ? fallback : value;
  };
  const transferSyntax = text('x00020010');
  const pixel = dataSet.elements['x7fe00010'];
  const center = dataSet.floatString('x00281050', 0);
  const width = dataSet.floatString('x00281051', 0);
  const pixelRepresentation = number('x00280103', 0);
  return {
    transferSyntax,
    sopClassUid: text('x00080016'),
    sopInstanceUid: text('x00080018'),
    studyUid: text('x0020000d'),
    seriesUid: text('x0020000e'),
    modality: text('x00080060').toUpperCase(),
    rows: number('x00280010', 0),
    columns: number('x00280011', 0),
    frames: Math.max(1, Math.trunc(dataSet.intString('x00280008') ?? 1) || 1),
    bitsAllocated: number('x00280100', 0),
    bitsStored: number('x00280101', number('x00280100', 0)),
    highBit: number('x00280102', number('x00280101', number('x00280100', 0)) - 1),
    pixelRepresentation,
    samplesPerPixel: number('x00280002', 1),
    photometric: text('x00280004').toUpperCase(),
    planarConfiguration: number('x00280006', 0),
    rescaleSlope: decimal('x00281053', 1),
    rescaleIntercept: decimal('x00281052', 0),
    modalityLut: readLut(dataSet, 'x00283000', pixelRepresentation === 1),
    window: center !== undefined && width !== undefined && Number.isFinite(center) && Number.isFinite(width) ? { center, width, fn: text('x00281056') || 'LINEAR' } : null,
    voiLut: readLut(dataSet, 'x00283010', pixelRepresentation === 1),
    hasImagePosition: dataSet.elements['x00200032'] !== undefined,
    position: decimals(dataSet, 'x00200032', 3) as DicomHeader['position'],
    orientation: decimals(dataSet, 'x00200037', 6) as DicomHeader['orientation'],
    pixelSpacing: decimals(dataSet, 'x00280030', 2) as DicomHeader['pixelSpacing'],
    localizer: (dataSet.string('x00080008') ?? '').toUpperCase().split('\\').includes('LOCALIZER'),
    pixelData: pixel
      ? {
          offset: pixel.dataOffset,
          length: pixel.length,
          encapsulated: pixel.encapsulatedPixelData === true || pixel.hadUndefinedLength === true,
          fragments: (pixel.fragments ?? []).map(({ position, offset, length }) => ({ position, offset, length })),
          basicOffsetTable: pixel.basicOffsetTable ?? [],
        }
      : null,
    bytes: dataSet.byteArray,
    littleEndian: transferSyntax !== '1.2.840.10008.1.2.2',
    classKey: classKeyTag ? text(classKeyTag) || null : null,
  };
}

/** `count` decimal strings of a multi-valued DS attribute, or null when any is missing or not a number. */
function decimals(dataSet: DataSet, tag: string, count: number): number[] | null {
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = dataSet.floatString(tag, i);
    if (value === undefined || !Number.isFinite(value)) return null;
    values.push(value);
  }
  return values;
}

/** The first item of a LUT sequence (Modality or VOI LUT, PS3.3 C.11.1 and C.11.2), or null. */
function readLut(dataSet: DataSet, sequenceTag: string, signedInput: boolean): Lut | null {
  const item = dataSet.elements[sequenceTag]?.items?.[0]?.dataSet;
  const data = item?.elements['x00283006'];
  if (!item || !data) return null;
  const entries = item.uint16('x00283002', 0) || 65536;
  let firstMapped = item.uint16('x00283002', 1) ?? 0;
  if (signedInput && firstMapped > 32767) firstMapped -= 65536;
  const bits = item.uint16('x00283002', 2) ?? 16;
  const values = new Uint16Array(entries);
  // 8-bit entries may be stored one per byte or one per 16-bit word; the length tells which.
  const perByte = bits <= 8 && data.length === entries;
  for (let i = 0; i < entries; i++) {
    if (perByte) values[i] = item.byteArray[data.dataOffset + i] ?? 0;
    else values[i] = data.dataOffset + 2 * i + 1 < data.dataOffset + data.length ? item.byteArrayParser.readUint16(item.byteArray, data.dataOffset + 2 * i) : 0;
  }
  return { firstMapped, bits, data: values };
}

/** Whether the file's images are 2D images, slices of a 3D series, or unusable (and why, as a catalog message). */
export function classify(header: DicomHeader): { kind: DicomKind; problem: Message | null } {
  const unusable = (problem: Message) => ({ kind: 'unusable' as const, problem });
  if (!header.pixelData) {
    const modality = header.modality || msg('dicom:header.noModality');
    return unusable(header.modality === 'SR' ? msg('dicom:header.noImageReport', { modality }) : header.modality === 'PR' ? msg('dicom:header.noImagePresentation', { modality }) : msg('dicom:header.noImage', { modality }));
  }
  const native = NATIVE_TRANSFER_SYNTAXES[header.transferSyntax] !== undefined;
  if (native && header.pixelData.encapsulated) return unusable(msg('dicom:header.encapsulatedNative'));
  if (!native && !DECODED_TRANSFER_SYNTAXES[header.transferSyntax]) return unusable(msg('dicom:header.notDecoded', { syntax: transferSyntaxName(header.transferSyntax) }));
  if (!native && !header.pixelData.encapsulated) return unusable(msg('dicom:header.notEncapsulated', { syntax: transferSyntaxName(header.transferSyntax) }));
  if (header.rows === 0 || header.columns === 0) return unusable(msg('dicom:header.noSize'));
  if (![8, 16, 32].includes(header.bitsAllocated)) return unusable(msg('dicom:header.bitsAllocated', { bits: header.bitsAllocated }));
  if (header.bitsStored < 1 || header.bitsStored > header.bitsAllocated || header.highBit !== header.bitsStored - 1) return unusable(msg('dicom:header.bitLayout', { stored: header.bitsStored, high: header.highBit }));
  const photometric = native ? header.photometric : decodedPhotometric(header);
  const colour = ['RGB', 'YBR_FULL'].includes(photometric);
  const grey = ['MONOCHROME1', 'MONOCHROME2'].includes(photometric);
  if (!colour && !grey) return unusable(msg('dicom:header.photometric', { photometric: header.photometric || msg('dicom:header.noPhotometric'), syntax: transferSyntaxName(header.transferSyntax) }));
  if (header.samplesPerPixel !== (colour ? 3 : 1)) return unusable(msg('dicom:header.samples', { samples: header.samplesPerPixel, photometric: header.photometric }));
  if (colour && header.bitsAllocated !== 8) return unusable(msg('dicom:header.colourBits'));
  if (!native) {
    const problem = compressedProblem(header);
    if (problem) return unusable(problem);
  } else {
    const frameBytes = header.rows * header.columns * header.samplesPerPixel * (header.bitsAllocated / 8);
    if (header.pixelData.length < frameBytes * header.frames || header.pixelData.offset + frameBytes * header.frames > header.bytes.length) {
      return unusable(msg('dicom:header.shortPixelData', { count: header.frames, columns: header.columns, rows: header.rows }));
    }
  }
  if (VOLUME_MODALITIES.has(header.modality) && header.hasImagePosition && header.frames === 1 && header.seriesUid) return { kind: '3d-slice', problem: null };
  return { kind: '2d', problem: null };
}
