/**
 * Pretrained weights offline: where both Keras generations look for them, and whether the file
 * there is the one Keras accepts.
 *
 * Where. Keras 2 (TensorFlow 2.15, which AUCMEDI 0.11.0 pins; tf-keras v2.15.0
 * `tf_keras/utils/data_utils.py` `get_file`) ignores `KERAS_HOME` and caches in
 * `~/.keras/models`, or in `/tmp/.keras/models` when `~/.keras` is not writable. Keras 3
 * (`keras/src/utils/file_utils.py` `get_file`, `keras/src/backend/config.py` `keras_home`) caches
 * in `$KERAS_HOME/models`, with the same `/tmp/.keras` fallback. So a run gets `HOME=/tmp` and
 * `KERAS_HOME=/tmp/.keras`, a small tmpfs (mode 1777, writable by any uid) at `/tmp/.keras` and the
 * weights folder read-only at `/tmp/.keras/models`: both generations, and both fallbacks, land
 * in the same folder.
 *
 * Which file. Both `get_file`s check a cached file against the hash the application declares
 * (`file_hash`, md5 or sha256 by length) and download it again on a mismatch, which fails offline.
 * The hashes are data in the catalog (`architectures.ts`); 2D and 3D files have exact names.
 */
import type { Dimensionality, WeightsCheck, WeightsHash, WeightsHashTable, WeightsRequirement, WeightsStatus } from '../api/aucmedi';
import { localizedException } from '../api/errors';
import { msg } from '../i18n/message';
import type { WeightsFileVerdict } from '../api/weights';
import { findArchitecture, KERAS_WEIGHTS_HASHES } from './architectures';
import { bind } from './arguments';

/** `HOME` of a run: Keras 2's `~/.keras` is then the Keras home below. */
export const CONTAINER_HOME = '/tmp';
export const CONTAINER_KERAS_HOME = `${CONTAINER_HOME}/.keras`;
export const CONTAINER_KERAS_MODELS_DIR = `${CONTAINER_KERAS_HOME}/models`;

/** A file in the weights folder: its name, and what is known of it (an empty file is not weights). */
export interface CachedFile {
  name: string;
  sizeBytes?: number;
  md5?: string;
  sha256?: string;
}

/**
 * The table Keras checks against: the catalog's, or a test's injected table over it (the same
 * table must then be built into the stand-in the test runs, see docker/stand-in/README.md).
 */
export function weightsHashTable(injected?: WeightsHashTable): WeightsHashTable {
  return injected ? { ...KERAS_WEIGHTS_HASHES, ...injected } : KERAS_WEIGHTS_HASHES;
}

/**
 * The files the weights cache must hold for `architectures`, one entry per distinct file
 * (an architecture listed twice in an advanced composite needs its file once). Vanilla is left out.
 */
export function requiredWeights(architectures: readonly string[], dimensionality: Dimensionality, hashes: WeightsHashTable = KERAS_WEIGHTS_HASHES): WeightsRequirement[] {
  const requirements: WeightsRequirement[] = [];
  for (const key of architectures) {
    const file = weightsOf(key, dimensionality);
    if (file === null) continue;
    const same = requirements.find((r) => r.file === file);
    if (same) pushOnce(same.architectures, key);
    else requirements.push({ architectures: [key], file, hash: hashes[file] ?? null });
  }
  return requirements;
}

/**
 * Which of `architectures` can run offline with the files in the weights folder: the exact file
 * Keras looks for must be there, not empty, and have the hash Keras checks (when it checks one).
 * A file whose hash is not known counts as wrong where Keras checks a hash: hash it first.
 */
export function checkWeightsCache(files: readonly CachedFile[], architectures: readonly string[], dimensionality: Dimensionality, hashes: WeightsHashTable = KERAS_WEIGHTS_HASHES): WeightsCheck {
  const result: WeightsCheck = { allReady: true, ready: [], missing: [], notNeeded: [] };
  const seen = new Set<string>();
  for (const key of architectures) {
    if (seen.has(key)) continue;
    seen.add(key);
    const file = weightsOf(key, dimensionality);
    if (file === null) {
      result.notNeeded.push(key);
      continue;
    }
    const status = statusOf(key, dimensionality, file, files, hashes[file] ?? null);
    (status.state === 'ready' ? result.ready : result.missing).push(status);
  }
  result.allReady = result.missing.length === 0;
  return result;
}

