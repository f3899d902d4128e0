/**
 * The slices of one 3D series (CT, MR, PT, NM) to a NIfTI-1 volume AUCMEDI reads with SimpleITK
 * (aucmedi/data_processing/io_loader/sitk_loader.py): slices sorted by their position along the
 * slice normal (not by file name or Instance Number), spacing from Pixel Spacing and the positions,
 * orientation from Image Orientation (Patient), values in modality units (Hounsfield for CT).
 * A series with gaps, uneven spacing, mixed orientations or sizes is refused with the reason;
 * localizers (scout views) are left out of it. Written slice by slice through gzip: memory is a few slices.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { msg, type Message } from '../i18n/message';
import { text as coreText } from '../i18n/translate';
import { unusableReason, type UnusableReason } from './classes';
import { UndecodableFrame } from './codecs';
import { gzipMembers } from './gzip-members';
import type { DicomHeader } from './header';
import { DicomReason, readRegularFile } from './read-file';
import type { DicomTaskResult } from './tasks';
import type { DicomThreads } from './threads';

export interface SliceInfo {
  rel: string;
  position: [number, number, number];
  orientation: [number, number, number, number, number, number];
  pixelSpacing: [number, number];
  rows: number;
  columns: number;
  /** Modality values fit int16 (integral slope and intercept, at most 16 stored bits in range). */
  fitsInt16: boolean;
}

export interface VolumePlan {
  /** Slice files in volume order. */
  files: string[];
  rows: number;
  columns: number;
  /** mm between columns, between rows, between slices. */
  spacing: [number, number, number];
  /** NIfTI sform rows (RAS, mm): x, y, z. */
  affine: [number[], number[], number[]];
  datatype: 'int16' | 'float32';
}

/** What a slice contributes to its volume's plan, or why it cannot be one (null: no geometry). */
export function sliceInfo(rel: string, header: DicomHeader): SliceInfo | null {
  if (!header.position || !header.orientation || !header.pixelSpacing) return null;
  const { rescaleSlope: slope, rescaleIntercept: intercept } = header;
  const low = header.pixelRepresentation === 1 ? -(2 ** (header.bitsStored - 1)) : 0;
  const high = header.pixelRepresentation === 1 ? 2 ** (header.bitsStored - 1) - 1 : 2 ** header.bitsStored - 1;
  const ends = [low * slope + intercept, high * slope + intercept];
  const fitsInt16 = !header.modalityLut && Number.isInteger(slope) && Number.isInteger(intercept) && ends.every((v) => v >= -32768 && v <= 32767);
  return { rel, position: header.position, orientation: header.orientation, pixelSpacing: header.pixelSpacing, rows: header.rows, columns: header.columns, fitsInt16 };
}

const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const cross = (a: number[], b: number[]) => [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];

/** Why a series makes no volume: the sentence in the core's language (English for the app), and as a message. */
export type VolumeProblem = { problem: string; i18n: { problem: Message } };

function volumeProblem(message: Message): VolumeProblem {
  return { problem: coreText(message), i18n: { problem: message } };
}

