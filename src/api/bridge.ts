import type { Channel, RequestOf, ResponseOf } from './channels';
import type { Response } from './errors';
import type { CoreEvent } from './events';

/** What the window sees as `window.aucmedi` (Electron preload, or the e2e harness). */
export interface AucmediBridge {
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Response<ResponseOf<C>>>;
  /** Returns a function that unsubscribes. */
  onEvent(listener: (event: CoreEvent) => void): () => void;
  /** The host path of a file or folder dropped on the window ('' when it has none). */
  pathForFile(file: File): string;
}
