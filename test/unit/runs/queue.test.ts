import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QueueItem } from '../../../src/api/runs';
import { allGpusQueued, conflicts, freeGpu, RunQueue } from '../../../src/runs/queue';

describe('which runs can go side by side', () => {
  const cpu = { kind: 'none' } as const;
  const all = { kind: 'all' } as const;
  const ids = (...list: string[]) => ({ kind: 'ids', ids: list }) as const;
  it('one CPU run at a time; GPU runs only on different GPUs; a recorded "all GPUs" (older versions) takes them all', () => {
    expect(conflicts(cpu, cpu)).toBe(true);
    expect(conflicts(cpu, all)).toBe(false);
    expect(conflicts(cpu, ids('0'))).toBe(false);
    expect(conflicts(all, ids('1'))).toBe(true);
    expect(conflicts(all, all)).toBe(true);
    expect(conflicts(ids('0'), ids('1'))).toBe(false);
    expect(conflicts(ids('0', '1'), ids('1', '2'))).toBe(true);
    expect(conflicts(ids('GPU-a'), ids('GPU-b'))).toBe(false);
  });

  it('a run without a named GPU gets one free GPU (by index or UUID), else the first; none without GPUs', () => {
    const gpus = [{ index: 1, uuid: 'GPU-b' }, { index: 0, uuid: 'GPU-a' }];
    expect(freeGpu(gpus, [])).toEqual({ kind: 'ids', ids: ['0'] });
    expect(freeGpu(gpus, [ids('0')])).toEqual({ kind: 'ids', ids: ['1'] });
    expect(freeGpu(gpus, [ids('GPU-a'), cpu])).toEqual({ kind: 'ids', ids: ['1'] });
    expect(freeGpu(gpus, [ids('0'), ids('GPU-b')])).toEqual({ kind: 'ids', ids: ['0'] });
    expect(freeGpu(gpus, [all])).toEqual({ kind: 'ids', ids: ['0'] });
    expect(freeGpu([], [])).toBeNull();
  });
});

describe('the queue file of an older version', () => {
  it('keeps an entry that asks for all GPUs (or several), refused with a sentence, and never starts it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'queue-'));
    try {
      const file = path.join(dir, 'queue.json');
      const request = (gpus: unknown) => ({
        dataset: { path: dir, gtFile: null, ohe: false },
        options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 12, batchSize: 8, workers: 1, threeDim: false },
        gpus,
      });
      const entry = (id: string, gpus: unknown) => ({ id, addedAt: '2026-01-01T00:00:00.000Z', position: 1, item: { mode: 'training', request: request(gpus) }, error: null });
      writeFileSync(file, JSON.stringify([entry('queued-all', { kind: 'all' }), entry('queued-two', { kind: 'ids', ids: ['0', '1'] }), entry('queued-cpu', { kind: 'none' })]));
      const started: QueueItem[] = [];
      const queue = new RunQueue({
        file,
        start: async (item) => {
          started.push(item);
          return {} as never;
        },
        activeRuns: () => [],
        engineUp: async () => true,
        onChange: () => undefined,
      });
      expect(queue.list().map((e) => [e.id, e.error])).toEqual([
        ['queued-all', allGpusQueued()],
        ['queued-two', allGpusQueued()],
        ['queued-cpu', null],
      ]);
      await queue.tick();
      expect(started.map((item) => item.request.gpus)).toEqual([{ kind: 'none' }]);
      expect(queue.list().map((e) => e.id)).toEqual(['queued-all', 'queued-two']);
      queue.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the queue per engine', () => {
  it('a CPU run on a server does not wait for this computer\'s CPU run, nor for a server that is down', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'queue-'));
    try {
      const request = (engine: string | undefined) => ({
        dataset: { path: dir, gtFile: null, ohe: false },
        options: { analysis: 'minimal' as const, architectures: ['Vanilla'], epochs: 12, batchSize: 8, workers: 1, threeDim: false },
        gpus: { kind: 'none' as const },
        ...(engine ? { engine } : {}),
      });
      const started: (string | undefined)[] = [];
      // this computer's engine runs a CPU run already
      const active = [{ state: 'running', gpus: { kind: 'none' }, outputDir: path.join(dir, 'x') }];
      const queue = new RunQueue({
        file: path.join(dir, 'queue.json'),
        start: async (item) => {
          if (item.request.engine === 'gpu-down') throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          started.push(item.request.engine ?? 'local');
          active.push({ state: 'running', gpus: { kind: 'none' }, outputDir: path.join(dir, 'y'), placement: { engine: item.request.engine, host: 'h', data: 'staged' } } as never);
          return {} as never;
        },
        activeRuns: () => active as never,
        engineUp: async () => true,
        onChange: () => undefined,
      });
      queue.add({ mode: 'training', request: request(undefined) });
      queue.add({ mode: 'training', request: request('gpu-down') });
      queue.add({ mode: 'training', request: request('gpu-down') });
      queue.add({ mode: 'training', request: request('gpu-server') });
      queue.add({ mode: 'training', request: request('gpu-server') });
      // each add ticks; let them settle
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      await queue.tick();
      // one CPU run on the server; the local one waits for this computer's CPU; the down server's wait, kept without an error
      expect(started).toEqual(['gpu-server']);
      expect(queue.list().map((entry) => [entry.item.request.engine ?? 'local', entry.error])).toEqual([
        ['local', null],
        ['gpu-down', null],
        ['gpu-down', null],
        ['gpu-server', null],
      ]);
      queue.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a server that did not answer', () => {
  it('is tried again by itself, and its queued run starts once it answers', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'queue-'));
    try {
      let up = false;
      const started: string[] = [];
      const queue = new RunQueue({
        file: path.join(dir, 'queue.json'),
        start: async (item) => {
          if (!up) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          started.push(item.request.engine ?? 'local');
          return {} as never;
        },
        activeRuns: () => [],
        engineUp: async () => true,
        onChange: () => undefined,
        retryMs: 30,
      });
      queue.add({ mode: 'training', request: { dataset: { path: dir, gtFile: null, ohe: false }, options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 12, batchSize: 8, workers: 1, threeDim: false }, gpus: { kind: 'none' }, engine: 'gpu-server' } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(started).toEqual([]);
      up = true;
      for (let i = 0; i < 40 && started.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(started).toEqual(['gpu-server']);
      expect(queue.list()).toEqual([]);
      queue.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
