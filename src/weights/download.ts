/**
 * "Prepare offline bundle" on a connected machine: the pretrained weights of the chosen
 * architectures are fetched the way AUCMEDI itself fetches them, by running the AUCMEDI image
 * once per architecture (a one-epoch training on a tiny generated dataset) with its Keras home on
 * a host folder, mounted where runs have theirs (`/tmp/.keras` with `HOME=/tmp` and
 * `KERAS_HOME=/tmp/.keras`, so Keras 2 and Keras 3 both download into it, see
 * `src/aucmedi/weights.ts`). These are the only containers the app ever gives a network, and only when the
 * user asked for it in so many words (`allowNetwork: true`); everything else about them is
 * hardened as usual. The files Keras downloaded are then imported into the weights folder.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeFolders } from '../folders';
import type Docker from 'dockerode';
import { errorDetail, localizedException } from '../api/errors';
import { msg } from '../i18n/message';
import type { WeightsHashTable } from '../api/aucmedi';
import type { WeightsDownloadResult } from '../api/weights';
import { CONTAINER_DATASET_DIR, CONTAINER_MODEL_DIR, bind, trainingArgs } from '../aucmedi/arguments';
import { explainError } from '../aucmedi/explain-error';
import { checkWeightsCache, CONTAINER_KERAS_HOME, kerasMountSpec } from '../aucmedi/weights';
import { RunOnceCancelled, runOnce } from '../engine/containers';
import { hostUser } from '../engine/run-container';
import { importWeights, listWeights } from './import';

export interface DownloadOptions {
  docker: Docker;
  imageId: string;
  platform: NodeJS.Platform;
  /** A scratch folder for the generated dataset, the model and Keras's downloads; removed at the end. */
  staging: string;
  weightsDir: string;
  /** Per architecture; a large model on a slow line takes a while. */
  timeoutMs?: number;
  /** Stops after the architecture under way (its container is killed); what was fetched before is kept. */
  signal?: AbortSignal;
  /** Before each architecture: the `index`-th (from 1) of `total`. */
  onArchitecture?: (architecture: string, index: number, total: number) => void;
  /** The hashes Keras checks (default: the catalog's); a wrong file counts as missing. */
  hashes?: WeightsHashTable;
}

/** A 24-bit BMP (Pillow reads it; no encoder needed): a bright square whose place tells the class. */
function bmp(size: number, classIndex: number, seed: number): Buffer {
  const row = Math.ceil((size * 3) / 4) * 4;
  const buffer = Buffer.alloc(54 + row * size);
  buffer.write('BM', 0, 'latin1');
  buffer.writeUInt32LE(buffer.length, 2);
  buffer.writeUInt32LE(54, 10);
  buffer.writeUInt32LE(40, 14);
  buffer.writeInt32LE(size, 18);
  buffer.writeInt32LE(size, 22);
  buffer.writeUInt16LE(1, 26);
  buffer.writeUInt16LE(24, 28);
  buffer.writeUInt32LE(row * size, 34);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = classIndex === 0 ? x < size / 2 : x >= size / 2;
      const value = inside ? 200 + ((x * 7 + y * 13 + seed) % 50) : (x * 3 + y * 5 + seed) % 40;
      buffer.fill(value, 54 + y * row + x * 3, 54 + y * row + x * 3 + 3);
    }
  }
  return buffer;
}

function writeTinyDataset(dir: string): void {
  ['a', 'b'].forEach((name, classIndex) => {
    mkdirSync(path.join(dir, name), { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(path.join(dir, name, `${name}_${i}.bmp`), bmp(32, classIndex, i));
  });
}

export async function downloadWeights(options: DownloadOptions, architectures: string[], threeDim: boolean): Promise<WeightsDownloadResult> {
  const dimensionality = threeDim ? '3D' : '2D';
  makeFolders(options.weightsDir);
  const wanted = checkWeightsCache(await listWeights(options.weightsDir), architectures, dimensionality, options.hashes).missing.map((m) => m.architecture);
  const result: WeightsDownloadResult = { downloaded: [], alreadyThere: architectures.filter((a) => !wanted.includes(a)), failed: [], cancelled: [] };
  if (wanted.length === 0) return result;

  const dataset = path.join(options.staging, 'dataset');
  const keras = path.join(options.staging, 'keras');
  mkdirSync(path.join(keras, 'models'), { recursive: true });
  writeTinyDataset(dataset);
  try {
    for (const [position, architecture] of wanted.entries()) {
      if (options.signal?.aborted) {
        result.cancelled.push(...wanted.slice(position));
        break;
      }
      options.onArchitecture?.(architecture, position + 1, wanted.length);
      const output = path.join(options.staging, `model-${architecture}`);
      mkdirSync(output);
      const user = hostUser(options.platform);
      let run;
      try {
        run = await runOnce(options.docker, {
          image: options.imageId,
          cmd: trainingArgs({ analysis: 'minimal', architectures: [architecture], epochs: 1, batchSize: 2, workers: 1, threeDim, ohe: false, gt: false }),
          env: [...kerasMountSpec(null).env, 'PYTHONUNBUFFERED=1'],
          binds: [bind(dataset, CONTAINER_DATASET_DIR, true), bind(output, CONTAINER_MODEL_DIR, false), bind(keras, CONTAINER_KERAS_HOME, false)],
          allowNetwork: true,
          ...(user ? { user } : {}),
          purpose: 'weights-download',
          timeoutMs: options.timeoutMs ?? 30 * 60_000,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        if (error instanceof RunOnceCancelled) {
          result.cancelled.push(...wanted.slice(position));
          break;
        }
        throw localizedException('WEIGHTS_DOWNLOAD_FAILED', msg('weights:download.noNetworkMessage'), msg('weights:download.noNetworkAction'), errorDetail(error));
      }
      // What Keras kept has passed its own hash check; checked again here, as a run's preflight will.
      const ready = checkWeightsCache(await listWeights(path.join(keras, 'models'), { persist: false }), [architecture], dimensionality, options.hashes).allReady;
      if (ready) result.downloaded.push(architecture);
      else {
        const explained = explainError(run.stderr.split('\n').filter(Boolean).slice(-8), { mode: 'training' });
        const reason = explained.i18n?.message ? { reason: msg('weights:download.failedReason', { message: explained.i18n.message, action: explained.i18n.action ?? explained.action }) } : null;
        result.failed.push({ architecture, reason: `${explained.message} ${explained.action}`.trim(), ...(reason ? { i18n: reason } : {}) });
      }
    }
    if (result.downloaded.length > 0) result.imported = await importWeights(path.join(keras, 'models'), options.weightsDir);
  } finally {
    rmSync(options.staging, { recursive: true, force: true });
  }
  return result;
}
