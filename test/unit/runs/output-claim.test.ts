/**
 * The output folder of a run is claimed before anything is written into it (issue 18, items 1, 2
 * and 12): two starts into one folder never both proceed; a folder whose parents cannot be made the
 * normal way (/proc) is refused at once instead of spinning; a refused start leaves no folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { UserErrorException } from '../../../src/api/errors';
import { makeFolders } from '../../../src/folders';
import { claimOutputFolder, OUTPUT_CLAIM_FILE } from '../../../src/runs/preflight';
import { tempDir } from '../../helpers/temp';

const refusal = (action: () => unknown) => {
  try {
    action();
  } catch (error) {
    if (error instanceof UserErrorException) return error.userError;
    throw error;
  }
  throw new Error('not refused');
};

/** makeFolders in a child process: a loop that never ends would block this test process for ever. */
function makeFoldersInChild(dir: string): { status: number | null; output: string } {
  const bundle = path.join(tempDir('aucmedi-folders-'), 'folders.mjs');
  buildSync({ entryPoints: ['src/folders.ts'], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
  const script = `import(${JSON.stringify(bundle)}).then((m) => { try { m.makeFolders(${JSON.stringify(dir)}); console.log('made'); } catch (e) { console.log('refused', e.code); } })`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  return { status: child.status, output: child.stdout };
}

describe('makeFolders', () => {
  it.runIf(process.platform === 'linux')('ends with the refusal under /proc, where Node\'s recursive mkdir spins for ever', () => {
    for (const dir of ['/proc/aucmedi-newdir', '/proc/aucmedi-newdir/deeper/still', '/proc/self/aucmedi-x']) {
      const result = makeFoldersInChild(dir);
      expect(result.status, `${dir}: did not end within 10 s`).toBe(0);
      expect(result.output).toMatch(/^refused (ENOENT|EACCES|EPERM)/);
    }
  });

  it('creates the missing levels only, says which, and ends on a dangling link or a file in the way', () => {
    const root = tempDir('aucmedi-folders-');
    mkdirSync(path.join(root, 'there'));
    expect(makeFolders(path.join(root, 'there', 'a', 'b'))).toEqual([path.join(root, 'there', 'a'), path.join(root, 'there', 'a', 'b')]);
    expect(makeFolders(path.join(root, 'there', 'a', 'b'))).toEqual([]);
    symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
    expect(() => makeFolders(path.join(root, 'dangling', 'out'))).toThrow(/EEXIST/);
    writeFileSync(path.join(root, 'file'), '');
    expect(() => makeFolders(path.join(root, 'file', 'out'))).toThrow(/ENOTDIR|not a folder/);
  });
});

describe('claimOutputFolder', () => {
  it('refuses a second start into a folder being claimed, by this process or another live one, and takes over a stale claim', async () => {
    const root = tempDir('aucmedi-claim-');
    const dir = path.join(root, 'out');
    const first = claimOutputFolder(dir);
    expect(refusal(() => claimOutputFolder(dir))).toMatchObject({ code: 'OUTPUT_FOLDER_UNUSABLE', message: `Another run is being started into the output folder ${dir}.` });
    first.release();
    expect(readdirSync(dir)).toEqual([]);

    // another live process holds the claim (as a second `train` command would)
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    await new Promise((resolve) => other.once('spawn', resolve));
    writeFileSync(path.join(dir, OUTPUT_CLAIM_FILE), JSON.stringify({ pid: other.pid, host: os.hostname(), since: 'x' }));
    expect(refusal(() => claimOutputFolder(dir)).message).toBe(`Another run is being started into the output folder ${dir}.`);
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    // its process ended before it wrote anything: the claim is stale and taken over
    const taken = claimOutputFolder(dir);
    taken.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a folder that is not empty and leaves it as it was', () => {
    const dir = tempDir('aucmedi-claim-');
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    expect(refusal(() => claimOutputFolder(dir)).message).toMatch(/is not empty/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('refuses a path Docker cannot mount before it makes any folder (no empty folder left behind)', () => {
    const root = tempDir('aucmedi-claim-');
    const dir = path.join(root, 'new', 'with:colon');
    expect(refusal(() => claimOutputFolder(dir))).toMatchObject({ code: 'MOUNT_PATH_INVALID' });
    expect(existsSync(path.join(root, 'new'))).toBe(false);
  });

  it.runIf(process.platform === 'linux')('refuses an output folder under /proc with a sentence', () => {
    expect(refusal(() => claimOutputFolder('/proc/aucmedi-newdir/out'))).toMatchObject({ code: 'OUTPUT_FOLDER_UNUSABLE', message: 'The output folder /proc/aucmedi-newdir/out cannot be created.' });
  });

  it('abandon: a start refused before its record leaves the folder as found (created levels removed, a chosen empty folder kept)', () => {
    const root = tempDir('aucmedi-claim-');
    const made = path.join(root, 'a', 'b');
    const claim = claimOutputFolder(made);
    mkdirSync(path.join(made, 'inputs'));
    writeFileSync(path.join(made, 'inputs', 'training.json'), '[]');
    claim.abandon();
    expect(existsSync(path.join(root, 'a'))).toBe(false);

    const chosen = path.join(root, 'chosen');
    mkdirSync(chosen);
    const again = claimOutputFolder(chosen);
    writeFileSync(path.join(chosen, 'run.log'), '');
    again.abandon();
    expect(readdirSync(chosen)).toEqual([]);
  });
});
