import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS, EVENT_CHANNEL } from '../src/api/channels';
import { localizedError, type Response } from '../src/api/errors';
import { msg } from '../src/i18n/message';
import type { Core } from '../src/core';

export interface IpcDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  core: Pick<Core, 'handlers'>;
  /** True only for the app's own window showing the app's own page. */
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
}

/** One `ipcMain.handle` per channel of the core's handler table; returns a function that unregisters them. */
export function registerIpc({ ipcMain, core, isTrustedSender }: IpcDeps): () => void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, (event, request: unknown): Promise<Response<unknown>> => {
      if (!isTrustedSender(event)) return Promise.resolve(untrusted(channel));
      return core.handlers[channel](request);
    });
  }
  return () => {
    for (const channel of CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Sends every core event to the window while it exists; returns the unsubscribe function. */
export function forwardEvents(core: Pick<Core, 'subscribe'>, target: { isDestroyed(): boolean; send(channel: string, payload: unknown): void }): () => void {
  return core.subscribe((event) => {
    if (!target.isDestroyed()) target.send(EVENT_CHANNEL, event);
  });
}

function untrusted(channel: string): Response<never> {
  return { ok: false, error: localizedError('UNTRUSTED_SENDER', msg('desktop:untrusted.message', { channel }), msg('desktop:untrusted.action')) };
}
