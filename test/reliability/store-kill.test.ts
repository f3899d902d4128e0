/**
 * The run store and the settings store survive being killed in the middle of a write. A child
 * process writes version after version of a large run record (2000 epochs of metrics, so each
 * write takes a while) through the real store, printing each version's counter once its write has
 * completed; it is killed with SIGKILL at a random moment, again and again. After every kill the
 * record reads back whole, with the counter last reported or the next one (the write in flight),
 * never a torn file. A kill in the middle of a write leaves the writer's temporary file behind:
 * the store never takes it for a record, and removes it (run store: on list(); settings store: on
 * the next write), so such files do not pile up.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/runs/store';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { tempDir } from '../helpers/temp';
import { counterOf, runRecord } from './fixtures/run-record';
import { KILL_RUN_ID, settingsCounter } from './fixtures/store-writer';

const WRITER = path.resolve('node_modules/.cache/aucmedi-test/store-writer.mjs');
const RUN_KILLS = 200;
const SETTINGS_KILLS = 50;
const EPOCHS = 2000;
const POSIX = process.platform !== 'win32';

beforeAll(() => {
  mkdirSync(path.dirname(WRITER), { recursive: true });
  // zod bundled in: a writer starts faster, and 260 of them start here.
  buildSync({ entryPoints: ['test/reliability/fixtures/store-writer.ts'], bundle: true, platform: 'node', format: 'esm', outfile: WRITER, logLevel: 'warning' });
});

interface Writer {
  child: ChildProcessWithoutNullStreams;
  out: string;
  stderr: string;
  ready: Promise<void>;
  firstWrite: Promise<void>;
  closed: Promise<void>;
}

/** Starts a writer; it loads, says `ready` and waits for `go`. */
function startWriter(args: string[]): Writer {
  const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const writer = { child, out: '', stderr: '' } as Writer;
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const seen = (text: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => text.test(writer.out) && resolve();
      child.stdout.on('data', check);
      void closed.then(resolve);
    });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (writer.out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (writer.stderr += chunk));
  Object.assign(writer, { closed, ready: seen(/^ready\n/), firstWrite: seen(/^ready\n\d+\n/) });
  return writer;
}

/** Writers loading ahead of the one being killed: starting Node is most of the cost of a kill. */
const AHEAD = 2;

/**
 * Kills `kills` writers, one at a time: each is told to go, completes at least one write, and is
 * killed `delay()` ms later, while the next ones load. `check` looks at the store after each kill,
 * given the counters the writer reported.
 */
async function killLoop(args: string[], kills: number, delay: () => number, check: (reported: number[], stderr: string) => void): Promise<void> {
  const queue: Writer[] = [];
  let spawned = 0;
  const refill = () => {
    for (; queue.length < AHEAD + 1 && spawned < kills; spawned++) queue.push(startWriter(args));
  };
  refill();
  for (let kill = 0; kill < kills; kill++) {
    const writer = queue.shift()!;
    await writer.ready;
    writer.child.stdin.write('go\n');
    refill();
    await writer.firstWrite;
    const ms = delay();
    if (ms > 0) await sleep(ms);
    writer.child.kill('SIGKILL');
    await writer.closed;
    const reported = writer.out
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
    check(reported, writer.stderr);
  }
}

/** Random delays from 0 to 30 ms, a tenth of them 0 (a kill right after a write completed). */
const delay = () => (Math.random() < 0.1 ? 0 : Math.random() * 30);

