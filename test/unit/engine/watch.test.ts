import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../../src/api/types';
import { EngineWatcher } from '../../../src/engine/watch';

const status = (code: EngineStatus['code'], checkedAt = new Date().toISOString()): EngineStatus => ({
  ok: code === 'ENGINE_OK',
  code,
  message: code,
  action: '',
  endpoint: 'unix:///var/run/docker.sock',
  endpointSource: 'default',
  checkedAt,
});

const timings = { okIntervalMs: 20, minBackoffMs: 10, maxBackoffMs: 40 };
const until = async (condition: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('EngineWatcher', () => {
  it('reports a change only when what the user sees changes, and recovers when the engine returns', async () => {
    const script: EngineStatus['code'][] = ['ENGINE_OK', 'ENGINE_OK', 'ENGINE_NOT_RUNNING', 'ENGINE_NOT_RUNNING', 'ENGINE_OK'];
    let calls = 0;
    const seen: string[] = [];
    const watcher = new EngineWatcher(async () => status(script[Math.min(calls++, script.length - 1)]!), (s) => seen.push(s.code), timings);
    watcher.start();
    await until(() => calls >= script.length + 1);
    watcher.stop();
    expect(seen).toEqual(['ENGINE_OK', 'ENGINE_NOT_RUNNING', 'ENGINE_OK']);
    expect(watcher.status?.code).toBe('ENGINE_OK');
  });

  it('backs off while the engine is away, up to the maximum', async () => {
    const times: number[] = [];
    const watcher = new EngineWatcher(
      async () => {
        times.push(Date.now());
        return status('ENGINE_NOT_RUNNING');
      },
      () => undefined,
      { okIntervalMs: 1000, minBackoffMs: 20, maxBackoffMs: 80 },
    );
    watcher.start();
    await until(() => times.length >= 6, 3000);
    watcher.stop();
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThanOrEqual(75);
    expect(Math.max(...gaps)).toBeLessThan(2000); // capped, not growing without bound
  });

  it('shares one check between callers and stops checking when stopped', async () => {
    let calls = 0;
    const watcher = new EngineWatcher(async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 20));
      return status('ENGINE_OK');
    }, () => undefined, timings);
    const [a, b] = await Promise.all([watcher.check(), watcher.check()]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
    watcher.start();
    watcher.stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBeLessThanOrEqual(after + 1);
  });

  it('recheck runs a new check after the one under way', async () => {
    let calls = 0;
    const watcher = new EngineWatcher(async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 10));
      return status(calls === 1 ? 'ENGINE_OK' : 'ENGINE_NOT_RUNNING');
    }, () => undefined, timings);
    const first = watcher.check();
    const second = await watcher.recheck();
    expect((await first).code).toBe('ENGINE_OK');
    expect(second.code).toBe('ENGINE_NOT_RUNNING');
  });
});
