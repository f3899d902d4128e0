import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../electron/csp';
import { APP_ORIGIN } from '../../../electron/window';
import { packagedExecutable, refusedLines, SMOKE_PAGES, smokeVerdict, type Observations } from '../../electron-smoke/checks';

const sound: Observations = {
  origin: APP_ORIGIN,
  bridgeKeys: ['invoke', 'onEvent', 'pathForFile'],
  nodeGlobals: { require: 'undefined', process: 'undefined' },
  cspHeader: CONTENT_SECURITY_POLICY,
  evalAllowed: false,
  unknownChannelRefused: true,
  pagesVisited: [...SMOKE_PAGES],
  consoleErrors: [],
  foreignRequests: [],
  refusedRequests: [],
};

describe('the packaged-app smoke test (test/electron-smoke)', () => {
  it('visits every page of the sidebar', () => {
    expect(SMOKE_PAGES).toEqual(['setup', 'dataset', 'train', 'runs', 'predict', 'evaluate']);
  });

  it('passes a sound shell', () => {
    expect(smokeVerdict(sound, APP_ORIGIN)).toEqual([]);
  });

  it('fails on each thing wrong, naming it', () => {
    const cases: [Partial<Observations>, RegExp][] = [
      [{ origin: 'file://' }, /origin is file:\/\//],
      [{ bridgeKeys: ['invoke', 'onEvent', 'pathForFile', 'ipcRenderer'] }, /bridge offers/],
      [{ nodeGlobals: { require: 'function', process: 'undefined' } }, /Node is reachable/],
      [{ cspHeader: null }, /Content-Security-Policy null/],
      [{ evalAllowed: true }, /code from text/],
      [{ unknownChannelRefused: false }, /channel the app does not have/],
      [{ pagesVisited: ['setup'] }, /pages not reached: dataset, train, runs, predict, evaluate/],
      [{ consoleErrors: ['TypeError: x is undefined'] }, /console error: TypeError/],
      [{ foreignRequests: ['https://example.org/font.woff'] }, /network request: https:\/\/example.org/],
      [{ refusedRequests: ['runs:get: refused'] }, /refused window request/],
    ];
    for (const [change, expected] of cases) {
      const problems = smokeVerdict({ ...sound, ...change }, APP_ORIGIN);
      expect(problems, JSON.stringify(change)).toHaveLength(1);
      expect(problems[0]).toMatch(expected);
    }
  });

  it('reads refused requests from the app log', () => {
    const log = ['2026-12-04T10:00:00Z info start', '2026-12-04T10:00:01Z warn runs:get: refused The request ...', '2026-12-04T10:00:02Z warn settings:set: a request that could not be read was refused'].join('\n');
    expect(refusedLines(log)).toHaveLength(2);
  });

  it('finds the executable electron-builder --dir leaves on each OS', () => {
    expect(packagedExecutable('release', 'linux', 'x64')).toBe('release/linux-unpacked/aucmedi-desk');
    expect(packagedExecutable('release', 'win32', 'x64')).toBe('release/win-unpacked/AUCMEDI Desk.exe');
    expect(packagedExecutable('release', 'darwin', 'arm64')).toBe('release/mac-arm64/AUCMEDI Desk.app/Contents/MacOS/AUCMEDI Desk');
  });
});