/** Sorts and checks a series' slices; a sentence when they do not make one evenly spaced volume. */
export function planVolume(slices: SliceInfo[]): VolumePlan | VolumeProblem {
  if (slices.length < 2) return volumeProblem(msg('dicom:volume.singleSlice'));
  const first = slices[0]!;
  if (slices.some((s) => s.rows !== first.rows || s.columns !== first.columns)) return volumeProblem(msg('dicom:volume.differentSizes'));
  if (slices.some((s) => s.orientation.some((v, i) => Math.abs(v - first.orientation[i]!) > 1e-4))) return volumeProblem(msg('dicom:volume.differentOrientations'));
  if (slices.some((s) => s.pixelSpacing.some((v, i) => Math.abs(v - first.pixelSpacing[i]!) > 1e-4))) return volumeProblem(msg('dicom:volume.differentSpacings'));
  // AUCMEDI resamples each volume to 1 mm by its spacing (io_loader/sitk_loader.py: size x spacing / 1.0): a spacing of 0 would make it empty.
  if (first.pixelSpacing.some((v) => !(v > 0))) return volumeProblem(msg('dicom:volume.spacingNotPositive', { value: first.pixelSpacing.join('\\') }));
  const rowDir = first.orientation.slice(0, 3);
  const colDir = first.orientation.slice(3, 6);
  const normal = cross(rowDir, colDir);
  const sorted = slices.map((s) => ({ s, at: dot(s.position, normal) })).sort((a, b) => a.at - b.at);
  const steps = sorted.slice(1).map((entry, i) => entry.at - sorted[i]!.at);
  const median = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)]!;
  if (steps.some((step) => step < 1e-3)) return volumeProblem(msg('dicom:volume.samePosition'));
  const tolerance = Math.max(0.01, median * 0.01);
  const gap = steps.findIndex((step) => Math.abs(step - median) > tolerance);
  if (gap >= 0) {
    const step = steps[gap]!;
    const missing = Math.round(step / median) - 1;
    return volumeProblem(
      missing >= 1 && Math.abs(step - (missing + 1) * median) <= tolerance
        ? msg('dicom:volume.slicesMissing', { count: missing, position: sorted[gap]!.at.toFixed(2) })
        : msg('dicom:volume.unevenlySpaced', { step: step.toFixed(2), median: median.toFixed(2) }),
    );
  }
  // Positions along the normal may be evenly spaced while the slices drift sideways (a tilted gantry): refused, as one affine cannot hold it.
  const p0 = sorted[0]!.s.position;
  const pn = sorted.at(-1)!.s.position;
  const k = (pn.map((v, i) => (v - p0[i]!) / (sorted.length - 1)));
  if (sorted.some(({ s }, index) => s.position.some((v, i) => Math.abs(v - (p0[i]! + index * k[i]!)) > tolerance))) return volumeProblem(msg('dicom:volume.tilted'));
  const [rowSpacing, colSpacing] = first.pixelSpacing;
  // DICOM is LPS, NIfTI RAS: x and y change sign.
  const lps = [0, 1, 2].map((axis) => [rowDir[axis]! * colSpacing, colDir[axis]! * rowSpacing, k[axis]!, p0[axis]!]);
  const affine = [lps[0]!.map((v) => -v), lps[1]!.map((v) => -v), lps[2]!] as VolumePlan['affine'];
  return {
    files: sorted.map(({ s }) => s.rel),
    rows: first.rows,
    columns: first.columns,
    spacing: [colSpacing, rowSpacing, Math.hypot(...k)],
    affine,
    datatype: slices.every((s) => s.fitsInt16) ? 'int16' : 'float32',
  };
}

