import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FollowerLocks } from '../../../src/runs/follower-lock';
import { tempDir } from '../../helpers/temp';

describe('one follower per run', () => {
  it('refuses a second live follower, takes over a stale lock, and releases only its own', async () => {
    const dir = tempDir('aucmedi-locks-');
    const locks = new FollowerLocks(dir);
    expect(locks.acquire('run-1')).toBeNull();
    expect(locks.holder('run-1')).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect(locks.acquire('run-1')).toBeNull(); // the same process again (reattach) is fine

    // another live process holds run-2
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    await new Promise((resolve) => other.once('spawn', resolve));
    writeFileSync(path.join(dir, 'run-2.follower'), JSON.stringify({ pid: other.pid, host: os.hostname(), since: 'x' }));
    expect(locks.acquire('run-2')).toMatchObject({ pid: other.pid });
    locks.release('run-2');
    expect(locks.holder('run-2')).toMatchObject({ pid: other.pid });

    // ... and ends: its lock is stale
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    expect(locks.acquire('run-2')).toBeNull();
    expect(locks.holder('run-2')?.pid).toBe(process.pid);
    locks.release('run-2');
    expect(locks.holder('run-2')).toBeNull();

    // a holder on another computer cannot be checked: it counts as alive
    writeFileSync(path.join(dir, 'run-3.follower'), JSON.stringify({ pid: 1, host: 'elsewhere', since: 'x' }));
    expect(locks.acquire('run-3')).toMatchObject({ host: 'elsewhere' });
  });
});
