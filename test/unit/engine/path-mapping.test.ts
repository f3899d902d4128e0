import { describe, expect, it } from 'vitest';
import { mapAll, mapPath } from '../../../src/engine/path-mapping';

describe('shared folders: where the server sees a path of this computer', () => {
  const mappings = [
    { local: '/mnt/share', remote: '/data/share' },
    { local: '/mnt/share/studies', remote: '/srv/studies' },
  ];
  it('maps paths inside a mapping, the longest local folder winning; never one beside it', () => {
    expect(mapPath(mappings, '/mnt/share/chest/x ray', 'linux')).toBe('/data/share/chest/x ray');
    expect(mapPath(mappings, '/mnt/share', 'linux')).toBe('/data/share');
    expect(mapPath(mappings, '/mnt/share/studies/ct', 'linux')).toBe('/srv/studies/ct');
    expect(mapPath(mappings, '/mnt/shared/chest', 'linux')).toBeNull();
    expect(mapPath(mappings, '/mnt/share/../elsewhere', 'linux')).toBeNull();
    expect(mapPath(mappings, '/home/me/chest', 'linux')).toBeNull();
  });

  it('takes Windows paths on Windows (any case of the drive, backslashes) to the server\'s POSIX path', () => {
    const windows = [{ local: 'S:\\Radiology', remote: '/mnt/radiology' }];
    expect(mapPath(windows, 'S:\\Radiology\\chest\\set1', 'win32')).toBe('/mnt/radiology/chest/set1');
    expect(mapPath(windows, 'C:\\Users\\me\\set', 'win32')).toBeNull();
  });

  it('a run uses the share only when every folder it mounts is on it', () => {
    expect(mapAll(mappings, ['/mnt/share/set', '/mnt/share/runs/run-1'], 'linux')?.('/mnt/share/set')).toBe('/data/share/set');
    expect(mapAll(mappings, ['/mnt/share/set', '/home/me/runs/run-1'], 'linux')).toBeNull();
    expect(mapAll([], ['/mnt/share/set'], 'linux')).toBeNull();
  });
});
