import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
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

describe('a stale lock found by many processes at once', () => {
  it('is taken over by exactly one of them; every other one names that one as the holder', async () => {
    const dir = tempDir('aucmedi-lock-race-');
    const racer = path.join(dir, 'racer.mjs');
    // Each racer waits for the go file, takes the lock, says what it got, and lives on a while holding it.
    await build({
      stdin: {
        contents: `import { existsSync } from 'node:fs';
          import { takeLock } from ${JSON.stringify(path.resolve('src/runs/follower-lock.ts'))};
          const [file, go] = process.argv.slice(2);
          console.log('ready');
          while (!existsSync(go)) await new Promise((r) => setTimeout(r, 1));
          console.log(JSON.stringify({ pid: process.pid, got: takeLock(file) }));
          setTimeout(() => {}, 1500);`,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: racer,
      logLevel: 'warning',
    });
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const RACERS = 16;
    for (let round = 1; round <= 4; round++) {
      const file = path.join(dir, `run-${round}.follower`);
      const go = path.join(dir, `go-${round}`);
      writeFileSync(file, JSON.stringify({ pid: dead.pid, host: os.hostname(), since: 'long ago' }));
      const children = Array.from({ length: RACERS }, () => spawn(process.execPath, [racer, file, go], { stdio: ['ignore', 'pipe', 'inherit'] }));
      const outputs = children.map((child) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
        return { ready: () => text.includes('ready'), result: () => text.split('\n').find((line) => line.startsWith('{')) };
      });
      while (!outputs.every((o) => o.ready())) await new Promise((resolve) => setTimeout(resolve, 10));
      writeFileSync(go, '');
      while (!outputs.every((o) => o.result())) await new Promise((resolve) => setTimeout(resolve, 10));
      const results = outputs.map((o) => JSON.parse(o.result()!) as { pid: number; got: { pid: number } | null });
      const winners = results.filter((r) => r.got === null);
      expect(winners, `round ${round}`).toHaveLength(1);
      expect(results.filter((r) => r.got !== null).every((r) => r.got!.pid === winners[0]!.pid), `round ${round}`).toBe(true);
      expect(new FollowerLocks(dir).holder(`run-${round}`)?.pid).toBe(winners[0]!.pid);
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
    }
  }, 120_000);
});
