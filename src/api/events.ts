import type { EngineStatus, TransferProgress } from './types';

/** Everything the core pushes to the window, on one stream. */
export type CoreEvent =
  | { type: 'engine:status'; status: EngineStatus }
  | { type: 'image:progress'; progress: TransferProgress };

export type CoreEventType = CoreEvent['type'];
