import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../src/api/types';
import { JsonFileSettingsStore, sanitizeSettings, userDataDir } from '../../../src/settings/store';
import { tempDir } from '../../helpers/temp';

describe('JsonFileSettingsStore', () => {
  const dir = tempDir();

  it('starts from the defaults and keeps what was written', () => {
    const store = new JsonFileSettingsStore(path.join(dir, 'a', 'settings.json'));
    expect(store.read()).toEqual(DEFAULT_SETTINGS);
    store.write({ ...DEFAULT_SETTINGS, engineEndpoint: 'unix:///x.sock' });
    expect(new JsonFileSettingsStore(store.file).read().engineEndpoint).toBe('unix:///x.sock');
    expect(readdirSync(path.dirname(store.file))).toEqual(['settings.json']); // no temporary file left behind
  });

  it('keeps an unreadable file aside instead of overwriting it, and starts from the defaults', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"engineEndpoint": "unix:///x.s');
    const store = new JsonFileSettingsStore(file);
    expect(store.read()).toEqual(DEFAULT_SETTINGS);
    const kept = readdirSync(dir).filter((name) => name.startsWith('broken.json.unreadable-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(dir, kept[0]!), 'utf8')).toContain('unix:///x.s');
    expect(existsSync(file)).toBe(false);
  });
});

describe('sanitizeSettings', () => {
  it('keeps valid fields, drops invalid and unknown ones', () => {
    expect(sanitizeSettings({ engineEndpoint: 'ftp://nope', imageRef: 'local/aucmedi:1', other: 1, recentDatasets: [{ path: 'relative' }], language: 'fr' })).toEqual({
      engineEndpoint: null,
      imageRef: 'local/aucmedi:1',
      recentDatasets: [],
      runsDir: null,
      weightsDir: null,
      language: 'system',
      engines: [],
      uploadConsents: [],
    });
    expect(sanitizeSettings({ language: 'de' }).language).toBe('de');
    // the data-protection yes is kept per engine and address; a malformed one is dropped
    const consent = { engine: 'gpu-server', url: 'tcp://gpu.example:2376', at: '2026-12-04T10:00:00.000Z' };
    expect(sanitizeSettings({ uploadConsents: [consent] }).uploadConsents).toEqual([consent]);
    expect(sanitizeSettings({ uploadConsents: [{ ...consent, engine: '' }] }).uploadConsents).toEqual([]);
    const gpuServer = { name: 'gpu-server', url: 'tcp://gpu.example:2376', tls: { ca: '/etc/certs/ca.pem', cert: '/etc/certs/cert.pem', key: '/etc/certs/key.pem' }, identityFile: null };
    expect(sanitizeSettings({ engines: [gpuServer] }).engines).toEqual([gpuServer]);
    // a tcp:// engine without TLS is never kept: its connection could not be verified
    expect(sanitizeSettings({ engines: [{ ...gpuServer, tls: null }] }).engines).toEqual([]);
    expect(sanitizeSettings({ engines: [{ ...gpuServer, url: 'unix:///var/run/docker.sock' }] }).engines).toEqual([]);
    const recent = [{ path: '/data/chest', gtFile: null, ohe: false, usedAt: '2026-11-24T10:00:00.000Z' }];
    expect(sanitizeSettings({ recentDatasets: recent }).recentDatasets).toEqual(recent);
    expect(sanitizeSettings('garbage')).toEqual(DEFAULT_SETTINGS);
  });
});

describe('userDataDir', () => {
  it('is where Electron keeps userData, per platform, unless AUCMEDI_DESK_HOME says otherwise', () => {
    expect(userDataDir('linux', {}, '/home/ana')).toBe('/home/ana/.config/AUCMEDI Desk');
    expect(userDataDir('linux', { XDG_CONFIG_HOME: '/cfg' }, '/home/ana')).toBe('/cfg/AUCMEDI Desk');
    expect(userDataDir('darwin', {}, '/Users/ana')).toBe('/Users/ana/Library/Application Support/AUCMEDI Desk');
    expect(userDataDir('win32', { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'C:\\Users\\ana')).toBe('C:\\Users\\ana\\AppData\\Roaming\\AUCMEDI Desk');
    expect(userDataDir('linux', { AUCMEDI_DESK_HOME: '/tmp/x' }, '/home/ana')).toBe('/tmp/x');
  });
});
