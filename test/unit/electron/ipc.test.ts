import path from 'node:path';
import type { IpcMain } from 'electron';
import { describe, expect, it } from 'vitest';
import { CHANNELS, EVENT_CHANNEL } from '../../../src/api/channels';
import type { CoreEvent } from '../../../src/api/events';
import { createCore } from '../../../src/core';
import { JsonFileSettingsStore } from '../../../src/settings/store';
import { forwardEvents, registerIpc } from '../../../electron/ipc';
import { tempDir } from '../../helpers/temp';

type Handler = (event: unknown, request: unknown) => Promise<unknown>;

/** A fake of electron's ipcMain: records handlers, lets the test invoke them as a sender would. */
function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const fake = {
    handlers,
    handle(channel: string, handler: Handler) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, handler);
    },
    removeHandler(channel: string) {
      handlers.delete(channel);
    },
  };
  return fake as unknown as Pick<IpcMain, 'handle' | 'removeHandler'> & { handlers: Map<string, Handler> };
}
const isTrusted = (event: unknown) => (event as { trusted: boolean }).trusted;

const dir = tempDir();
const core = createCore({ settings: new JsonFileSettingsStore(path.join(dir, 's.json')), env: { DOCKER_HOST: `unix://${dir}/none.sock` }, platform: 'linux' });
const trusted = { trusted: true };
const stranger = { trusted: false };

describe('registerIpc', () => {
  it('registers exactly one handler per channel, and unregisters them', () => {
    const ipcMain = fakeIpcMain();
    const unregister = registerIpc({ ipcMain, core, isTrustedSender: () => true });
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
    unregister();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('passes requests from the app window to the core', async () => {
    const ipcMain = fakeIpcMain();
    registerIpc({ ipcMain, core, isTrustedSender: isTrusted });
    const response = await ipcMain.handlers.get('settings:get')!(trusted, {});
    expect(response).toMatchObject({ ok: true, data: { engineEndpoint: null } });
  });

  it('refuses requests from any other sender, without running the handler', async () => {
    const ipcMain = fakeIpcMain();
    registerIpc({ ipcMain, core, isTrustedSender: isTrusted });
    const response = await ipcMain.handlers.get('settings:update')!(stranger, { imageRef: 'evil/image' });
    expect(response).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
    const settings = await ipcMain.handlers.get('settings:get')!(trusted, {});
    expect(settings).toMatchObject({ data: { imageRef: 'ghcr.io/frankkramer-lab/aucmedi:latest' } });
  });

  it('rejects an invalid request with a clear error', async () => {
    const ipcMain = fakeIpcMain();
    registerIpc({ ipcMain, core, isTrustedSender: () => true });
    const response = await ipcMain.handlers.get('settings:update')!(trusted, { engineEndpoint: '../../etc/passwd' });
    expect(response).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/engineEndpoint: must start with unix:\/\//) } });
  });
});

describe('forwardEvents', () => {
  it('sends core events to the window on the event channel until the window is gone', () => {
    let listener: ((event: CoreEvent) => void) | null = null;
    const fakeCore = {
      subscribe(l: (event: CoreEvent) => void) {
        listener = l;
        return () => {
          listener = null;
        };
      },
    };
    const sent: Array<[string, unknown]> = [];
    let destroyed = false;
    const unsubscribe = forwardEvents(fakeCore, { isDestroyed: () => destroyed, send: (channel, payload) => sent.push([channel, payload]) });
    const event = { type: 'engine:status', status: { code: 'ENGINE_OK' } } as unknown as CoreEvent;
    listener!(event);
    destroyed = true;
    listener!(event);
    expect(sent).toEqual([[EVENT_CHANNEL, event]]);
    unsubscribe();
    expect(listener).toBeNull();
  });
});
