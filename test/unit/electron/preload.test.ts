import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { AucmediBridge } from '../../../src/api/bridge';
import { EVENT_CHANNEL } from '../../../src/api/channels';

const exposed: Record<string, unknown> = {};
const invoked: Array<[string, unknown]> = [];
const listeners = new Map<string, Set<(...args: unknown[]) => void>>();

// A fake electron module: what a sandboxed preload can reach.
vi.mock('electron', () => ({
  webUtils: { getPathForFile: (file: { name: string }) => `/dropped/${file.name}` },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
  ipcRenderer: {
    invoke: async (channel: string, request: unknown) => {
      invoked.push([channel, request]);
      return { ok: true, data: 'pong' };
    },
    on: (channel: string, listener: (...args: unknown[]) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener: (channel: string, listener: (...args: unknown[]) => void) => listeners.get(channel)?.delete(listener),
  },
}));

beforeAll(async () => {
  await import('../../../electron/preload');
});

describe('preload bridge', () => {
  it('gives the host path of a dropped file through webUtils', () => {
    expect((exposed.aucmedi as AucmediBridge).pathForFile({ name: 'image.tar' } as File)).toBe('/dropped/image.tar');
  });

  it('exposes window.aucmedi with invoke, onEvent and pathForFile, and nothing else', () => {
    expect(Object.keys(exposed)).toEqual(['aucmedi']);
    expect(Object.keys(exposed.aucmedi as object).sort()).toEqual(['invoke', 'onEvent', 'pathForFile']);
  });

  it('forwards known channels to the main process', async () => {
    const bridge = exposed.aucmedi as AucmediBridge;
    await expect(bridge.invoke('engine:status', {})).resolves.toEqual({ ok: true, data: 'pong' });
    expect(invoked).toEqual([['engine:status', {}]]);
  });

  it('refuses channels outside the contract without reaching the main process', async () => {
    const bridge = exposed.aucmedi as AucmediBridge;
    await expect(bridge.invoke('shell:exec' as never, {} as never)).rejects.toThrow(/unknown channel/);
    expect(invoked.map(([channel]) => channel)).not.toContain('shell:exec');
  });

  it('delivers core events to listeners until they unsubscribe', () => {
    const bridge = exposed.aucmedi as AucmediBridge;
    const received: unknown[] = [];
    const off = bridge.onEvent((event) => received.push(event));
    const emit = (payload: unknown) => listeners.get(EVENT_CHANNEL)!.forEach((l) => l({ sender: 'ipc' }, payload));
    emit({ type: 'engine:status' });
    off();
    expect(listeners.get(EVENT_CHANNEL)!.size).toBe(0);
    expect(received).toEqual([{ type: 'engine:status' }]);
  });
});
