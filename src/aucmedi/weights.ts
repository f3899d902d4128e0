/**
 * Pretrained weights offline. Keras looks for ImageNet weights in `<cache>/models/<file>`,
 * `<cache>` = `$KERAS_HOME`, and silently falls back to `/tmp/.keras` when `<cache>` is not
 * writable. So the container gets `KERAS_HOME=/keras` on a writable tmpfs and the weights folder
 * bind-mounted read-only at `/keras/models`.
 *
 * 2D models need an exact Keras file name. 3D models (`classification_models_3D`) name their files
 * per model: any imported file whose name starts with the model's name counts as a candidate, and
 * only a run proves it loads. Vanilla needs nothing.
 */
import type { Dimensionality, ImportedWeights, WeightsCheck, WeightsRequirement, WeightsStatus } from '../api/aucmedi';
import { UserErrorException } from '../api/errors';
import { ARCHITECTURES_2D, findArchitecture } from './architectures';
import { bind } from './arguments';

export const CONTAINER_KERAS_HOME = '/keras';
export const CONTAINER_KERAS_MODELS_DIR = `${CONTAINER_KERAS_HOME}/models`;

/** A file in the weights folder: its name, and its size when known (an empty file is not weights). */
export type CachedFile = string | { name: string; sizeBytes?: number };

/**
 * The files the weights cache must hold for `architectures`, one entry per distinct file
 * (an architecture listed twice in an advanced composite needs its file once). Vanilla is left out.
 */
export function requiredWeights(architectures: readonly string[], dimensionality: Dimensionality): WeightsRequirement[] {
  const requirements: WeightsRequirement[] = [];
  for (const key of architectures) {
    const weights = weightsOf(key, dimensionality);
    if (weights === null) continue;
    if (typeof weights === 'string') {
      const same = requirements.find((r) => r.kind === 'file' && r.file === weights);
      if (same) pushOnce(same.architectures, key);
      else requirements.push({ kind: 'file', architectures: [key], file: weights });
    } else {
      const same = requirements.find((r) => r.kind === 'imported' && r.exampleFile === weights.exampleFile);
      if (same) pushOnce(same.architectures, key);
      else requirements.push({ kind: 'imported', architectures: [key], anyFilePrefix: [...weights.anyFilePrefix], exampleFile: weights.exampleFile });
    }
  }
  return requirements;
}

/**
 * Which of `architectures` can run offline with the files in the weights folder. A 2D model is
 * ready when its exact Keras file is there (and not empty); a 3D model when a file with its name
 * prefix is (a candidate, `confirmedByName: false`): 2D Keras files never count as 3D candidates.
 */
export function checkWeightsCache(files: readonly CachedFile[], architectures: readonly string[], dimensionality: Dimensionality): WeightsCheck {
  const entries = files.map((f) => (typeof f === 'string' ? { name: f, sizeBytes: undefined } : f));
  const usable = entries.filter((f) => f.sizeBytes === undefined || f.sizeBytes > 0).map((f) => f.name);
  const empty = new Set(entries.filter((f) => f.sizeBytes === 0).map((f) => f.name));
  const result: WeightsCheck = { allReady: true, ready: [], missing: [], notNeeded: [] };
  const seen = new Set<string>();
  for (const key of architectures) {
    if (seen.has(key)) continue;
    seen.add(key);
    const weights = weightsOf(key, dimensionality);
    if (weights === null) {
      result.notNeeded.push(key);
      continue;
    }
    if (typeof weights === 'string') {
      if (usable.includes(weights)) {
        result.ready.push({ architecture: key, kind: 'file', file: weights, confirmedByName: true, message: `${key} can start offline: its pretrained weights (${weights}) are in the weights folder.` });
      } else {
        result.missing.push({ architecture: key, kind: 'file', file: weights, confirmedByName: true, message: missingFileMessage(key, weights, entries.map((f) => f.name), empty) });
      }
    } else {
      const candidate = findCandidate(usable, weights);
      if (candidate) {
        result.ready.push({
          architecture: key,
          kind: 'imported',
          file: candidate,
          confirmedByName: false,
          message: `${key} (3D) may start offline: ${candidate} looks like its pretrained weights; whether it loads is known only when the training starts.`,
        });
      } else {
        const emptyCandidate = findCandidate([...empty], weights);
        result.missing.push({
          architecture: key,
          kind: 'imported',
          file: weights.exampleFile,
          confirmedByName: false,
          message: emptyCandidate
            ? `${key} (3D) cannot start offline: ${emptyCandidate} in the weights folder is empty.`
            : `${key} (3D) cannot start offline: the weights folder has no file for it (usually named ${weights.exampleFile}).`,
        });
      }
    }
  }
  result.allReady = result.missing.length === 0;
  return result;
}

