import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../settings/store';

/** The main window's size and place, kept between starts (`window-state.json` in the app data folder). */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW: WindowState = { width: 1280, height: 820, maximized: false };
export const MIN_WINDOW = { width: 960, height: 640 } as const;

const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** What was saved, if it is a window state at all (a hand-edited or torn file gives the default). */
export function parseWindowState(saved: unknown): WindowState {
  if (typeof saved !== 'object' || saved === null) return DEFAULT_WINDOW;
  const { x, y, width, height, maximized } = saved as Record<string, unknown>;
  if (!isInt(width) || !isInt(height) || width <= 0 || height <= 0) return DEFAULT_WINDOW;
  const place = isInt(x) && isInt(y) ? { x, y } : {};
  return { ...place, width, height, maximized: maximized === true };
}

/**
 * Where to open the window: the saved place if enough of its title bar lies on a screen that is
 * still there (a laptop undocked from its second monitor opens on the first screen, centred), the
 * size capped to the largest screen and never under the minimum.
 */
export function placeWindow(state: WindowState, workAreas: readonly Rect[]): WindowState {
  const largest = workAreas.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a), workAreas[0] ?? { x: 0, y: 0, width: state.width, height: state.height });
  const width = Math.max(MIN_WINDOW.width, Math.min(state.width, largest.width));
  const height = Math.max(MIN_WINDOW.height, Math.min(state.height, largest.height));
  const sized = { width, height, maximized: state.maximized };
  if (state.x === undefined || state.y === undefined) return sized;
  const titleBar = { x: state.x, y: state.y, width, height: 32 };
  const visible = workAreas.some((area) => overlap(titleBar, area) >= Math.min(100, width) * titleBar.height);
  return visible ? { ...sized, x: state.x, y: state.y } : sized;
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

export function readWindowState(file: string): WindowState {
  try {
    return parseWindowState(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return DEFAULT_WINDOW;
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  writeFileAtomic(file, `${JSON.stringify(state)}\n`);
}
