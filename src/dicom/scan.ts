/**
 * A folder of DICOM files (a PACS export, or one folder per class) walked and read: what is there,
 * what can become an AUCMEDI image and what cannot, and why. Reads only; follows no link and opens
 * no special file (a FIFO would block the read), so the source stays as it was.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DicomClasses, DicomScanReport } from '../api/dicom';
import { isMessage, msg, type Message } from '../i18n/message';
import { classAssigner, unusableReason, type UnusableReason } from './classes';
import { isHiddenOrSystem } from '../dataset/names';
import { classify, hasDicomPreamble, readDicomHeader, type DicomHeader } from './header';
import type { DicomKind } from '../api/dicom';
import { readRegularFile, reasonOf } from './read-file';
import { SeriesCollector } from './volume';


export interface DicomFileVisit {
  /** '/'-separated, relative to the scanned folder. */
  rel: string;
  /** The class folder it lies in ('' directly in the scanned folder). */
  classFolder: string;
  header: DicomHeader;
  /** The file's bytes as read (`header.bytes` is the inflated data set for deflate). */
  fileBytes: Uint8Array;
  kind: DicomKind;
  /** Why an unusable file is (classify in src/dicom/header.ts). */
  problem: Message | null;
}

export interface WalkCallbacks {
  dicom: (visit: DicomFileVisit) => Promise<void> | void;
  notDicom: (rel: string) => void;
  /**
   * A file that could not be read, or (`dicom`) one with the DICM preamble whose data set does not
   * parse; `i18n` where the reason is a sentence of the catalog (else it is a technical one, English).
   */
  unreadable: (rel: string, reason: string, dicom: boolean, i18n?: UnusableReason['i18n']) => void;
  skipped: (rel: string) => void;
  progress?: (filesSeen: number) => void;
  signal?: AbortSignal;
  /** Each regular file read, with its size and modification time (for the source's fingerprint). */
  read?: (rel: string, size: number, mtimeMs: number) => void;
  /** The attribute to keep in `header.classKey` (classes from an annotation CSV). */
  classKeyTag?: string | null;
}

/** Every regular file under `root` (hidden and system files left out), read and classified one at a time. */
export async function walkDicomFolder(root: string, callbacks: WalkCallbacks): Promise<number> {
  let seen = 0;
  const unreadable = (rel: string, error: unknown, dicom: boolean) => {
    const reason = reasonOf(error);
    if (!isMessage(reason)) return callbacks.unreadable(rel, reason, dicom);
    const why = unusableReason(reason);
    callbacks.unreadable(rel, why.reason, dicom, why.i18n);
  };
  const visitFolder = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(root, rel), { withFileTypes: true });
    } catch (error) {
      if (!rel) throw error;
      const why = unusableReason(msg('dicom:reason.folderUnreadable', { detail: (error as NodeJS.ErrnoException).code ?? (error as Error).message }));
      callbacks.unreadable(`${rel}/`, why.reason, false, why.i18n);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      callbacks.signal?.throwIfAborted();
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (isHiddenOrSystem(entry.name, entry.isDirectory())) continue;
      if (entry.isDirectory()) await visitFolder(child);
      else if (!entry.isFile()) callbacks.skipped(child);
      else {
        seen += 1;
        if (seen % 50 === 0) callbacks.progress?.(seen);
        await visitFile(child);
      }
    }
  };
  const visitFile = async (rel: string) => {
    const bytes = await readRegularFile(path.join(root, rel), (stat) => callbacks.read?.(rel, stat.size, stat.mtimeMs)).catch((error: Error) => {
      unreadable(rel, error, false);
      return null;
    });
    if (!bytes) return;
    if (!hasDicomPreamble(bytes)) {
      callbacks.notDicom(rel);
      return;
    }
    let header: DicomHeader;
    try {
      header = readDicomHeader(bytes, callbacks.classKeyTag ?? null);
    } catch (error) {
      unreadable(rel, error, true);
      return;
    }
    const slash = rel.indexOf('/');
    const { kind, problem } = classify(header);
    await callbacks.dicom({ rel, classFolder: slash < 0 ? '' : rel.slice(0, slash), header, fileBytes: bytes, kind, problem });
  };
  await visitFolder('');
  callbacks.progress?.(seen);
  return seen;
}

/** What `root` holds, with classes from its first-level folders or an annotation CSV. */
export async function scanDicomFolder(root: string, options: { progress?: (filesSeen: number) => void; signal?: AbortSignal; classes?: DicomClasses } = {}): Promise<DicomScanReport> {
  const assigner = await classAssigner(options.classes);
  const studies = new Set<string>();
  const series = new Set<string>();
  const volumes = new SeriesCollector();
  const report: DicomScanReport = {
    path: root,
    files: 0,
    dicomFiles: 0,
    notDicom: { count: 0, examples: [] },
    studies: 0,
    series: 0,
    modalities: {},
    images2d: 0,
    images2dByModality: {},
    multiFrameFiles: 0,
    series3d: { series: 0, slices: 0 },
    unusable: [],
    skipped: [],
    classes: {},
    annotationRowsUnused: null,
  };
  report.files = await walkDicomFolder(root, {
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    classKeyTag: assigner.keyTag,
    dicom: ({ rel, classFolder, header, kind, problem }) => {
      report.dicomFiles += 1;
      report.modalities[header.modality] = (report.modalities[header.modality] ?? 0) + 1;
      if (header.studyUid) studies.add(header.studyUid);
      if (header.seriesUid) series.add(header.seriesUid);
      if (kind === 'unusable') report.unusable.push({ file: rel, ...unusableReason(problem!) });
      else if (kind === '3d-slice') volumes.add(rel, assigner.classOf(classFolder, header.classKey), header);
      else {
        report.images2d += header.frames;
        report.images2dByModality[header.modality] = (report.images2dByModality[header.modality] ?? 0) + header.frames;
        if (header.frames > 1) report.multiFrameFiles += 1;
        const assigned = assigner.classOf(classFolder, header.classKey);
        if ('name' in assigned) report.classes[assigned.name] = (report.classes[assigned.name] ?? 0) + header.frames;
        else report.unusable.push({ file: rel, ...assigned });
      }
    },
    notDicom: (rel) => {
      report.notDicom.count += 1;
      if (report.notDicom.examples.length < 5) report.notDicom.examples.push(rel);
    },
    unreadable: (rel, reason, dicom, i18n) => {
      if (dicom) report.dicomFiles += 1;
      report.unusable.push({ file: rel, reason, ...(i18n ? { i18n } : {}) });
    },
    skipped: (rel) => report.skipped.push(rel),
  });
  report.studies = studies.size;
  report.series = series.size;
  report.series3d = { series: volumes.size, slices: volumes.slices };
  for (const outcome of volumes.outcomes()) {
    for (const rel of outcome.localizers) report.unusable.push({ file: rel, ...unusableReason(msg('dicom:reason.localizer')) });
    if (outcome.ok) report.classes[outcome.classFolder] = (report.classes[outcome.classFolder] ?? 0) + 1;
    else report.unusable.push({ file: outcome.file, reason: outcome.reason, i18n: outcome.i18n });
  }
  report.annotationRowsUnused = assigner.unusedRows();
  return report;
}