describe.runIf(POSIX)('stores killed in the middle of a write (SIGKILL, at random moments)', () => {
  it(
    `the run store: ${RUN_KILLS} kills, the record is whole after each, with the last or the next counter`,
    async () => {
      const dir = path.join(tempDir('aucmedi-store-kill-'), 'runs');
      const store = new RunStore(dir);
      const problems: string[] = [];
      let survived = 0;
      let unreported = 0;
      let writes = 0;
      let leftBehind = 0;
      const started = performance.now();
      await killLoop(['run', dir, String(EPOCHS)], RUN_KILLS, delay, (reported, stderr) => {
        const kill = survived + problems.length;
        const last = reported.at(-1);
        if (last === undefined) return void problems.push(`kill ${kill}: the writer completed no write (${stderr.slice(-500)})`);
        writes += reported.length;
        if (readdirSync(dir).some((name) => name.endsWith('.tmp'))) leftBehind++;
        const record = store.get(KILL_RUN_ID);
        const counter = record ? counterOf(record) : null;
        const listed = store.list();
        if (!record) problems.push(`kill ${kill}: the record does not parse`);
        else if (counter === null) problems.push(`kill ${kill}: a torn record (parts of two versions)`);
        else if (counter !== last && counter !== last + 1) problems.push(`kill ${kill}: counter ${counter}, expected ${last} or ${last + 1}`);
        else if (listed.length !== 1 || counterOf(listed[0]!) !== counter || (listed[0]!.mode === 'training' ? listed[0]!.epochs.length : -1) !== EPOCHS) problems.push(`kill ${kill}: list() gives ${listed.length} records`);
        else if (readdirSync(dir).length !== 1) problems.push(`kill ${kill}: after list(), the folder holds ${readdirSync(dir).join(', ')}`);
        else {
          survived++;
          if (counter === last + 1) unreported++;
        }
      });
      const seconds = (performance.now() - started) / 1000;
      const bytes = readFileSync(path.join(dir, `${KILL_RUN_ID}.json`)).length;
      console.log(
        `store-kill: ${RUN_KILLS} kills, ${survived} survived (run store, records of ${EPOCHS} epochs, ${Math.round(bytes / 1024)} KB; ${writes} writes completed;` +
          ` ${leftBehind} kills cut a write off and left its temporary file, each removed by the next list(); ${unreported} kills came after a rename and before its report; ${seconds.toFixed(1)} s)`,
      );
      expect(problems).toEqual([]);
      expect(survived).toBe(RUN_KILLS);
      expect(readdirSync(dir)).toEqual([`${KILL_RUN_ID}.json`]);
    },
    180_000,
  );

  it(
    `the settings store: ${SETTINGS_KILLS} kills, the settings are whole after each`,
    async () => {
      const dir = tempDir('aucmedi-settings-kill-');
      const file = path.join(dir, 'settings.json');
      const store = new JsonFileSettingsStore(file);
      const problems: string[] = [];
      let survived = 0;
      let leftBehind = 0;
      await killLoop(['settings', file], SETTINGS_KILLS, () => Math.random() * 10, (reported, stderr) => {
        const kill = survived + problems.length;
        const last = reported.at(-1);
        if (last === undefined) return void problems.push(`kill ${kill}: the writer completed no write (${stderr.slice(-500)})`);
        const names = readdirSync(dir);
        const temporaries = names.filter((name) => name.endsWith('.tmp'));
        if (temporaries.length) leftBehind++;
        const settings = store.read();
        const counter = settingsCounter(settings);
        const unreadable = names.filter((name) => name.includes('.unreadable-'));
        if (unreadable.length) problems.push(`kill ${kill}: the settings file did not parse (kept as ${unreadable.join(', ')})`);
        else if (counter !== last && counter !== last + 1) problems.push(`kill ${kill}: counter ${counter}, expected ${last} or ${last + 1}`);
        else if (settings.runsDir !== `/runs/${counter}` || settings.recentDatasets.length !== 20) problems.push(`kill ${kill}: settings of two versions`);
        // Each writer's first write removes what the writer killed before it left.
        else if (temporaries.length > 1) problems.push(`kill ${kill}: ${temporaries.length} temporary files pile up`);
        else survived++;
      });
      console.log(`store-kill: ${SETTINGS_KILLS} kills, ${survived} survived (settings store; ${leftBehind} kills cut a write off and left its temporary file, removed by the next write)`);
      expect(problems).toEqual([]);
      expect(survived).toBe(SETTINGS_KILLS);
      store.write(store.read());
      expect(readdirSync(dir)).toEqual(['settings.json']);
    },
    120_000,
  );

  it('removes only the temporary files of writers that are gone, and only the store\'s own', () => {
    const dir = tempDir('aucmedi-store-temporaries-');
    const gone = 2 ** 22 + 12345; // above Linux's largest pid: no such process
    const names = [`a.json.${gone}.tmp`, `a.json.${process.pid}.tmp`, `a.json.${process.ppid}.tmp`, `notes.txt.${gone}.tmp`, 'b.json', `b.json.${gone}.tmp`];
    for (const name of names) writeFileSync(path.join(dir, name), name.startsWith('b.json') && !name.endsWith('.tmp') ? JSON.stringify(runRecord('b', '/out/b', 1)) : 'x');
    expect(new RunStore(dir).list().map((record) => record.id)).toEqual(['b']);
    // A live process's write in progress and a file that is not the store's stay.
    expect(readdirSync(dir).sort()).toEqual([`a.json.${process.pid}.tmp`, `a.json.${process.ppid}.tmp`, 'b.json', `notes.txt.${gone}.tmp`].sort());

    const settings = new JsonFileSettingsStore(path.join(dir, 'settings.json'));
    writeFileSync(path.join(dir, `settings.json.${gone}.tmp`), '{"imageRef":');
    settings.write(settings.read());
    expect(readdirSync(dir)).not.toContain(`settings.json.${gone}.tmp`);
    expect(readdirSync(dir)).toContain(`notes.txt.${gone}.tmp`);
  });
});
