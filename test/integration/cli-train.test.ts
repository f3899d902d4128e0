import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingRecord } from '../../src/api/runs';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const ready = requireEngine() && requireBuild();
const CLI = path.resolve('dist/cli/aucmedi-desk.mjs');
/**
 * The CLI passes no extra environment to run containers (createCore's `runEnv` is for tests that
 * create a core themselves), so the stand-in is slowed down by an image of its own that carries
 * AUCMEDI_STANDIN_BATCH_DELAY: 0.2 s a batch, 4 batches an epoch (16 images, 85 % of them in
 * training, batch size 4), so 50 epochs would take about 40 s.
 */
const SLOW_TAG = 'aucmedi-desk/aucmedi-stand-in:cli-train-slow';
/** The stop gives the container 10 s after SIGTERM (the stand-in, PID 1, ignores it), then kills it. */
const EXIT_WITHIN_MS = 45_000;

interface CliRun {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout line that matches. */
  line: (pattern: RegExp, timeoutMs: number) => Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

describe.runIf(ready)('aucmedi-desk train, stopped with Ctrl-C (built CLI, stand-in image)', () => {
  const home = tempDir();
  const dataset = path.join(home, 'dataset');
  const children: ChildProcessWithoutNullStreams[] = [];
  let outputs = 0;

  const train = (json: boolean, architecture = 'Vanilla', extra: string[] = []): { run: CliRun; out: string } => {
    const out = path.join(home, `out-${(outputs += 1)}`);
    const args = ['train', dataset, ...extra, '--architecture', architecture, '--epochs', '50', '--batch-size', '4', '--gpus', 'none', '--out', out, '--image', SLOW_TAG];
    const child = spawn(process.execPath, [CLI, ...args, ...(json ? ['--json'] : [])], { env: { ...process.env, AUCMEDI_DESK_HOME: home } });
    children.push(child);
    let stdout = '';
    let stderr = '';
    const waiters: Array<() => void> = [];
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      for (const waiter of [...waiters]) waiter();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    const line = (pattern: RegExp, timeoutMs: number) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const found = stdout.split('\n').find((l) => pattern.test(l));
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(found);
        };
        const timer = setTimeout(() => reject(new Error(`no line ${pattern} within ${timeoutMs} ms:\n${stdout}\n${stderr}`)), timeoutMs);
        waiters.push(check);
        void exited.then(() => reject(new Error(`the CLI ended without a line ${pattern}:\n${stdout}\n${stderr}`)));
        check();
      });
    return { run: { child, stdout: () => stdout, stderr: () => stderr, line, exited }, out };
  };
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, AUCMEDI_DESK_HOME: home } });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.on('exit', (code) => resolve({ code, stdout }));
    });
  const containersOf = (runId: string) => docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${runId}`]).stdout;
  /** The record the CLI prints at the end with --json: what follows the one-line epoch objects. */
  const finalRecord = (stdout: string): TrainingRecord =>
    JSON.parse(
      stdout
        .split('\n')
        .filter((l) => !l.startsWith('{"runId":'))
        .join('\n'),
    );

  beforeAll(() => {
    buildStandIn();
    docker(['build', '--network', 'none', '-q', '-t', SLOW_TAG, '-'], {
      input: `FROM ${STAND_IN_TAG}\nENV AUCMEDI_STANDIN_BATCH_DELAY=0.2\nLABEL org.aucmedi-desk.test-copy="${SLOW_TAG}"\n`,
    });
    makeClassDataset(dataset, { classes: { benign: 8, malignant: 8 }, size: 16, seed: 5 });
  }, 900_000);
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Whatever a failed test left behind: containers of runs started from this home.
    for (const name of existsSync(path.join(home, 'runs')) ? readdirSync(path.join(home, 'runs')) : []) {
      const ids = containersOf(name.replace(/\.json$/, ''));
      if (ids) docker(['rm', '-f', '-v', ...ids.split('\n')], { allowFail: true });
    }
    docker(['rmi', SLOW_TAG], { allowFail: true });
  });

  it('Ctrl-C after the first epoch: says it stops, exits 130, the run is cancelled, its container removed, the models kept and listed', async () => {
    const { run, out } = train(true);
    const first = JSON.parse(await run.line(/^\{"runId":.*"epoch":\{"epoch":1,/, 120_000)) as { runId: string };
    const runId = first.runId;
    expect(containersOf(runId)).not.toBe('');
    const interrupted = Date.now();
    run.child.kill('SIGINT');
    const exit = await Promise.race([run.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the CLI did not exit within ${EXIT_WITHIN_MS} ms of Ctrl-C:\n${run.stderr()}`)), EXIT_WITHIN_MS))]);

    // README: exit 130 when Ctrl-C stopped the run (as shells report it), 0 only for success. The CLI ends by itself, not by the signal.
    expect(exit, run.stderr()).toMatchObject({ code: 130, signal: null });
    expect(exit.at - interrupted).toBeLessThan(EXIT_WITHIN_MS);
    expect(run.stderr()).toContain('Stopping the run. The best model so far (model.best_loss.keras');
    const record = finalRecord(run.stdout());
    expect(record).toMatchObject({ id: runId, state: 'cancelled', outputDir: out });
    expect(record.epochs.length).toBeGreaterThanOrEqual(1);
    expect(record.epochs.length).toBeLessThan(50);
    expect(record.modelFiles).toContain('model.best_loss.keras');
    expect(existsSync(path.join(out, 'model.best_loss.keras'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'))).toMatchObject({ run: { id: runId, state: 'cancelled' } });
    expect(containersOf(runId)).toBe('');

    // The stored record says the same, and lists the models.
    const shown = await cli(['runs', 'show', runId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^Training ${runId}: cancelled`, 'm'));
    expect(shown.stdout).toMatch(/Models: +model\.best_loss\.keras/);
  }, 240_000);

  it('SIGTERM (a service manager\'s stop) as Ctrl-C, on an advanced training: says it keeps no model, ends cancelled, and lists none (composite.py folds)', async () => {
    const { run, out } = train(false, 'Vanilla,Vanilla', ['--analysis', 'advanced']);
    await run.line(/^Epoch 2: /, 120_000);
    run.child.kill('SIGTERM');
    const exit = await Promise.race([run.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the CLI did not exit within ${EXIT_WITHIN_MS} ms of Ctrl-C:\n${run.stderr()}`)), EXIT_WITHIN_MS))]);
    expect(exit, run.stderr()).toMatchObject({ code: 130, signal: null });
    expect(run.stderr()).toContain('Stopping the run. An advanced run keeps no model when stopped');
    expect(run.stderr()).not.toMatch(/saved so far|are kept/);
    const runId = /^Training (run-\S+): cancelled$/m.exec(run.stdout())?.[1];
    expect(runId, run.stdout()).toBeDefined();
    expect(run.stdout()).toMatch(/Models: +none\. No model was kept: an advanced run/);
    expect(readdirSync(out).filter((name) => /\.(keras|h5|pickle)$/.test(name))).toEqual([]);
    expect(containersOf(runId!)).toBe('');
  }, 240_000);

  it('a second Ctrl-C while stopping changes nothing: the run still ends cancelled and is said so (text output)', async () => {
    const { run, out } = train(false);
    await run.line(/^Epoch 1: /, 120_000);
    run.child.kill('SIGINT');
    // the stop itself takes well under a second (SIGINT ends AUCMEDI at once): press again as soon as it is under way
    const pressedAt = Date.now();
    while (!run.stderr().includes('Stopping the run') && Date.now() - pressedAt < 10_000) await new Promise((r) => setTimeout(r, 5));
    run.child.kill('SIGINT');
    const exit = await Promise.race([run.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the CLI did not exit within ${EXIT_WITHIN_MS} ms of Ctrl-C:\n${run.stderr()}`)), EXIT_WITHIN_MS))]);
    expect(exit, run.stderr()).toMatchObject({ code: 130, signal: null });
    expect(run.stderr()).toContain('Stopping the run. The best model so far (model.best_loss.keras');
    expect(run.stderr()).toContain('Still stopping the run');
    const runId = /^Training (run-\S+): cancelled$/m.exec(run.stdout())?.[1];
    expect(runId, run.stdout()).toBeDefined();
    expect(run.stdout()).toContain(`Output:     ${out}`);
    expect(run.stdout()).toMatch(/Models: +model\.best_loss\.keras/);
    expect(containersOf(runId!)).toBe('');
  }, 240_000);

  it('Ctrl-C while the run is being started stops it once started instead of leaving its container training', async () => {
    const { run, out } = train(true);
    // The record is written (state preparing) just before the container is created and started.
    const runs = path.join(home, 'runs');
    const known = new Set(existsSync(runs) ? readdirSync(runs) : []);
    const record = await new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + 120_000;
      const poll = setInterval(() => {
        const fresh = (existsSync(runs) ? readdirSync(runs) : []).find((n) => n.endsWith('.json') && !known.has(n));
        if (fresh) {
          clearInterval(poll);
          resolve(fresh.replace(/\.json$/, ''));
        } else if (Date.now() > deadline || run.child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`no run record appeared:\n${run.stderr()}`));
        }
      }, 5);
    });
    run.child.kill('SIGINT');
    const exit = await Promise.race([run.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the CLI did not exit within ${EXIT_WITHIN_MS} ms of Ctrl-C:\n${run.stderr()}`)), EXIT_WITHIN_MS))]);
    expect(exit, run.stderr()).toMatchObject({ code: 130, signal: null });
    expect(run.stderr()).toContain('Stopping');
    const printed = finalRecord(run.stdout());
    expect(printed).toMatchObject({ id: record, state: 'cancelled', outputDir: out });
    expect(containersOf(record)).toBe('');
    const shown = await cli(['runs', 'show', record, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: record, state: 'cancelled' });
  }, 240_000);
});
