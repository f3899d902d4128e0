import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/api/channels';
import type { EngineStatus } from '../../src/api/types';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { startFakeEngine } from '../helpers/fake-engine';
import { tempDir } from '../helpers/temp';

const dir = tempDir();
let core: Core | null = null;
afterEach(() => core?.dispose());

function makeCore(env: NodeJS.ProcessEnv = {}, file = path.join(dir, `${Math.random()}.json`)) {
  core = createCore({ settings: new JsonFileSettingsStore(file), env, platform: 'linux', homedir: dir, username: 'ana' });
  return core;
}

describe('the handler table', () => {
  it('has one handler per channel of the contract', () => {
    expect(Object.keys(makeCore().handlers).sort()).toEqual([...CHANNELS].sort());
  });

  it('rejects malformed requests with a plain error before any handler runs', async () => {
    const { handlers } = makeCore();
    for (const bad of [{ engineEndpoint: 42 }, { engineEndpoint: 'http://evil' }, { engineEndpoint: 'unix:///x\u0000y' }, { nope: true }, 'string', [1]]) {
      const response = await handlers['settings:update'](bad);
      expect(response.ok).toBe(false);
      if (!response.ok) {
        expect(response.error.code).toBe('INVALID_REQUEST');
        expect(response.error.message).toMatch(/settings:update/);
        expect(response.error.action).not.toBe('');
      }
    }
    const extra = await handlers['engine:status']({ unexpected: 1 });
    expect(extra.ok).toBe(false);
  });

  it('answers an unknown channel with an error value', async () => {
    const response = await makeCore().invoke('fs:read', { path: '/etc/passwd' });
    expect(response).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('turns an unexpected failure into an error value without a stack trace', async () => {
    const store = new JsonFileSettingsStore(path.join(dir, 'unwritable'));
    store.write = () => {
      throw new Error('EROFS: read-only file system\n    at writeFileSync (node:fs:1:1)');
    };
    core = createCore({ settings: store, env: {}, platform: 'linux', homedir: dir, username: 'ana' });
    const response = await core.handlers['settings:update']({ imageRef: 'local/aucmedi:1' });
    expect(response).toMatchObject({ ok: false, error: { code: 'SETTINGS_UNWRITABLE', detail: expect.stringMatching(/^EROFS/) } });
    if (!response.ok) expect(response.error.detail).not.toMatch(/\n|at writeFileSync/);
  });

  it('reports the app version', async () => {
    const response = await makeCore().handlers['app:info']({});
    expect(response).toMatchObject({ ok: true, data: { name: 'AUCMEDI Desk', version: expect.stringMatching(/^\d+\.\d+\.\d+/) } });
  });
});

describe('engine endpoint setting', () => {
  it('persists the endpoint, re-checks the engine at once and pushes the new status', async () => {
    const engine = await startFakeEngine({});
    try {
      const file = path.join(dir, 'endpoint.json');
      const c = makeCore({ DOCKER_HOST: `unix://${path.join(dir, 'absent.sock')}` }, file);
      const events: EngineStatus[] = [];
      c.subscribe((event) => event.type === 'engine:status' && events.push(event.status));
      const before = await c.handlers['engine:status']({});
      expect(before).toMatchObject({ ok: true, data: { code: 'ENGINE_NOT_RUNNING', endpointSource: 'DOCKER_HOST' } });

      const updated = await c.handlers['settings:update']({ engineEndpoint: `unix://${engine.socketPath}` });
      expect(updated).toMatchObject({ ok: true, data: { engineEndpoint: `unix://${engine.socketPath}` } });
      expect(new JsonFileSettingsStore(file).read().engineEndpoint).toBe(`unix://${engine.socketPath}`);
      expect(events.map((e) => e.code)).toEqual(['ENGINE_NOT_RUNNING', 'ENGINE_OK']);
      expect(events[1]!.endpointSource).toBe('settings');

      await c.handlers['settings:update']({ engineEndpoint: null });
      expect(events.at(-1)!).toMatchObject({ code: 'ENGINE_NOT_RUNNING', endpointSource: 'DOCKER_HOST' });
    } finally {
      await engine.close();
    }
  });

  it('says plainly when DOCKER_HOST is malformed', async () => {
    const response = await makeCore({ DOCKER_HOST: 'tcp://bad host' }).handlers['engine:diagnose']({});
    expect(response).toMatchObject({ ok: true, data: { ok: false, code: 'ENGINE_UNREACHABLE', message: expect.stringMatching(/address is not valid/) } });
  });
});
