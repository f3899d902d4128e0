/**
 * Issue 18, items 1, 2, 3, 4 and the output-folder part of 12, with the real engine and the built CLI:
 * - `runs stop|attach` of a well-formed id that does not exist is answered at once, and does not
 *   take over (and wait for) another run left running;
 * - a run whose container ended while no one followed it is recorded as it ended, never as
 *   cancelled by a later `runs stop`, and its container is removed;
 * - a malformed record in the runs folder is set aside and the rest of the history works;
 * - two `train` commands started at the same moment with one `--out`: one runs, one is refused;
 * - an output folder under /proc is refused at once (train, predict, evaluate), and a start refused
 *   for a mount path leaves no output folder behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore, SETTINGS_FILE_NAME } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const CLI = path.resolve('dist/cli/aucmedi-desk.mjs');
const UNKNOWN = 'run-20990101000000-abcdef';
const TRAIN_OPTIONS = { analysis: 'minimal', architectures: ['Vanilla'], batchSize: 4, workers: 1, threeDim: false } as const;

describe.runIf(requireEngine() && requireBuild())('hostile run ids, records and output folders (real engine, built CLI)', () => {
  const home = tempDir('aucmedi-hostile-runs-');
  const dataset = path.join(home, 'dataset');
  const runsDir = path.join(home, 'runs');
  const cores: Core[] = [];
  const env = { ...process.env, AUCMEDI_DESK_HOME: home };
  const cli = (args: string[], timeout = 60_000) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout });
  const cliAsync = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
  const appCore = (batchDelay: string) => {
    const core = createCore({ settings: new JsonFileSettingsStore(path.join(home, SETTINGS_FILE_NAME)), dataDir: home, runEnv: [`AUCMEDI_STANDIN_BATCH_DELAY=${batchDelay}`] });
    cores.push(core);
    return core;
  };
  const startDetached = async (epochs: number, batchDelay: string) => {
    const core = appCore(batchDelay);
    const started = await core.handlers['runs:start-training']({ dataset: { path: dataset, gtFile: null, ohe: false }, options: { ...TRAIN_OPTIONS, epochs }, gpus: { kind: 'none' } });
    if (!started.ok) throw new Error(started.error.message);
    core.dispose(); // the window closes; the run goes on, followed by no one
    return started.data;
  };
  const recordOf = (id: string) => JSON.parse(readFileSync(path.join(runsDir, `${id}.json`), 'utf8'));
  const containersOf = (id: string) => docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${id}`]).stdout.trim();
  let finishedRun = '';

  beforeAll(() => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { a: 8, b: 8 }, size: 16 });
    const settings = new JsonFileSettingsStore(path.join(home, SETTINGS_FILE_NAME));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir });
  }, 900_000);
  afterAll(() => {
    for (const core of cores) core.dispose();
    const runIds = existsSync(runsDir) ? readdirSync(runsDir).filter((name) => /^run-[\w-]+\.json$/.test(name)).map((name) => name.slice(0, -5)) : [];
    for (const id of runIds) for (const container of containersOf(id).split('\n').filter(Boolean)) docker(['rm', '-f', container], { allowFail: true });
  });

  it('answers an unknown run id at once, leaves another detached run alone, and sets a malformed record aside', async () => {
    const long = await startDetached(400, '0.1');
    writeFileSync(path.join(runsDir, 'run-partial.json'), JSON.stringify({ id: 'run-partial', mode: 'training', state: 'running' }));
    writeFileSync(path.join(runsDir, 'run-empty.json'), '{}');

    for (const action of ['stop', 'attach']) {
      const answer = cli(['runs', action, UNKNOWN], 30_000);
      expect(answer.status, `runs ${action}: ${answer.error ?? answer.stderr}`).toBe(1);
      expect(answer.stderr).toContain(`There is no run ${UNKNOWN}.`);
    }
    // the other run was not taken over: nobody follows it, its record is as the app left it
    expect(existsSync(path.join(runsDir, `${long.id}.follower`))).toBe(false);
    expect(recordOf(long.id).state).toBe('running');

    const listed = cli(['runs', 'list'], 30_000);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(long.id);
    expect(listed.stderr).toMatch(/Set aside: run-partial\.json could not be read: it is not a complete run record/);
    expect(listed.stderr).toMatch(/Set aside: run-empty\.json could not be read/);
    expect(existsSync(path.join(runsDir, 'run-partial.json.set-aside'))).toBe(true);
    expect(cli(['runs', 'list'], 30_000).stderr).not.toContain('Set aside'); // reported once

    // a real stop of a running run is a cancel, and ends with its container removed
    const stopped = cli(['runs', 'stop', long.id, '--json'], 90_000);
    expect(JSON.parse(stopped.stdout), stopped.stderr).toMatchObject({ id: long.id, state: 'cancelled' });
    expect(containersOf(long.id)).toBe('');
  }, 240_000);

  it('records a run whose container ended unfollowed as it ended (not cancelled) when it is stopped later, and removes its container', async () => {
    const short = await startDetached(10, '0');
    expect(docker(['wait', short.containerId!], { timeoutMs: 120_000 }).stdout.trim()).toBe('0');
    expect(recordOf(short.id).state).toBe('running'); // no one was there to see it end

    const stopped = cli(['runs', 'stop', short.id, '--json'], 60_000);
    expect(stopped.status, stopped.stderr).toBe(0);
    const record = JSON.parse(stopped.stdout);
    expect(record).toMatchObject({ id: short.id, state: 'succeeded', exitCode: 0 });
    expect(record.epochs).toHaveLength(10);
    expect(recordOf(short.id).state).toBe('succeeded');
    expect(containersOf(short.id)).toBe('');
    finishedRun = short.id;
  }, 240_000);

  it('lets only one of two train commands started at the same moment with one --out run; the other is refused with a sentence', async () => {
    const out = path.join(home, 'shared-out');
    const args = ['train', dataset, '--architecture', 'Vanilla', '--analysis', 'minimal', '--epochs', '10', '--batch-size', '4', '--out', out, '--json'];
    const results = await Promise.all([cliAsync(args), cliAsync(args)]);
    const winners = results.filter((result) => result.status === 0);
    const losers = results.filter((result) => result.status !== 0);
    expect(winners, results.map((result) => result.stderr).join('\n---\n')).toHaveLength(1);
    expect(losers[0]!.status).toBe(1);
    expect(losers[0]!.stdout + losers[0]!.stderr).toMatch(/Another run is being started into the output folder|is not empty: the run would mix its files with others/);
    const winner = JSON.parse(winners[0]!.stdout.trim().split('\n').at(-1)!); // the record: the last of the JSON lines
    expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')).run.id).toBe(winner.id);
    const log = readFileSync(path.join(out, 'logs.training.csv'), 'utf8').trim().split('\n');
    expect(log.filter((line) => line.startsWith('epoch'))).toHaveLength(1);
    expect(log).toHaveLength(11); // one run's ten epochs
    expect(readdirSync(out)).not.toContain('.aucmedi-desk-claim');
  }, 300_000);

  it('refuses an output folder under /proc at once (train, predict, evaluate) and leaves no folder behind a refused mount path', () => {
    expect(finishedRun).not.toBe('');
    const images = path.join(dataset, 'a');
    const commands = [
      ['train', dataset, '--architecture', 'Vanilla', '--out', '/proc/aucmedi-newdir'],
      ['predict', images, '--model', finishedRun, '--out', '/proc/aucmedi-newdir'],
      ['evaluate', dataset, '--model', finishedRun, '--out', '/proc/aucmedi-newdir/deeper'],
    ];
    for (const args of commands) {
      const answer = cli(args, 30_000);
      expect(answer.status, `${args[0]}: ${answer.error ?? answer.stderr}`).toBe(1);
      expect(answer.stderr).toMatch(/The output folder \/proc\/aucmedi-newdir(\/deeper)? cannot be created\./);
    }

    // a dataset folder Docker cannot mount (a colon): refused when the mounts are made, after the
    // output folder was claimed; the folder the start made is gone again
    const colonDataset = path.join(home, 'data:set');
    makeClassDataset(colonDataset, { classes: { a: 4, b: 4 }, size: 16 });
    const out = path.join(home, 'colon-run', 'out');
    const refused = cli(['train', colonDataset, '--architecture', 'Vanilla', '--out', out], 60_000);
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('contains a colon (:)');
    expect(existsSync(path.join(home, 'colon-run'))).toBe(false);
    const colonOut = path.join(home, 'out:put');
    const refusedOut = cli(['train', dataset, '--architecture', 'Vanilla', '--out', colonOut], 60_000);
    expect(refusedOut.status, refusedOut.stderr).toBe(1);
    expect(existsSync(colonOut)).toBe(false);
  }, 240_000);
});