/** One file of the weights folder compared with what Keras checks under its name. */
export function weightsFileVerdict(file: CachedFile, hashes: WeightsHashTable = KERAS_WEIGHTS_HASHES): WeightsFileVerdict {
  if (!Object.hasOwn(hashes, file.name)) return { state: 'not-in-catalog' };
  const expected = hashes[file.name];
  if (!expected) return { state: 'no-hash' };
  return { state: hashMatches(file, expected) ? 'matches' : 'wrong-file', expected: { ...expected } };
}

/** True when the file's hash of the algorithm Keras uses is the one it expects. */
export function hashMatches(file: CachedFile, expected: WeightsHash): boolean {
  const actual = expected.algorithm === 'md5' ? file.md5 : file.sha256;
  return actual !== undefined && actual.toLowerCase() === expected.value.toLowerCase();
}

export interface KerasMountSpec {
  /** `HOME=/tmp` and `KERAS_HOME=/tmp/.keras`. */
  env: string[];
  /** The weights folder read-only at `/tmp/.keras/models` (none when no folder is given). */
  binds: string[];
  /** `HostConfig.Tmpfs`: a small writable `/tmp/.keras`, writable by any uid the container runs as. */
  tmpfs: Record<string, string>;
}

/**
 * The Keras home of a run, the same for Keras 2 and Keras 3 (see the top of this file). Docker
 * mounts the tmpfs before the bind inside it; the mount point it creates for the bind is owned by
 * root, but the tmpfs root stays 1777, so a non-root `--user` can still write the Keras home
 * (Keras 3 writes `keras.json` there). Without a weights folder only Vanilla can start offline.
 */
export function kerasMountSpec(weightsHostDir: string | null): KerasMountSpec {
  return {
    env: [`HOME=${CONTAINER_HOME}`, `KERAS_HOME=${CONTAINER_KERAS_HOME}`],
    binds: weightsHostDir === null ? [] : [bind(weightsHostDir, CONTAINER_KERAS_MODELS_DIR, true, 'weights folder')],
    tmpfs: { [CONTAINER_KERAS_HOME]: 'rw,nosuid,nodev,size=64m,mode=1777' },
  };
}

// ---------------------------------------------------------------------------------------------

function weightsOf(key: string, dimensionality: Dimensionality): string | null {
  const info = findArchitecture(key, dimensionality);
  if (!info) {
    const detail = `${dimensionality}.${key}`.slice(0, 300);
    throw localizedException(
      'ARCHITECTURE_UNKNOWN',
      dimensionality === '2D' ? msg('aucmedi:weights.unknown.images2D', { key }) : msg('aucmedi:weights.unknown.volumes3D', { key }),
      msg('aucmedi:weights.unknownAction'),
      detail,
    );
  }
  return info.weightsFile;
}

function statusOf(key: string, dimensionality: Dimensionality, file: string, files: readonly CachedFile[], expected: WeightsHash | null): WeightsStatus {
  const label = dimensionality === '3D' ? `${key} (3D)` : key;
  const found = files.find((f) => f.name === file);
  const status = (state: WeightsStatus['state'], message: string): WeightsStatus => ({ architecture: key, file, state, message });
  if (!found) {
    const nearMiss = files.find((f) => f.name.toLowerCase() === file.toLowerCase());
    return status(
      'missing',
      nearMiss
        ? `${label} cannot start offline: the weights folder has ${nearMiss.name}, but Keras looks for ${file} (names are case-sensitive).`
        : `${label} cannot start offline: the weights folder has no ${file}.`,
    );
  }
  if (found.sizeBytes === 0) return status('missing', `${label} cannot start offline: ${file} in the weights folder is empty.`);
  if (expected && !hashMatches(found, expected)) {
    const actual = expected.algorithm === 'md5' ? found.md5 : found.sha256;
    return status(
      'wrong-file',
      `${label} cannot start offline: ${file} in the weights folder is the wrong file (its ${expected.algorithm.toUpperCase()} is ${actual ?? 'unknown'}, Keras accepts only ${expected.value}), so Keras would download it again.`,
    );
  }
  return status('ready', `${label} can start offline: its pretrained weights (${file}) are in the weights folder.`);
}

function pushOnce(list: string[], key: string): void {
  if (!list.includes(key)) list.push(key);
}
