import type { AppInfo, EngineStatus, Settings } from './types';

type Empty = Record<string, never>;

/** The one contract between window and core: channel -> request and response. */
export interface ChannelMap {
  'app:info': { request: Empty; response: AppInfo };
  'engine:status': { request: Empty; response: EngineStatus };
  'engine:diagnose': { request: Empty; response: EngineStatus };
  'settings:get': { request: Empty; response: Settings };
  'settings:update': { request: Partial<Settings>; response: Settings };
}

export type Channel = keyof ChannelMap;
export type RequestOf<C extends Channel> = ChannelMap[C]['request'];
export type ResponseOf<C extends Channel> = ChannelMap[C]['response'];

export const CHANNELS = [
  'app:info',
  'engine:status',
  'engine:diagnose',
  'settings:get',
  'settings:update',
] as const satisfies readonly Channel[];

/** The Electron channel that carries core events to the window. */
export const EVENT_CHANNEL = 'core:event';

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
