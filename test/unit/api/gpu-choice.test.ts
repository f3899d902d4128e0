import { describe, expect, it } from 'vitest';
import { describeIssues, ONE_GPU_ONLY, requestSchemas } from '../../../src/api/schemas';

const request = (gpus: unknown) => ({
  dataset: { path: '/data/set', gtFile: null, ohe: false },
  options: { analysis: 'standard', architectures: ['Vanilla'], epochs: 12, batchSize: 8, workers: 1, threeDim: false },
  gpus,
});

describe('the processor of a run request: one GPU or the CPU (AUCMEDI trains on one GPU)', () => {
  it('takes one GPU by index or UUID, or none', () => {
    for (const gpus of [{ kind: 'ids', ids: ['0'] }, { kind: 'ids', ids: ['GPU-8f7c2c1e-1a2b-4c3d-9e8f-0123456789ab'] }, { kind: 'none' }]) {
      expect(requestSchemas['runs:start-training'].safeParse(request(gpus)).success, JSON.stringify(gpus)).toBe(true);
    }
  });

  it('refuses "all GPUs" and several GPUs with the sentence, on every start channel and in the queue', () => {
    for (const gpus of [{ kind: 'all' }, { kind: 'ids', ids: ['0', '1'] }]) {
      const parsed = requestSchemas['runs:start-training'].safeParse(request(gpus));
      expect(parsed.success).toBe(false);
      if (!parsed.success) expect([`gpus.kind: ${ONE_GPU_ONLY}`, `gpus.ids: ${ONE_GPU_ONLY}`]).toContain(describeIssues(parsed.error));
      expect(requestSchemas['queue:add'].safeParse({ mode: 'training', request: request(gpus) }).success).toBe(false);
    }
    const prediction = { model: { dir: '/m' }, images: '/i', options: { batchSize: 12, workers: 1 }, gpus: { kind: 'all' } };
    expect(requestSchemas['runs:start-prediction'].safeParse(prediction).success).toBe(false);
    expect(ONE_GPU_ONLY).toBe('AUCMEDI trains on one GPU: choose one GPU (by its number or UUID) or the CPU; runs on different GPUs go side by side');
  });
});
