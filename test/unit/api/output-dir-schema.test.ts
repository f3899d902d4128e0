import { describe, expect, it } from 'vitest';
import { requestSchemas } from '../../../src/api/schemas';

const training = (outputDir: unknown) => ({
  dataset: { path: '/data/set', gtFile: null, ohe: false },
  options: { analysis: 'standard', architectures: ['Vanilla'], epochs: 12, batchSize: 8, workers: 1, threeDim: false },
  gpus: { kind: 'none' },
  outputDir,
});
const prediction = (outputDir: unknown) => ({ model: { runId: 'run-1' }, images: '/data/new', options: { batchSize: 8, workers: 1 }, gpus: { kind: 'none' }, outputDir });
const evaluation = (outputDir: unknown) => ({ model: { runId: 'run-1' }, dataset: { path: '/data/set', gtFile: null, ohe: false }, options: { batchSize: 8, workers: 1 }, gpus: { kind: 'none' }, outputDir });

describe('the output folder of a run request (the window may send an empty one)', () => {
  const cases = [
    ['runs:start-training', training],
    ['runs:start-prediction', prediction],
    ['runs:start-evaluation', evaluation],
  ] as const;

  it('refuses an empty, blank or relative folder rather than falling back to the default', () => {
    for (const [channel, request] of cases) {
      for (const outputDir of ['', ' ', '\t', 'out', './out']) {
        expect(requestSchemas[channel].safeParse(request(outputDir)).success, `${channel} ${JSON.stringify(outputDir)}`).toBe(false);
      }
    }
  });

  it('takes an absolute folder, or null / nothing for the default', () => {
    for (const [channel, request] of cases) {
      for (const outputDir of ['/home/ana/runs/a', null, undefined]) {
        expect(requestSchemas[channel].safeParse(request(outputDir)).success, `${channel} ${JSON.stringify(outputDir)}`).toBe(true);
      }
    }
  });
});
