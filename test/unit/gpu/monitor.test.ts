import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGpuMonitor, parseUtilization, sampleGpus, type GpuMonitor } from '../../../src/gpu/monitor';
import type { GpuSampleBatch } from '../../../src/api/gpu';
import { tempDir } from '../../helpers/temp';
import { FakeNvidiaSmi, fixture } from './fake-nvidia-smi';

const root = tempDir('aucmedi-gpumon-');
let counter = 0;
const fake = () => new FakeNvidiaSmi(path.join(root, `f${counter++}`));
const monitors: GpuMonitor[] = [];
afterEach(async () => {
  while (monitors.length) await monitors.pop()!.stop();
});

async function waitFor(condition: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function monitor(smi: FakeNvidiaSmi, extra: Partial<Parameters<typeof createGpuMonitor>[0]> = {}) {
  const batches: GpuSampleBatch[] = [];
  const errors: string[] = [];
  const instance = createGpuMonitor({
    env: smi.env,
    platform: 'linux',
    intervalMs: 20,
    onSample: (batch) => batches.push(batch),
    onError: (detail) => errors.push(detail),
    ...extra,
  });
  monitors.push(instance);
  return { instance, batches, errors };
}

describe('GPU utilisation monitor, against a fake nvidia-smi', () => {
  it('samples the run\'s GPUs with a timestamp', async () => {
    const smi = fake().scenario('a100x4');
    const { instance, batches } = monitor(smi, { indices: [0, 1], now: () => new Date('2024-05-01T10:00:00Z') });
    instance.start();
    await waitFor(() => batches.length >= 2, 'two samples');
    await instance.stop();
    expect(batches[0]).toEqual({
      at: '2024-05-01T10:00:00.000Z',
      gpus: [
        { index: 0, utilizationPercent: 97, memoryUsedMiB: 61234, memoryTotalMiB: 81920 },
        { index: 1, utilizationPercent: 95, memoryUsedMiB: 61190, memoryTotalMiB: 81920 },
      ],
    });
    expect(smi.calls().every((line) => line.endsWith(' util'))).toBe(true);
  });

  it('takes [N/A] (MIG utilisation, unified memory) and CRLF', async () => {
    expect(parseUtilization(fixture('util-a100-mig.csv'))).toEqual([{ index: 0, utilizationPercent: null, memoryUsedMiB: 26, memoryTotalMiB: 81920 }]);
    expect(parseUtilization(fixture('util-gb10-na-memory.csv'))).toEqual([{ index: 0, utilizationPercent: 2, memoryUsedMiB: null, memoryTotalMiB: null }]);
    const smi = fake().scenario('windows-crlf');
    expect(await sampleGpus({ env: smi.env, platform: 'linux' })).toEqual({
      ok: true,
      gpus: [{ index: 0, utilizationPercent: 41, memoryUsedMiB: 9876, memoryTotalMiB: 24564 }],
    });
  });

  it('never starts a reading while one is still running', async () => {
    const smi = fake().scenario('a100x4').delay('util', 0.15);
    const { instance, batches } = monitor(smi, { intervalMs: 1 });
    instance.start();
    instance.start(); // a second start does nothing
    await waitFor(() => batches.length >= 4, 'four samples');
    await instance.stop();
    const calls = smi.calls();
    expect(calls.length % 2).toBe(0);
    calls.forEach((line, i) => expect(line).toBe(i % 2 === 0 ? 'start util' : 'end util'));
  });

  it('reports a failing reading once, keeps trying, and reports again only after a recovery', async () => {
    const smi = fake().answer('util', 'error-no-driver-communication.txt');
    const { instance, batches, errors } = monitor(smi);
    instance.start();
    await waitFor(() => smi.calls().filter((line) => line === 'end util').length >= 4, 'four failed readings');
    expect(errors).toEqual(["NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."]);
    expect(batches).toEqual([]);

    smi.answer('util', 'util-4x-a100-80gb.csv');
    await waitFor(() => batches.length >= 1, 'a sample after recovery');
    smi.answer('util', 'error-version-mismatch.txt');
    await waitFor(() => errors.length >= 2, 'the second failure');
    await instance.stop();
    expect(errors[1]).toBe('Failed to initialize NVML: Driver/library version mismatch (NVML library version: 535.161)');
    expect(errors).toHaveLength(2);
  });

  it('reports a missing nvidia-smi once instead of throwing', async () => {
    const empty = path.join(root, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    const errors: string[] = [];
    const instance = createGpuMonitor({ env: { ...process.env, PATH: empty }, platform: 'linux', intervalMs: 5, onSample: () => undefined, onError: (d) => errors.push(d) });
    monitors.push(instance);
    instance.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await instance.stop();
    expect(errors).toEqual(['nvidia-smi was not found']);
  });

  it('reports a hung nvidia-smi as a failure and keeps going', async () => {
    const smi = fake().hang('util');
    const { instance, errors } = monitor(smi, { timeoutMs: 200 });
    instance.start();
    await waitFor(() => errors.length === 1, 'the timeout report');
    await instance.stop();
    expect(errors[0]).toMatch(/did not answer within 0\.2 s/);
  });

  it('stops cleanly: waits for the reading in progress and calls back no more', async () => {
    const smi = fake().scenario('a100x4').delay('util', 0.2);
    const { instance, batches } = monitor(smi, { intervalMs: 1 });
    instance.start();
    await waitFor(() => smi.calls().includes('start util'), 'the first reading to start');
    const stopping = instance.stop();
    expect(instance.running).toBe(false);
    await stopping;
    const callsAtStop = smi.calls().length;
    const batchesAtStop = batches.length;
    expect(smi.calls().at(-1)).toBe('end util');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smi.calls().length).toBe(callsAtStop);
    expect(batches.length).toBe(batchesAtStop);
    expect(batchesAtStop).toBe(0); // the reading that ended after stop() was dropped
  });

  it('keeps sampling when a listener throws', async () => {
    const smi = fake().scenario('a100x4');
    let seen = 0;
    const { instance } = monitor(smi, {
      onSample: () => {
        seen += 1;
        throw new Error('listener bug');
      },
    });
    instance.start();
    await waitFor(() => seen >= 3, 'three samples despite the throwing listener');
    await instance.stop();
  });
});
