import type { AucmediBridge, Channel, RequestOf, ResponseOf, Response, CoreEvent } from '../../src/api';

declare global {
  interface Window {
    aucmedi?: AucmediBridge;
  }
}

const MISSING: Response<never> = {
  ok: false,
  error: {
    code: 'INTERNAL',
    message: 'This window is not connected to the AUCMEDI Desk core.',
    action: 'Open the app from its icon instead of opening this page in a browser.',
  },
};

/** The page's only way to the core. */
export function invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Response<ResponseOf<C>>> {
  const bridge = window.aucmedi;
  if (!bridge) return Promise.resolve(MISSING);
  return bridge.invoke(channel, request).catch(
    (error: unknown): Response<never> => ({
      ok: false,
      error: {
        code: 'INTERNAL',
        message: 'The request did not reach the core.',
        action: 'Try again; restart the app if it keeps happening.',
        detail: error instanceof Error ? error.message : String(error),
      },
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
