import type { AucmediBridge, Channel, RequestOf, ResponseOf, Response, CoreEvent } from '../../src/api';
import { localizedError } from '../../src/api/errors';
import { msg } from '../../src/i18n';

declare global {
  interface Window {
    aucmedi?: AucmediBridge;
  }
}

/** English `message`/`action` as before, with the catalog messages for the window's language. */
const missing = (): Response<never> => ({
  ok: false,
  error: localizedError('INTERNAL', msg('training:bridge.notConnected'), msg('training:bridge.notConnectedAction')),
});

/** The page's only way to the core. */
export function invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Response<ResponseOf<C>>> {
  const bridge = window.aucmedi;
  if (!bridge) return Promise.resolve(missing());
  return bridge.invoke(channel, request).catch(
    (error: unknown): Response<never> => ({
      ok: false,
      error: localizedError('INTERNAL', msg('training:bridge.notReached'), msg('training:bridge.notReachedAction'), error instanceof Error ? error.message : String(error)),
    }),
  );
}

export function onCoreEvent(listener: (event: CoreEvent) => void): () => void {
  return window.aucmedi?.onEvent(listener) ?? (() => undefined);
}

export const isConnected = () => Boolean(window.aucmedi);

/** The host path of a dropped file, or '' when the window cannot know it. */
export const pathForFile = (file: File): string => window.aucmedi?.pathForFile(file) ?? '';

let counter = 0;
/** An id for a long operation, so its progress events and a cancel can name it. */
export const newOperationId = (kind: string) => `${kind}-${Date.now().toString(36)}-${(counter += 1)}`;
