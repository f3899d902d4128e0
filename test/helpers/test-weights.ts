/**
 * Fake pretrained weights for tests, and the TEST hash table that makes them acceptable.
 *
 * A test file can never have the hash Keras declares for the real file, so the default stand-in
 * (as strict as Keras) rejects it, and so does the app's preflight. A test that needs a pretrained
 * training to succeed injects this one table into both sides, explicitly: into the core
 * (`createCore({ weightsHashes: TEST_WEIGHTS_HASHES })`) and into the container, by running a
 * stand-in tag built with the same table (`buildStandInVariant`). Regenerate the JSON with
 * `npx jiti test/helpers/test-weights.ts > test/fixtures/weights/test-weights-hashes.json`;
 * test/unit/weights/test-weights.test.ts checks that it matches.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WeightsHashTable } from '../../src/api/aucmedi';
import { KERAS_WEIGHTS_HASHES } from '../../src/aucmedi/architectures';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEST_WEIGHTS_HASHES_FILE = path.join(ROOT, 'test/fixtures/weights/test-weights-hashes.json');

const HDF5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The fake file for a weights file name: HDF5's signature and a line saying what it is (never Keras's content). */
export function testWeightsBytes(name: string): Buffer {
  return Buffer.concat([HDF5, Buffer.from(`AUCMEDI Desk test weights, not Keras weights: ${name}\n`)]);
}

/** The table for every file of the catalog: the hash of `testWeightsBytes(name)` with the algorithm Keras uses for that name. */
export function makeTestWeightsHashes(): Record<string, { algorithm: 'md5' | 'sha256'; value: string } | null> {
  return Object.fromEntries(
    Object.entries(KERAS_WEIGHTS_HASHES).map(([name, real]) => [name, real ? { algorithm: real.algorithm, value: createHash(real.algorithm).update(testWeightsBytes(name)).digest('hex') } : null]),
  );
}

export const TEST_WEIGHTS_HASHES: WeightsHashTable = JSON.parse(readFileSync(TEST_WEIGHTS_HASHES_FILE, 'utf8')) as WeightsHashTable;

/** Stand-in tags (test doubles of the AUCMEDI image): Keras 3 or Keras 2 weight lookup, real or TEST hash table. */
export const STAND_IN_VARIANTS = {
  keras3: { tag: 'aucmedi-desk/aucmedi-stand-in:test', generation: 3, testWeights: false },
  keras2: { tag: 'aucmedi-desk/aucmedi-stand-in:keras2', generation: 2, testWeights: false },
  keras3TestWeights: { tag: 'aucmedi-desk/aucmedi-stand-in:test-weights', generation: 3, testWeights: true },
  keras2TestWeights: { tag: 'aucmedi-desk/aucmedi-stand-in:keras2-test-weights', generation: 2, testWeights: true },
} as const;

/** Builds one stand-in variant with docker/stand-in/build.sh (quick when up to date); returns its tag. */
export function buildStandInVariant(variant: keyof typeof STAND_IN_VARIANTS): string {
  const { tag, generation, testWeights } = STAND_IN_VARIANTS[variant];
  const env = { ...process.env, AUCMEDI_STANDIN_TAG: tag, AUCMEDI_STANDIN_KERAS_GENERATION: String(generation), AUCMEDI_STANDIN_WEIGHTS_HASHES_FILE: testWeights ? TEST_WEIGHTS_HASHES_FILE : '' };
  const result = spawnSync('bash', [path.join(ROOT, 'docker/stand-in/build.sh')], { encoding: 'utf8', timeout: 900_000, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`building the stand-in ${tag} failed:\n${result.stdout}\n${result.stderr}`);
  return tag;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(makeTestWeightsHashes(), null, 2)}\n`);
}
