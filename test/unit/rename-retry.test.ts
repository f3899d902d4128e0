import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renameRetrying } from '../../src/rename-retry';
import { writeFileAtomic } from '../../src/settings/store';
import { tempDir } from '../helpers/temp';

/** A rename as Windows does it while a virus scanner holds the file: refused with `code` `times` times, then done. */
function heldFor(times: number, code = 'EPERM') {
  const calls: string[] = [];
  const rename = (from: string, to: string) => {
    calls.push(to);
    if (calls.length <= times) throw Object.assign(new Error(`${code}: operation not permitted, rename '${from}' -> '${to}'`), { code });
    renameSync(from, to);
  };
  return { rename, calls };
}

describe('atomic writes while Windows holds the file', () => {
  it('retries a rename refused with EPERM, EBUSY or EACCES until it goes through, and writes the new content', () => {
    const dir = tempDir('aucmedi-rename-');
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, '{"old":true}\n');
    for (const code of ['EPERM', 'EBUSY', 'EACCES']) {
      const held = heldFor(3, code);
      writeFileAtomic(file, `{"${code}":true}\n`, held.rename);
      expect(held.calls).toHaveLength(4);
      expect(readFileSync(file, 'utf8')).toBe(`{"${code}":true}\n`);
    }
    expect(readdirSync(dir)).toEqual(['settings.json']); // no temporary left
  });

  it('gives up after nine waits (about two seconds), keeps the old file whole and removes its temporary', () => {
    const dir = tempDir('aucmedi-rename-held-');
    const file = path.join(dir, 'queue.json');
    writeFileSync(file, '[1]');
    const held = heldFor(Infinity);
    expect(() => writeFileAtomic(file, '[2]', held.rename)).toThrow(/EPERM/);
    expect(held.calls.length).toBe(10);
    expect(readFileSync(file, 'utf8')).toBe('[1]');
    expect(readdirSync(dir)).toEqual(['queue.json']);
  });

  it('does not retry other errors', () => {
    const dir = tempDir('aucmedi-rename-other-');
    const held = heldFor(Infinity, 'ENOSPC');
    expect(() => renameRetrying(path.join(dir, 'a'), path.join(dir, 'b'), held.rename)).toThrow(/ENOSPC/);
    expect(held.calls).toHaveLength(1);
    expect(existsSync(path.join(dir, 'b'))).toBe(false);
  });
});
