/**
 * A folder of DICOM files (one folder per class) to a new AUCMEDI dataset: 2D images as 8-bit PNGs,
 * 3D series as NIfTI volumes (src/dicom/volume.ts). Written
 * into a folder of its own, never into the source, never over a file. Output names are pseudonyms
 * (no identifier in a name, and no DICOM attribute in a PNG: only pixels are written); the mapping
 * back to the sources holds identifiers and is written only when asked for, outside the dataset.
 * Files are read and written one at a time, so memory is bounded by the largest image.
 */
import { createHash } from 'node:crypto';
import { constants, existsSync, lstatSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { CONVERSION_SETTINGS_FILE, type DicomConvertOptions, type DicomConvertReport } from '../api/dicom';
import { localizedException } from '../api/errors';
import { msg, type Message } from '../i18n/message';
import { compareLines, fingerprintLine } from '../dataset/fingerprint';
import { makeFolders } from '../folders';
import { csvText } from '../runs/results';
import { APP_VERSION } from '../version';
import { classAssigner, unusableReason } from './classes';
import { UndecodableFrame } from './codecs';
import type { DicomTaskResult } from './tasks';
import { DicomThreads } from './threads';
import { SeriesCollector, writeVolume } from './volume';
import { walkDicomFolder } from './scan';

export { CONVERSION_SETTINGS_FILE };

/** A stable pseudonym: the same image (SOP Instance UID and frame) gets the same name in every conversion. */
export function pseudonym(sopInstanceUid: string, frame: number | null): string {
  const hash = createHash('sha256').update(`aucmedi-desk dicom pseudonym 1\0${sopInstanceUid}\0${frame ?? ''}`).digest('hex');
  return `img-${hash.slice(0, 20)}`;
}

const refuse = (message: Message, action: Message) => localizedException('OUTPUT_FOLDER_UNUSABLE', message, action);

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Converts `source` into the new or empty folder `out`; a cancel or failure removes what it wrote. */
export async function convertDicomFolder(
  source: string,
  out: string,
  options: DicomConvertOptions,
  hooks: { progress?: (filesSeen: number, written: number) => void; signal?: AbortSignal; threads?: DicomThreads } = {},
): Promise<DicomConvertReport> {
  source = path.resolve(source);
  out = path.resolve(out);
  if (inside(out, source)) throw refuse(msg('dicom:convert.outInsideSource', { out, source }), msg('dicom:convert.outInsideSourceAction'));
  if (inside(source, out)) throw refuse(msg('dicom:convert.sourceInsideOut', { out, source }), msg('dicom:convert.sourceInsideOutAction'));
  const mappingFile = options.mappingFile ? path.resolve(options.mappingFile) : null;
  if (mappingFile && (inside(mappingFile, out) || inside(mappingFile, source))) {
    throw refuse(msg('dicom:convert.mappingInside', { file: mappingFile }), msg('dicom:convert.mappingInsideAction'));
  }
  if (mappingFile && (existsSync(mappingFile) || lstatSync(mappingFile, { throwIfNoEntry: false }))) throw refuse(msg('dicom:convert.mappingExists', { file: mappingFile }), msg('dicom:convert.mappingExistsAction'));
  if (mappingFile && !statSync(path.dirname(mappingFile), { throwIfNoEntry: false })?.isDirectory()) {
    throw refuse(msg('dicom:convert.mappingFolderMissing', { file: mappingFile }), msg('dicom:convert.mappingFolderMissingAction'));
  }
  const assigner = await classAssigner(options.classes); // a bad annotation file is refused before anything is made
  let created: string[];
  try {
    created = makeFolders(out);
  } catch (error) {
    throw refuse(msg('dicom:convert.outNotCreated', { out }), msg('dicom:convert.outNotCreatedAction'));
  }
  if (readdirSync(out).length > 0) throw refuse(msg('dicom:convert.outNotEmpty', { out }), msg('dicom:convert.outNotEmptyAction'));

  const written: Record<string, number> = {};
  const skipped: DicomConvertReport['skipped'] = [];
  const mapping: string[][] = [];
  const windowsUsed = new Map<string, number>();
  let writtenCount = 0;
  const volumes = new SeriesCollector();
  let filesSeen = 0;
  const sourceLines: string[] = [];
  let sourceBytes = 0;
  const writeNew = async (file: string, bytes: Uint8Array) => {
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await handle.writeFile(bytes);
    } finally {
      await handle.close();
    }
  };
  const threads = hooks.threads ?? new DicomThreads();
  const ahead = Math.max(2, 2 * threads.threads);
  /** 2D files being converted, in the order met; their results are written in that order. */
  const imagesInFlight: Promise<void>[] = [];
  let lastWrite: Promise<void> = Promise.resolve();
  const writeImages = async (rel: string, className: string, ids: { sopInstanceUid: string; seriesUid: string; frames: number }, result: Extract<DicomTaskResult, { kind: 'images' }>) => {
    const classDir = path.join(out, className);
    if (!written[className]) makeFolders(classDir);
    for (const [frame, image] of result.images.entries()) {
      hooks.signal?.throwIfAborted();
      const name = `${pseudonym(ids.sopInstanceUid, ids.frames > 1 ? frame + 1 : null)}.png`;
      try {
        await writeNew(path.join(classDir, name), image.png);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          skipped.push({ file: rel, ...unusableReason(msg('dicom:reason.duplicateImage')) });
          continue;
        }
        throw error;
      }
      written[className] = (written[className] ?? 0) + 1;
      writtenCount += 1;
      windowsUsed.set(image.used, (windowsUsed.get(image.used) ?? 0) + 1);
      mapping.push([`${className}/${name}`, rel, ids.sopInstanceUid, ids.seriesUid, ids.frames > 1 ? String(frame + 1) : '']);
    }
    if (result.undecodable) skipped.push({ file: rel, ...unusableReason(result.undecodable) });
  };
  try {
    await walkDicomFolder(source, {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      classKeyTag: assigner.keyTag,
      read: (rel, size, mtimeMs) => {
        sourceLines.push(fingerprintLine(rel, size, mtimeMs));
        sourceBytes += size;
      },
      progress: (seen) => {
        filesSeen = seen;
        hooks.progress?.(seen, writtenCount);
      },
      dicom: async ({ rel, classFolder, header, fileBytes, kind, problem }) => {
        if (kind === 'unusable') return void skipped.push({ file: rel, ...unusableReason(problem!) });
        const assigned = assigner.classOf(classFolder, header.classKey);
        if (kind === '3d-slice') return void volumes.add(rel, assigned, header);
        if ('reason' in assigned) return void skipped.push({ file: rel, ...assigned });
        if (header.frames > 1 && options.frames === 'refuse') return void skipped.push({ file: rel, ...unusableReason(msg('dicom:reason.frames', { frames: header.frames })) });
        if (!header.sopInstanceUid) return void skipped.push({ file: rel, ...unusableReason(msg('dicom:reason.noSopInstanceUid')) });
        const { sopInstanceUid, seriesUid, frames } = header; // the file's bytes move to a worker thread: nothing else of the header is read after this
        const window = options.windowsByModality?.[header.modality] ?? options.window;
        const images = threads.run({ kind: 'images', bytes: fileBytes, window }) as Promise<Extract<DicomTaskResult, { kind: 'images' }>>;
        images.catch(() => undefined); // its failure is awaited through `done` below, after the writes before it
        // Written one after another in the order met, whatever order the threads finish in.
        const done = lastWrite.then(() => images).then((result) => writeImages(rel, assigned.name, { sopInstanceUid, seriesUid, frames }, result));
        lastWrite = done;
        done.catch(() => undefined); // awaited in order below; a rejection is not unhandled meanwhile
        imagesInFlight.push(done);
        while (imagesInFlight.length > ahead) await imagesInFlight.shift();
      },
      notDicom: (rel) => skipped.push({ file: rel, ...unusableReason(msg('dicom:reason.notDicom')) }),
      unreadable: (rel, reason, _dicom, i18n) => skipped.push({ file: rel, reason, ...(i18n ? { i18n } : {}) }),
      skipped: (rel) => skipped.push({ file: rel, ...unusableReason(msg('dicom:reason.special')) }),
    });
    while (imagesInFlight.length > 0) await imagesInFlight.shift();
    for (const outcome of volumes.outcomes()) {
      hooks.signal?.throwIfAborted();
      for (const rel of outcome.localizers) skipped.push({ file: rel, ...unusableReason(msg('dicom:reason.localizer')) });
      if (!outcome.ok) {
        skipped.push({ file: outcome.file, reason: outcome.reason, i18n: outcome.i18n });
        continue;
      }
      const { classFolder, plan } = outcome;
      const classDir = path.join(out, classFolder);
      if (!written[classFolder]) makeFolders(classDir);
      const name = `${pseudonym(`series:${outcome.seriesUid}`, null)}.nii.gz`;
      try {
        await writeVolume(source, plan, path.join(classDir, name), threads, hooks.signal);
      } catch (error) {
        if (!(error instanceof UndecodableFrame)) throw error;
        rmSync(path.join(classDir, name), { force: true });
        skipped.push({ file: `${outcome.folder}/`, ...unusableReason(msg('dicom:reason.sliceUndecodable', { detail: error.i18n })) });
        continue;
      }
      written[classFolder] = (written[classFolder] ?? 0) + 1;
      writtenCount += 1;
      hooks.progress?.(filesSeen, writtenCount);
      const used = `volume in modality units (${plan.datatype})`;
      windowsUsed.set(used, (windowsUsed.get(used) ?? 0) + 1);
      mapping.push([`${classFolder}/${name}`, `${outcome.folder}/`, '', outcome.seriesUid, '']);
    }
    hooks.progress?.(filesSeen, writtenCount);
    skipped.sort((a, b) => compareLines(a.file, b.file));
    mapping.sort((a, b) => compareLines(a[0]!, b[0]!));
    const sourceFingerprint = { fileCount: sourceLines.length, totalBytes: sourceBytes, sha256: createHash('sha256').update(sourceLines.sort(compareLines).map((line) => `${line}\n`).join('')).digest('hex') };
    const settingsFile = path.join(out, CONVERSION_SETTINGS_FILE);
    writeFileSync(
      settingsFile,
      `${JSON.stringify({ convertedBy: `aucmedi-desk ${APP_VERSION}`, source, sourceFingerprint, options: { window: options.window, ...(options.windowsByModality && Object.keys(options.windowsByModality).length ? { windowsByModality: options.windowsByModality } : {}), frames: options.frames, classes: assigner.describe() }, windowsUsed: Object.fromEntries(windowsUsed), written, skipped: skipped.length }, null, 2)}\n`,
      { flag: 'wx' },
    );
    if (mappingFile) {
      const csv = [['image', 'source_file', 'sop_instance_uid', 'series_instance_uid', 'frame'], ...mapping].map((row) => row.map(csvText).join(',')).join('\n');
      writeFileSync(mappingFile, `${csv}\n`, { flag: 'wx', mode: 0o600 });
    }
    return { source, out, written, skipped, mappingFile, settingsFile, annotationRowsUnused: assigner.unusedRows(), sourceFingerprint, threads: threads.threads };
  } catch (error) {
    await Promise.allSettled(imagesInFlight.splice(0));
    // Nothing half-made is left: the folder was empty (or new) when the conversion began.
    for (const name of readdirSync(out)) rmSync(path.join(out, name), { recursive: true, force: true });
    for (const folder of [...created].reverse()) rmSync(folder, { recursive: true, force: true });
    if (hooks.signal?.aborted) throw localizedException('OPERATION_CANCELLED', msg('dicom:cancelled.convert'), msg('dicom:cancelled.action'));
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw localizedException('DISK_FULL', msg('dicom:convert.diskFull', { out }), msg('dicom:convert.diskFullAction'));
    throw error;
  } finally {
    if (!hooks.threads) await threads.close();
  }
}
