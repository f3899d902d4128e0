/**
 * `scanDataset`: checks the request, reads the annotation CSV, walks the dataset once (probing
 * every file's first bytes in worker threads, fingerprinting on the way), and returns the report.
 * Reads only: nothing is ever written into the dataset folder.
 */
import { promises as fsp, type Stats } from 'node:fs';
import path from 'node:path';
import type { DatasetReport, DatasetScanProgress, DatasetScanRequest } from '../api/dataset';
import { errorDetail, localizedException, type ErrorCode, type UserErrorException } from '../api/errors';
import { msg, type Message } from '../i18n/message';
import { readAnnotationFile } from './annotation-file';
import { readAnnotationsAsync, type Annotations } from './csv';
import { FingerprintBuilder } from './fingerprint';
import { splitName } from './names';
import { ProbePool } from './probe';
import { HEAD_BYTES } from './signatures';
import { DatasetValidator, type UsedImage } from './validate';
import { walkDataset, type WalkProgress } from './walk';

export interface ScanOptions {
  signal?: AbortSignal;
  /** Called about every 100 ms while the scan runs, and once at the end. */
  onProgress?: (progress: Omit<DatasetScanProgress, 'scanId'>) => void;
  /** Probe worker threads (default: the machine's cores, 2 to 4). */
  workers?: number;
  /** How often `onProgress` is called (default 100 ms). */
  progressIntervalMs?: number;
}

export const PROGRESS_INTERVAL_MS = 100;

export async function scanDataset(request: DatasetScanRequest, options: ScanOptions = {}): Promise<DatasetReport> {
  return (await scanDatasetForRun(request, options)).report;
}

/** What a run needs beyond the report: the images AUCMEDI gets, and the annotations as read. */
export interface ScannedDataset {
  report: DatasetReport;
  /** Call only when the report has no errors; computed on demand (100 000 paths are not free). */
  images: () => UsedImage[];
  annotations: Annotations | null;
}

export async function scanDatasetForRun(request: DatasetScanRequest, options: ScanOptions = {}): Promise<ScannedDataset> {
  throwIfCancelled(options.signal);
  // the first probe worker starts at once (for the listing of the dataset folder): its start overlaps the checks
  const pool = new ProbePool(HEAD_BYTES, undefined, options.workers);
  pool.expect(1);
  try {
    return await scanWith(pool, request, options);
  } finally {
    // Stopping the workers takes tens of milliseconds and decides nothing: the report does not wait for it.
    pool.close().catch(() => undefined);
  }
}