/** The 348-byte NIfTI-1 header and the 4-byte extension flag (no extension): the data starts at 352. */
export function niftiHeader(plan: VolumePlan, slices: number): Buffer {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  const dims = [3, plan.columns, plan.rows, slices, 1, 1, 1, 1];
  dims.forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(plan.datatype === 'int16' ? 4 : 16, 70); // DT_INT16, DT_FLOAT32
  header.writeInt16LE(plan.datatype === 'int16' ? 16 : 32, 72);
  [1, ...plan.spacing, 1, 1, 1, 1].forEach((v, i) => header.writeFloatLE(v, 76 + 4 * i)); // pixdim[0] = qfac
  header.writeFloatLE(352, 108); // vox_offset
  header.writeFloatLE(1, 112); // scl_slope: the values are stored as they are
  header.writeFloatLE(0, 116);
  header.writeUInt8(2, 123); // xyzt_units: mm
  header.writeInt16LE(0, 252); // qform_code: none
  header.writeInt16LE(1, 254); // sform_code: scanner anatomical
  plan.affine.forEach((row, r) => row.forEach((v, c) => header.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  header.write('n+1\0', 344, 'latin1');
  return header;
}

/**
 * Writes the volume into `file` (created new): each slice read again, in order, turned into modality
 * values on `threads` (several slices ahead, so every core works), gzipped in members on the thread
 * pool. Memory is a few slices and gzip members, never the volume.
 */
export async function writeVolume(root: string, plan: VolumePlan, file: string, threads: DicomThreads, signal?: AbortSignal): Promise<void> {
  const ahead = Math.max(2, 2 * threads.threads);
  const { rows, columns, datatype } = plan;
  const slice = (rel: string) => {
    const data = readRegularFile(path.join(root, rel))
      .then((bytes) => threads.run({ kind: 'slice', bytes, rows, columns, datatype }))
      .then((result) => (result as Extract<DicomTaskResult, { kind: 'slice' }>).data)
      .catch((error: Error) => {
        if (!(error instanceof DicomReason)) throw new Error(`${rel}: ${error.message}`);
        const reason = msg('dicom:volume.slice', { file: rel, reason: error.i18n });
        throw error instanceof UndecodableFrame ? new UndecodableFrame(reason) : new DicomReason(reason);
      });
    data.catch(() => undefined); // awaited in order below; a rejection is not unhandled meanwhile
    return data;
  };
  async function* voxels() {
    yield niftiHeader(plan, plan.files.length);
    const pending: Promise<Uint8Array>[] = [];
    for (let next = 0; next < plan.files.length || pending.length > 0; ) {
      signal?.throwIfAborted();
      while (next < plan.files.length && pending.length < ahead) pending.push(slice(plan.files[next++]!));
      yield await pending.shift()!;
    }
  }
  await pipeline(Readable.from(gzipMembers(voxels(), { parallel: Math.max(2, threads.threads) })), createWriteStream(file, { flags: 'wx', mode: 0o644 }));
}

interface Series {
  modality: string;
  folder: string;
  classFolders: Set<string>;
  /** Why some slice has no class (not in a class folder, or not in the annotation CSV). */
  unassigned: Message | null;
  slices: SliceInfo[];
  unplaced: string[];
  localizers: string[];
}

export type SeriesOutcome =
  | { seriesUid: string; ok: true; classFolder: string; plan: VolumePlan; folder: string; localizers: string[] }
  | ({ seriesUid: string; ok: false; file: string; localizers: string[] } & UnusableReason);

/** The slices of 3D series as the walk meets them, grouped by Series Instance UID, then planned (or refused with why). */
export class SeriesCollector {
  private readonly series = new Map<string, Series>();

  add(rel: string, assigned: { name: string } | UnusableReason, header: DicomHeader): void {
    let series = this.series.get(header.seriesUid);
    const folder = path.posix.dirname(rel);
    if (!series) this.series.set(header.seriesUid, (series = { modality: header.modality, folder: folder === '.' ? '' : folder, classFolders: new Set(), unassigned: null, slices: [], unplaced: [], localizers: [] }));
    if (header.localizer) return void series.localizers.push(rel);
    if ('name' in assigned) series.classFolders.add(assigned.name);
    else series.unassigned ??= assigned.i18n.reason;
    const info = sliceInfo(rel, header);
    if (info) series.slices.push(info);
    else series.unplaced.push(rel);
  }

  get size(): number {
    return this.series.size;
  }

  get slices(): number {
    return [...this.series.values()].reduce((sum, s) => sum + s.slices.length + s.unplaced.length, 0);
  }

  *outcomes(): Generator<SeriesOutcome> {
    for (const [seriesUid, series] of this.series) {
      const where = { modality: series.modality, count: series.slices.length + series.unplaced.length, folder: series.folder || msg('dicom:volume.topFolder') };
      const refuse = (reason: Message): SeriesOutcome => ({ seriesUid, ok: false, file: `${series.folder}/`, ...unusableReason(msg('dicom:volume.seriesRefused', { ...where, reason })), localizers: series.localizers });
      if (series.classFolders.size === 0) {
        yield refuse(series.unassigned ?? msg('dicom:volume.onlyLocalizers'));
        continue;
      }
      if (series.classFolders.size !== 1 || series.unassigned) {
        yield refuse(series.unassigned ? msg('dicom:volume.someUnassigned', { reason: series.unassigned }) : msg('dicom:volume.severalClasses'));
        continue;
      }
      const [classFolder] = series.classFolders as unknown as [string];
      if (series.unplaced.length) {
        yield refuse(msg('dicom:volume.unplaced', { count: series.unplaced.length }));
        continue;
      }
      const plan = planVolume(series.slices);
      yield 'problem' in plan ? refuse(plan.i18n.problem) : { seriesUid, ok: true, classFolder, plan, folder: series.folder, localizers: series.localizers };
    }
  }
}
