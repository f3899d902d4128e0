import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../src/api/types';
import { createCore } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { dockerServerVersion, requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const hasEngine = requireEngine();

describe.runIf(hasEngine)('the core against the real Docker engine', () => {
  const dir = tempDir();
  const core = createCore({
    settings: new JsonFileSettingsStore(path.join(dir, 'settings.json')),
    watchTimings: { okIntervalMs: 200, minBackoffMs: 100, maxBackoffMs: 400 },
  });
  afterAll(() => core.dispose());

  it('diagnoses the engine as ready, with the version the docker CLI reports', async () => {
    const response = await core.handlers['engine:diagnose']({});
    if (!response.ok) throw new Error(response.error.message);
    const status = response.data;
    expect(status).toMatchObject({ ok: true, code: 'ENGINE_OK' });
    expect(status.info!.version).toBe(dockerServerVersion());
    expect(Number(status.info!.apiVersion.split('.')[1])).toBeGreaterThanOrEqual(40);
    expect(status.info!.cpus).toBeGreaterThan(0);
    expect(status.info!.memoryBytes).toBeGreaterThan(0);
    expect(status.info!.storageDriver).not.toBe('unknown');
    if (status.endpoint.startsWith('unix://') && process.platform === 'linux') expect(status.info!.freeDiskBytes).toBeGreaterThan(0);
  });

  it('notices while watching that the engine went away and came back, and says so on the event stream', async () => {
    const events: EngineStatus[] = [];
    core.subscribe((event) => event.type === 'engine:status' && events.push(event.status));
    core.start();
    const waitFor = async (code: string) => {
      const end = Date.now() + 15_000;
      while (!events.some((e) => e.code === code)) {
        if (Date.now() > end) throw new Error(`no ${code} event; saw ${events.map((e) => e.code).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // The engine "goes away": the user's endpoint now names a socket nobody serves.
    const settings = new JsonFileSettingsStore(path.join(dir, 'settings.json'));
    settings.write({ ...settings.read(), engineEndpoint: `unix://${path.join(dir, 'gone.sock')}` });
    await waitFor('ENGINE_NOT_RUNNING');
    settings.write({ ...settings.read(), engineEndpoint: null });
    await waitFor('ENGINE_OK');
    const codes = events.map((e) => e.code);
    expect(codes.indexOf('ENGINE_NOT_RUNNING')).toBeLessThan(codes.lastIndexOf('ENGINE_OK'));
  });
});
