import { existsSync, readdirSync, rmSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { UserErrorException } from '../api/errors';
import type { DatasetReport } from '../api/dataset';
import type { GpuReport } from '../api/gpu';
import type { GpuChoice } from '../api/runs';
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
  throw new UserErrorException({
    code: 'DATASET_INVALID',
    message: `The dataset has ${report.errors} ${report.errors === 1 ? 'problem' : 'problems'} that would make AUCMEDI fail: ${first.message}`,
    action: `${first.action} The Dataset page lists every problem.`,
  });
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
  return new UserErrorException({
    code: 'DISK_FULL',
    message: `The disk of ${dir} has only ${(free / 1024 ** 2).toFixed(0)} MB free; a run needs at least ${(minFreeBytes / 1024 ** 3).toFixed(0)} GB.`,
    action: 'Free disk space or choose an output folder on another disk.',
  });
}

/** The nearest folder of `dir` that exists (the disk a folder not yet made will be on). */
function existingParent(dir: string): string {
  let current = path.resolve(dir);
  while (!existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

export function claimOutputFolder(dir: string, minFreeBytes = MIN_FREE_BYTES): OutputClaim {
  const fail = (message: string, action: string, detail?: string) =>
    new UserErrorException({ code: 'OUTPUT_FOLDER_UNUSABLE', message, action, ...(detail ? { detail } : {}) });
  bind(dir, CONTAINER_MODEL_DIR, false, 'output folder'); // refused before anything is made (a colon, say)
  let created: string[];
  try {
    created = makeFolders(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw diskFull(dir, minFreeBytes);
    if (code === 'ENOTDIR') throw fail(`${dir} is a file, or lies under one, not a folder.`, 'Choose a folder for the outputs.', (error as Error).message);
    throw fail(`The output folder ${dir} cannot be created.`, 'Choose another output folder, one you may write to (a folder in your home folder or on a data disk).', (error as Error).message);
  }
  const lock = path.join(dir, OUTPUT_CLAIM_FILE);
  const removeCreated = () => {
    for (const folder of [...created].reverse()) rmSync(folder, { recursive: true, force: true });
  };
  const taken = () => fail(`Another run is being started into the output folder ${dir}.`, 'Choose another output folder: two runs in one folder would mix their files.');
  if (claimedHere.has(dir)) throw taken();
  try {
    let holder;
    try {
      holder = takeLock(lock);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw diskFull(dir, minFreeBytes);
      throw fail(`The output folder ${dir} is not writable.`, 'Choose a folder you may write to.', (error as Error).message);
    }
    if (holder) throw taken();
    claimedHere.add(dir);
    try {
      if (readdirSync(dir).some((name) => name !== OUTPUT_CLAIM_FILE)) throw fail(`The output folder ${dir} is not empty: the run would mix its files with others.`, 'Choose an empty or new folder.');
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
  const folder = weightsDir ? ` (${weightsDir})` : '';
  if (wrong.length > 0) {
    throw new UserErrorException({
      code: 'WEIGHTS_WRONG_FILE',
      message: `The weights folder holds the wrong file for ${wrong.map((m) => `${m.architecture} (${m.file})`).join(', ')}: it is not the file Keras checks for, so AUCMEDI would try to download it again, which fails offline.${absent.length ? ` The weights for ${absent.map((m) => m.architecture).join(', ')} are missing.` : ''}`,
      action: `Remove ${wrong.map((m) => m.file).join(', ')} from the weights folder${folder} and import the original Keras file (from ~/.keras/models of a connected computer, or the offline bundle), or choose Vanilla, which needs none.`,
      detail: wrong.map((m) => m.message).join(' ').slice(0, 1000),
    });
  }
  const names = absent.map((m) => `${m.architecture}: ${m.file}`).join('; ');
  throw new UserErrorException({
    code: 'WEIGHTS_MISSING',
    message: `The pretrained weights for ${absent.map((m) => m.architecture).join(', ')} are not on this computer, and AUCMEDI cannot download them offline.`,
    action: `Import the weights file (${names}) into the weights folder${folder}, or choose Vanilla, which needs none.`,
  });
}

export function requireGpus(choice: GpuChoice, report: GpuReport): void {
  if (choice.kind === 'none') return;
  if (!report.ok) {
    throw new UserErrorException({
      code: 'GPU_UNAVAILABLE',
      message: `The run asks for a GPU, but: ${report.message}`,
      action: `${report.action} Or choose "CPU" for this run.`.trim(),
    });
  }
  if (choice.kind === 'ids') {
    const known = new Set(report.gpus.flatMap((gpu) => [String(gpu.index), gpu.uuid ?? '']));
    const unknown = choice.ids.filter((id) => !known.has(id));
    if (unknown.length) {
      throw new UserErrorException({
        code: 'GPU_UNAVAILABLE',
        message: `There is no GPU ${unknown.join(', ')} on this computer.`,
        action: `Choose among the GPUs listed on the Setup page (${report.gpus.map((gpu) => gpu.index).join(', ')}).`,
      });
    }
  }
}