async function scanWith(pool: ProbePool, request: DatasetScanRequest, options: ScanOptions): Promise<ScannedDataset> {
  const started = performance.now();
  const scannedAt = new Date().toISOString();
  const { signal, onProgress } = options;

  const root = path.resolve(request.path);
  const rootStat = await checkDatasetFolder(root);
  // On Linux and macOS a folder's link count is 2 plus its sub-folders (elsewhere 1), and the walk lists
  // them side by side: with many class folders that is enough work to start the other workers now.
  pool.expect(rootStat.nlink - 2);
  const toClassify = request.purpose === 'prediction';
  if (toClassify && request.gtFile) {
    throw userError('DATASET_INVALID', msg('dataset:scan.predictionWithAnnotations.message'), msg('dataset:scan.predictionWithAnnotations.action'));
  }
  const gtFile = request.gtFile ? path.resolve(request.gtFile) : null;
  const datasetInterface = toClassify ? 'images' : gtFile ? 'csv' : 'directory';
  const fingerprint = new FingerprintBuilder();
  let annotations: Annotations | null = null;
  let annotationRel: string | null = null;
  if (gtFile) {
    const { text, stat } = await readAnnotationFile(gtFile, path.basename(gtFile));
    const relative = path.relative(root, gtFile).split(path.sep).join('/');
    const inside = relative !== '' && !relative.startsWith('../') && relative !== '..' && !path.isAbsolute(relative);
    annotationRel = inside ? relative : null;
    annotations = await readAnnotationsAsync(text, { ohe: Boolean(request.ohe), fileName: path.basename(gtFile) }, signal).catch((error: unknown) => {
      throwIfCancelled(signal);
      throw error;
    });
    // an annotation file outside the dataset is part of what a run learns from: fingerprint it too
    if (!inside) fingerprint.add(relative === '' ? path.basename(gtFile) : relative, stat.size, stat.mtimeMs);
  }
  throwIfCancelled(signal);

  const validator = new DatasetValidator({
    interface: datasetInterface,
    annotations,
    annotationRel,
    ...(gtFile ? { annotationName: path.basename(gtFile) } : {}),
    evaluation: request.purpose === 'evaluation',
  });
  const progress: WalkProgress = { filesSeen: 0, bytesSeen: 0, currentFolder: '' };
  const reportProgress = () => {
    try {
      onProgress?.({ filesSeen: progress.filesSeen, bytesSeen: progress.bytesSeen, currentFolder: progress.currentFolder });
    } catch {
      // a listener's failure must not take the scan (or, from a timer, the process) down
    }
  };
  const timer = onProgress ? setInterval(reportProgress, options.progressIntervalMs ?? PROGRESS_INTERVAL_MS) : null;
  timer?.unref();
  try {
    await walkDataset({ root, imageDepth: datasetInterface === 'directory' ? 1 : 0, pool, headBytes: HEAD_BYTES, fingerprint, visitor: validator, progress, ...(signal ? { signal } : {}) });
  } catch (error) {
    throwIfCancelled(signal);
    throw error;
  } finally {
    if (timer) clearInterval(timer);
  }
  reportProgress();

  const result = validator.finish();
  const print = await fingerprint.finish();
  throwIfCancelled(signal);
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const report: DatasetReport = {
    path: root,
    interface: datasetInterface,
    dimensionality: result.dimensionality,
    multiLabel: result.multiLabel,
    classes: result.classes,
    totalImages: result.totalImages,
    totalBytes: result.totalBytes,
    leftOut: result.leftOut,
    formats: result.formats,
    dicomFiles: result.dicomFiles,
    problems: result.problems,
    errors,
    warnings: result.problems.length - errors,
    fingerprint: print,
    scannedAt,
    durationMs: Math.round(performance.now() - started),
    samples: result.samples,
  };
  return { report, images: () => validator.usedImages(), annotations };
}

export function cancelledError(): UserErrorException {
  return localizedException('OPERATION_CANCELLED', msg('dataset:scan.cancelled.message'), msg('dataset:scan.cancelled.action'));
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

function userError(code: ErrorCode, message: Message, action: Message, error?: unknown): UserErrorException {
  return localizedException(code, message, action, error === undefined ? undefined : errorDetail(error));
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code ?? '';
const DENIED = new Set(['EACCES', 'EPERM']);
const MISSING = new Set(['ENOENT', 'ENOTDIR']);

/** Checks that `root` is a folder the scan can read, and returns its stat. */
async function checkDatasetFolder(root: string): Promise<Stats> {
  let stat: Stats;
  try {
    stat = await fsp.stat(root);
  } catch (error) {
    if (MISSING.has(errnoOf(error))) {
      throw userError('DATASET_NOT_FOUND', msg('dataset:scan.notFound.message', { path: root }), msg('dataset:scan.notFound.action'), error);
    }
    if (DENIED.has(errnoOf(error))) {
      throw userError('DATASET_UNREADABLE', msg('dataset:scan.openDenied', { path: root }), msg('dataset:scan.readAccessAction'), error);
    }
    throw userError('DATASET_UNREADABLE', msg('dataset:scan.cannotOpen.message', { path: root }), msg('dataset:scan.cannotOpen.action'), error);
  }
  if (!stat.isDirectory()) {
    const { format, ext } = splitName(path.basename(root));
    throw userError(
      'DATASET_NOT_A_FOLDER',
      ext === 'csv' ? msg('dataset:scan.notAFolder.csv', { path: root }) : format ? msg('dataset:scan.notAFolder.image', { path: root }) : msg('dataset:scan.notAFolder.file', { path: root }),
      ext === 'csv' ? msg('dataset:scan.notAFolder.actionCsv') : msg('dataset:scan.notAFolder.action'),
    );
  }
  try {
    const dir = await fsp.opendir(root);
    await dir.close();
  } catch (error) {
    throw userError(
      'DATASET_UNREADABLE',
      DENIED.has(errnoOf(error)) ? msg('dataset:scan.readDenied', { path: root }) : msg('dataset:scan.cannotRead', { path: root }),
      msg('dataset:scan.readAccessAction'),
      error,
    );
  }
  return stat;
}
