import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERAS_WEIGHTS_HASHES } from '../../../src/aucmedi/architectures';
import { makeTestWeightsHashes, TEST_WEIGHTS_HASHES, TEST_WEIGHTS_HASHES_FILE } from '../../helpers/test-weights';

describe('the TEST weights hash table (test/fixtures/weights), injected into core and stand-in alike', () => {
  it('is the hash of each fake file, for every file of the catalog, by the algorithm Keras uses for its name', () => {
    // Regenerate: npx jiti test/helpers/test-weights.ts > test/fixtures/weights/test-weights-hashes.json
    expect(JSON.parse(readFileSync(TEST_WEIGHTS_HASHES_FILE, 'utf8'))).toEqual(makeTestWeightsHashes());
    expect(Object.keys(TEST_WEIGHTS_HASHES).sort()).toEqual(Object.keys(KERAS_WEIGHTS_HASHES).sort());
  });

  it('shares no hash with Keras: a fake file is never taken for the real one', () => {
    for (const [name, real] of Object.entries(KERAS_WEIGHTS_HASHES)) {
      expect(TEST_WEIGHTS_HASHES[name]?.algorithm ?? null, name).toBe(real?.algorithm ?? null);
      if (real) expect(TEST_WEIGHTS_HASHES[name]!.value, name).not.toBe(real.value);
    }
  });
});
