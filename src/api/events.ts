import type { EngineStatus } from './types';

/** Everything the core pushes to the window, on one stream. */
export type CoreEvent = { type: 'engine:status'; status: EngineStatus };

export type CoreEventType = CoreEvent['type'];
