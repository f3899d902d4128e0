import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW, parseWindowState, placeWindow, readWindowState, writeWindowState } from '../../../src/desktop/window-state';
import { tempDir } from '../../helpers/temp';

const laptop = { x: 0, y: 0, width: 1920, height: 1050 };
const monitor = { x: 1920, y: 0, width: 2560, height: 1400 };

describe('window state', () => {
  it('keeps a saved place on a screen that is still there', () => {
    const saved = { x: 2000, y: 100, width: 1500, height: 900, maximized: false };
    expect(placeWindow(saved, [laptop, monitor])).toEqual(saved);
  });

  it('opens on a remaining screen when the saved one is gone, capped to it', () => {
    const placed = placeWindow({ x: 2000, y: 100, width: 2400, height: 1300, maximized: true }, [laptop]);
    expect(placed).toEqual({ width: 1920, height: 1050, maximized: true });
  });

  it('never opens smaller than the minimum', () => {
    expect(placeWindow({ width: 200, height: 100, maximized: false }, [laptop])).toEqual({ width: 960, height: 640, maximized: false });
  });

  it('reads back what it wrote, and the default from a missing, torn or hand-broken file', () => {
    const dir = tempDir('window-state');
    const file = path.join(dir, 'window-state.json');
    expect(readWindowState(file)).toEqual(DEFAULT_WINDOW);
    writeWindowState(file, { x: 10, y: 20, width: 1000, height: 700, maximized: true });
    expect(readWindowState(file)).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: true });
    expect(JSON.parse(readFileSync(file, 'utf8')).width).toBe(1000);
    writeFileSync(file, '{"width": 10');
    expect(readWindowState(file)).toEqual(DEFAULT_WINDOW);
    expect(parseWindowState({ width: '1000', height: 700 })).toEqual(DEFAULT_WINDOW);
    expect(parseWindowState({ width: 1000, height: 700, x: 1.5, y: 3 })).toEqual({ width: 1000, height: 700, maximized: false });
  });
});