/** True when `name` is a candidate for the 3D weights described by `weights`. */
export function matchesImportedWeights(name: string, weights: ImportedWeights): boolean {
  if (KERAS_2D_FILES.has(name)) return false;
  const lower = name.toLowerCase();
  return weights.anyFilePrefix.some((prefix) => lower.startsWith(prefix) && !/[a-z0-9]/.test(lower.charAt(prefix.length)));
}

export interface KerasMountSpec {
  /** `KERAS_HOME=/keras`. */
  env: string[];
  /** The weights folder read-only at `/keras/models` (none when no folder is given). */
  binds: string[];
  /** `HostConfig.Tmpfs`: a small writable `/keras`, writable by any uid the container runs as. */
  tmpfs: Record<string, string>;
}

/**
 * The Keras home of a run: `KERAS_HOME=/keras` on a writable tmpfs, and the weights folder
 * (host path, already in the host's own form) read-only at `/keras/models`. Docker mounts the
 * tmpfs before the bind inside it. Without a weights folder only Vanilla can start offline.
 */
export function kerasMountSpec(weightsHostDir: string | null): KerasMountSpec {
  return {
    env: [`KERAS_HOME=${CONTAINER_KERAS_HOME}`],
    binds: weightsHostDir === null ? [] : [bind(weightsHostDir, CONTAINER_KERAS_MODELS_DIR, true, 'weights folder')],
    tmpfs: { [CONTAINER_KERAS_HOME]: 'rw,nosuid,nodev,size=64m,mode=1777' },
  };
}

// ---------------------------------------------------------------------------------------------

/** The Keras file names of the 2D catalog: never a 3D candidate, although some share a prefix. */
const KERAS_2D_FILES = new Set(ARCHITECTURES_2D.map((a) => a.weightsFile).filter((w): w is string => typeof w === 'string'));

function weightsOf(key: string, dimensionality: Dimensionality): string | ImportedWeights | null {
  const info = findArchitecture(key, dimensionality);
  if (!info) {
    throw new UserErrorException({
      code: 'ARCHITECTURE_UNKNOWN',
      message: `AUCMEDI has no architecture "${key}" for ${dimensionality === '2D' ? '2D images' : '3D volumes'}, so its weights cannot be checked.`,
      action: 'Choose an architecture from the list.',
      detail: `${dimensionality}.${key}`.slice(0, 300),
    });
  }
  return info.weightsFile;
}

function findCandidate(names: readonly string[], weights: ImportedWeights): string | undefined {
  const candidates = names.filter((n) => matchesImportedWeights(n, weights)).sort();
  // Prefer a file without the classification top, as the models are built without it.
  return candidates.find((n) => /top_false|notop|no_top/i.test(n)) ?? candidates[0];
}

function missingFileMessage(key: string, file: string, names: readonly string[], empty: ReadonlySet<string>): string {
  if (empty.has(file)) return `${key} cannot start offline: ${file} in the weights folder is empty.`;
  const nearMiss = names.find((n) => n !== file && n.toLowerCase() === file.toLowerCase());
  if (nearMiss) return `${key} cannot start offline: the weights folder has ${nearMiss}, but Keras looks for ${file} (names are case-sensitive).`;
  return `${key} cannot start offline: the weights folder has no ${file}.`;
}

function pushOnce(list: string[], key: string): void {
  if (!list.includes(key)) list.push(key);
}
