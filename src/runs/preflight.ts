import { existsSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { localizedException, type UserErrorException } from '../api/errors';
import type { DatasetReport } from '../api/dataset';
import type { GpuReport } from '../api/gpu';
import type { GpuChoice } from '../api/runs';
import { msg, type Localized, type Message } from '../i18n/message';
import type { WeightsHashTable } from '../api/aucmedi';
import { checkWeightsCache, weightsHashTable } from '../aucmedi/weights';
import { listWeights } from '../weights/import';
import { bind, CONTAINER_MODEL_DIR } from '../aucmedi/arguments';
import { makeFolders } from '../folders';
import { releaseLock, takeLock } from './follower-lock';

/** Below this much free space the output folder is refused (models and logs of one run). */
export const MIN_FREE_BYTES = 1024 ** 3;

export function requireValidDataset(report: DatasetReport): void {
  if (report.errors === 0) return;
  const first = report.problems.find((problem) => problem.severity === 'error')!;
  throw localizedException(
    'DATASET_INVALID',
    msg('runs:preflight.datasetInvalid', { count: report.errors, problem: first.i18n?.message ?? first.message }),
    msg('runs:preflight.datasetInvalidAction', { action: first.i18n?.action ?? first.action }),
  );
}

/** Made in a run's output folder while the run is being started (src/runs/follower-lock.ts). */
export const OUTPUT_CLAIM_FILE = '.aucmedi-desk-claim';

/** Folders this process is starting a run into (a lock file already held by this process does not stop a second start from it). */
const claimedHere = new Set<string>();

export interface OutputClaim {
  /** The run has written into the folder (its inputs), so no other run can take it: the claim goes. */
  release(): void;
  /** The run was refused before it was recorded: the folder is left as it was found (created folders removed). */
  abandon(): void;
}

/**
 * Claims the output folder of a run about to start: a folder Docker can mount, new or empty,
 * writable, on a disk with room. The claim is a lock file made with O_EXCL before the folder is
 * checked for emptiness, so two runs started at the same moment (two CLI commands, the queue and a
 * Start button) can never both take one folder: the second is refused with a sentence. Nothing but
 * the lock is written, and a refusal leaves no folder behind.
 */
function diskFull(dir: string, minFreeBytes: number): UserErrorException {
  let free = 0;
  try {
    const stats = statfsSync(existingParent(dir));
    free = stats.bavail * stats.bsize;
  } catch {
    // the sentence stands without the figure
  }
  return localizedException(
    'DISK_FULL',
    msg('runs:preflight.diskFull', { dir, freeMb: (free / 1024 ** 2).toFixed(0), needGb: (minFreeBytes / 1024 ** 3).toFixed(0) }),
    msg('runs:preflight.diskFullAction'),
  );
}

/** The nearest folder of `dir` that exists (the disk a folder not yet made will be on). */
function existingParent(dir: string): string {
  let current = path.resolve(dir);
  while (!existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

export function claimOutputFolder(dir: string, minFreeBytes = MIN_FREE_BYTES): OutputClaim {
  const fail = (message: Message, action: Message, detail?: string) => localizedException('OUTPUT_FOLDER_UNUSABLE', message, action, detail || undefined);
  bind(dir, CONTAINER_MODEL_DIR, false, 'output folder'); // refused before anything is made (a colon, say)
  let created: string[];
  try {
    created = makeFolders(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw diskFull(dir, minFreeBytes);
    if (code === 'ENOTDIR') throw fail(msg('runs:preflight.output.isFile', { dir }), msg('runs:preflight.output.isFileAction'), (error as Error).message);
    throw fail(msg('runs:preflight.output.cannotCreate', { dir }), msg('runs:preflight.output.cannotCreateAction'), (error as Error).message);
  }
  const lock = path.join(dir, OUTPUT_CLAIM_FILE);
  const removeCreated = () => {
    for (const folder of [...created].reverse()) rmSync(folder, { recursive: true, force: true });
  };
  const taken = () => fail(msg('runs:preflight.output.taken', { dir }), msg('runs:preflight.output.takenAction'));
  if (claimedHere.has(dir)) throw taken();
  try {
    let holder;
    try {
      holder = takeLock(lock);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw diskFull(dir, minFreeBytes);
      throw fail(msg('runs:preflight.output.notWritable', { dir }), msg('runs:preflight.output.notWritableAction'), (error as Error).message);
    }
    if (holder) throw taken();
    claimedHere.add(dir);
    try {
      if (readdirSync(dir).some((name) => name !== OUTPUT_CLAIM_FILE)) throw fail(msg('runs:preflight.output.notEmpty', { dir }), msg('runs:preflight.output.notEmptyAction'));
      const stats = statfsSync(dir);
      if (stats.bavail * stats.bsize < minFreeBytes) throw diskFull(dir, minFreeBytes);
    } catch (error) {
      releaseLock(lock);
      claimedHere.delete(dir);
      throw error;
    }
  } catch (error) {
    removeCreated();
    throw error;
  }
  const release = () => {
    releaseLock(lock);
    claimedHere.delete(dir);
  };
  return {
    release,
    abandon() {
      // The folder held nothing when it was claimed: what is in it now is this start's.
      for (const name of readdirSync(dir)) if (name !== OUTPUT_CLAIM_FILE) rmSync(path.join(dir, name), { recursive: true, force: true });
      release();
      removeCreated();
    },
  };
}

/**
 * The architectures' pretrained weights must be in the weights folder, each the very file Keras
 * accepts (the hash its `get_file` checks): Keras cannot fetch them offline, and it treats a file
 * with another hash as missing. The hashes come from SHA256SUMS (see `src/weights/import.ts`);
 * only a file added or changed since is read.
 */
export async function requireWeights(weightsDir: string | null, architectures: string[], threeDim: boolean, hashes?: WeightsHashTable): Promise<void> {
  const files = weightsDir ? await listWeights(weightsDir) : [];
  const check = checkWeightsCache(files, architectures, threeDim ? '3D' : '2D', weightsHashTable(hashes));
  if (check.allReady) return;
  const wrong = check.missing.filter((m) => m.state === 'wrong-file');
  const absent = check.missing.filter((m) => m.state !== 'wrong-file');
  if (wrong.length > 0) {
    const files = wrong.map((m) => `${m.architecture} (${m.file})`).join(', ');
    throw localizedException(
      'WEIGHTS_WRONG_FILE',
      absent.length
        ? msg('runs:preflight.weights.wrongAndMissing', { files, missing: absent.map((m) => m.architecture).join(', ') })
        : msg('runs:preflight.weights.wrong', { files }),
      weightsDir
        ? msg('runs:preflight.weights.wrongActionIn', { files: wrong.map((m) => m.file).join(', '), folder: weightsDir })
        : msg('runs:preflight.weights.wrongAction', { files: wrong.map((m) => m.file).join(', ') }),
      wrong.map((m) => m.message).join(' ').slice(0, 1000),
    );
  }
  const names = absent.map((m) => `${m.architecture}: ${m.file}`).join('; ');
  throw localizedException(
    'WEIGHTS_MISSING',
    msg('runs:preflight.weights.missing', { architectures: absent.map((m) => m.architecture).join(', ') }),
    weightsDir ? msg('runs:preflight.weights.missingActionIn', { names, folder: weightsDir }) : msg('runs:preflight.weights.missingAction', { names }),
  );
}

export function requireGpus(choice: GpuChoice, report: GpuReport): void {
  if (choice.kind === 'none') return;
  if (!report.ok) {
    const { i18n } = report as GpuReport & Localized<'message' | 'action'>;
    throw localizedException(
      'GPU_UNAVAILABLE',
      msg('runs:preflight.gpu.notReady', { reason: i18n?.message ?? report.message }),
      report.action.trim() ? msg('runs:preflight.gpu.notReadyAction', { action: i18n?.action ?? report.action.trimStart() }) : msg('runs:preflight.gpu.chooseCpu'),
    );
  }
  if (choice.kind === 'ids') {
    const known = new Set(report.gpus.flatMap((gpu) => [String(gpu.index), gpu.uuid ?? '']));
    const unknown = choice.ids.filter((id) => !known.has(id));
    if (unknown.length) {
      throw localizedException(
        'GPU_UNAVAILABLE',
        msg('runs:preflight.gpu.unknown', { ids: unknown.join(', ') }),
        msg('runs:preflight.gpu.unknownAction', { indices: report.gpus.map((gpu) => gpu.index).join(', ') }),
      );
    }
  }
}
