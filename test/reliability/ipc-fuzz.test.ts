/**
 * Malformed requests to every channel of the handler table, as a buggy or hostile window could
 * send them: wrong types for the whole request and for each field of a valid sample, missing and
 * extra fields, 1 MB strings, `../` and relative paths, NUL and other control characters, device
 * and socket paths, huge numbers, NaN and Infinity, prototype-pollution keys. Each must be
 * answered within a few seconds with an error value (`INVALID_REQUEST` when the shape is wrong,
 * another clear code when a well-formed request names something unusable), never a throw; nothing
 * outside this test's temporary folders is written and no device is read.
 *
 * Every channel needs a valid sample request in fixtures/fuzz-cases.ts: a channel without one
 * fails here. The cases are sent by a child process (fixtures/fuzz-runner.ts) to a core created
 * exactly as the app creates it, with a dead engine endpoint (unix:///nonexistent, so no Docker is
 * needed; image load and dataset scan check their files before they reach the engine) and dialogs
 * that cancel. A case with no answer ends that child, so a handler stuck reading a device cannot
 * eat the machine's memory; the next child goes on with the next case.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/api/channels';
import { createCore } from '../../src/core';
import { RunStore } from '../../src/runs/store';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { ScriptedDialogs } from '../e2e/harness';
import { writeHostileWeightsArchives } from '../helpers/hostile-archives';
import { encodePng } from '../helpers/images';
import { tempDir } from '../helpers/temp';
import { allCases, layout, POSIX } from './fixtures/fuzz-cases';
import { resetSettings, type CaseResult } from './fixtures/fuzz-runner';
import { runRecord } from './fixtures/run-record';

/** Longest acceptable answer to one request. */
const CASE_LIMIT_MS = 3_000;
const RUNNER = path.resolve('node_modules/.cache/aucmedi-test/fuzz-runner.mjs');
const L = layout(tempDir('aucmedi-fuzz-'));
let server: net.Server | null = null;
/**
 * The default weights folder (data/weights) links here: an import of a hostile archive may make and
 * remove a temporary file in it, which changes the folder's time but must leave no file.
 */
const WEIGHTS_OUT = path.join(L.root, 'weights-out');

/** Every entry under `dir` with its type and, for regular files, a content hash; special files are never opened. */
function snapshot(dir: string): string[] {
  const lines: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(dir, relative)).sort()) {
      const rel = path.join(relative, name);
      const stats = lstatSync(path.join(dir, rel));
      if (stats.isDirectory()) {
        lines.push(`dir ${rel} ${stats.mtimeMs}`);
        walk(rel);
      } else if (stats.isFile()) lines.push(`file ${rel} ${stats.size} ${stats.mtimeMs} ${createHash('sha256').update(readFileSync(path.join(dir, rel))).digest('hex')}`);
      else lines.push(`special ${rel} ${stats.mode} ${stats.mtimeMs}`);
    }
  };
  walk('');
  return lines;
}

const names = (dir: string) => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

/** Names the cases' paths could create beside a device, in the working folder or in the temporary folder. */
const mightBeOurs = (name: string) =>
  /^(zero|random|urandom|mem|docker\.sock|environ)\b|\.(tmp|sha256)$|\.partial-\d+$|^(c:|\\|relative|x$|a$|etc$|new-run|runs-out|weights|old-out|export\.tar|image\.tar|run\.log|AUCMEDI Desk)/i.test(name);

/** Lets a reader blocked opening a FIFO go on (a writer opens and closes it). */
function releaseFifo(file: string): void {
  try {
    closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // no reader waiting
  }
}

beforeAll(async () => {
  for (const dir of [L.home, L.data, L.settingsDir, L.special, L.files, L.out]) mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(L.home, 'sentinel.txt'), 'the user home: nothing here may change\n');
  resetSettings(L.settingsFile);
  for (const cls of ['a', 'b']) {
    mkdirSync(path.join(L.dataset, cls), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(path.join(L.dataset, cls, `img${i}.png`), encodePng(8, 8, new Uint8Array(64).fill(cls === 'a' ? 40 : 200)));
  }
  writeFileSync(path.join(L.files, 'plain.txt'), 'not an image\n');
  // a key file for engines:add (it is only checked to be a small readable file; nothing connects)
  writeFileSync(path.join(L.files, 'id_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n');
  // Weights archives whose every entry is bad; the weights folder is linked out of the watched folders (see WEIGHTS_OUT).
  await writeHostileWeightsArchives(L.files);
  mkdirSync(WEIGHTS_OUT);
  symlinkSync(WEIGHTS_OUT, path.join(L.data, 'weights'));
  // Files that start like gzip image tarballs; two with a hostile checksum file beside them.
  const gzipHead = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(2048)]);
  for (const name of ['image.tar.gz', 'zero-sum.tar.gz', 'fifo-sum.tar.gz']) writeFileSync(path.join(L.files, name), gzipHead);
  if (POSIX) {
    symlinkSync('/dev/zero', path.join(L.files, 'zero-sum.tar.gz.sha256'));
    execFileSync('mkfifo', [path.join(L.files, 'fifo-sum.tar.gz.sha256'), L.fifo]);
    symlinkSync('/dev/zero', L.zeroLink);
    server = net.createServer();
    await new Promise<void>((resolve) => server!.listen(L.socket, resolve));
  }
  // Ended runs to address: one with a log, one for the runs:delete sample.
  writeFileSync(path.join(L.out, 'run.log'), 'Epoch 1/3\n');
  const store = new RunStore(path.join(L.data, 'runs'));
  store.save(runRecord('fuzz-run', L.out, 1, 3));
  store.save(runRecord('fuzz-old', path.join(L.root, 'old-out'), 1, 0));

  mkdirSync(path.dirname(RUNNER), { recursive: true });
  buildSync({ entryPoints: ['test/reliability/fixtures/fuzz-runner.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: RUNNER, logLevel: 'warning' });
});

afterAll(async () => {
  if (POSIX) for (const fifo of [L.fifo, path.join(L.files, 'fifo-sum.tar.gz.sha256')]) releaseFifo(fifo);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

interface RunnerEnd {
  hung?: number;
  done?: boolean;
  total?: number;
  unhandled?: string[];
  polluted?: string[];
  prototypeChanged?: boolean;
  fatal?: string;
}

/** One runner from case `start` on: its results, how it ended, its exit code. */
function runFrom(start: number): Promise<{ results: CaseResult[]; end: RunnerEnd | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, L.root, String(start), String(CASE_LIMIT_MS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    // A runner that stops answering altogether (its own watchdog failed) is ended here.
    let watchdog = setTimeout(() => child.kill('SIGKILL'), 4 * CASE_LIMIT_MS + 5_000);
    let buffer = '';
    let stderr = '';
    const results: CaseResult[] = [];
    let end: RunnerEnd | null = null;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      clearTimeout(watchdog);
      watchdog = setTimeout(() => child.kill('SIGKILL'), 4 * CASE_LIMIT_MS + 5_000);
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const parsed = JSON.parse(line) as CaseResult | RunnerEnd;
        if ('index' in parsed) results.push(parsed);
        else end = parsed;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(watchdog);
      if (end?.fatal || (code !== 0 && end?.hung === undefined)) end = { ...end, fatal: `${end?.fatal ?? ''} exit ${code ?? signal} ${stderr.slice(-2000)}` };
      resolve({ results, end, code });
    });
  });
}

describe('IPC fuzz: every channel refuses malformed requests with an error value', () => {
  it('has a valid sample request for every channel (add one to fixtures/fuzz-cases.ts for a new channel)', async () => {
    const { table } = allCases(CHANNELS, L);
    const missing = CHANNELS.filter((channel) => !table[channel]);
    expect(missing, `channels with no sample request in test/reliability/fixtures/fuzz-cases.ts: ${missing.join(', ')}`).toEqual([]);
    expect(Object.keys(table).filter((channel) => !(CHANNELS as readonly string[]).includes(channel)), 'samples for channels that do not exist').toEqual([]);

    // Each sample passes validation, or its variants would prove nothing.
    const core = createCore({ settings: new JsonFileSettingsStore(L.settingsFile), env: {}, platform: process.platform, homedir: L.home, username: 'ana', dialogs: new ScriptedDialogs(), dataDir: L.data });
    try {
      const warm = await core.handlers['dataset:scan']({ path: L.dataset, scanId: 'warm-up' });
      expect(warm.ok, JSON.stringify(warm)).toBe(true);
      for (const channel of CHANNELS) {
        resetSettings(L.settingsFile);
        const response = await core.invoke(channel, table[channel]!.request);
        if (!response.ok) expect(response.error.code, `${channel}: ${response.error.message}`).not.toBe('INVALID_REQUEST');
      }
    } finally {
      core.dispose();
      resetSettings(L.settingsFile);
    }
  });

  it(
    'answers every malformed request within seconds with { ok: false, error: { code, message, action } }, writes nothing, reads no device',
    async () => {
      const watched = [L.home, L.data, L.dataset, L.files, L.out];
      const before = watched.map(snapshot);
      const outside = ['/dev', '/var/run', process.cwd(), path.dirname(L.root)];
      const outsideBefore = outside.map(names);

      const started = performance.now();
      const results: CaseResult[] = [];
      const ends: RunnerEnd[] = [];
      let next = 0;
      let runners = 0;
      for (;;) {
        runners++;
        const run = await runFrom(next);
        results.push(...run.results);
        if (run.end) ends.push(run.end);
        const last = run.results.at(-1)?.index ?? next - 1;
        if (run.end?.done) break;
        if (run.end?.fatal && !run.results.length) throw new Error(`the fuzz runner failed: ${run.end.fatal}`);
        const hung = run.end?.hung !== undefined;
        if (!hung) results.push({ index: last + 1, where: `case ${last + 1}`, expect: 'rejected', rejected: false, failure: `the process died: ${run.end?.fatal ?? ''}` });
        next = hung ? last + 1 : last + 2;
        if (runners > 60) throw new Error('more than 60 runners: too many cases hang');
      }
      const seconds = (performance.now() - started) / 1000;
      const done = ends.find((end) => end.done)!;

      const failures = results.filter((result) => result.failure).map((result) => `${result.where}: ${result.failure}`);
      const accepted = results.filter((result) => result.expect === 'accepted');
      const rejected = results.filter((result) => result.rejected).length;
      const slowest = Math.max(...results.map((result) => result.ms ?? 0));
      const byCode = new Map<string, number>();
      for (const result of results) if (result.code) byCode.set(result.code, (byCode.get(result.code) ?? 0) + 1);

      console.log(
        `fuzz: ${results.length} cases sent, ${rejected} rejected` +
          ` (${CHANNELS.length} channels and 15 names that are not channels; ${accepted.length} accepted by contract, ${accepted.length - accepted.filter((r) => r.rejected).length} of them answered ok;` +
          ` slowest answer ${slowest} ms; ${runners} runner process${runners > 1 ? 'es' : ''}; ${seconds.toFixed(1)} s)`,
      );
      console.log(`fuzz: codes: ${[...byCode].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ')}`);
      if (failures.length) console.log(`fuzz: ${failures.length} failures:\n  ${failures.join('\n  ')}`);

      expect(done.total).toBe(results.length);
      expect(failures).toEqual([]);
      expect(rejected).toBe(results.length - accepted.filter((r) => !r.rejected).length);
      expect(done.unhandled).toEqual([]);
      expect(done.polluted).toEqual([]);
      expect(done.prototypeChanged).toBe(false);
      // Nothing written but the settings file: not in the sandbox or its home folder, and not beside a device, in the working folder or the temporary folder.
      expect(watched.map(snapshot)).toEqual(before);
      // Other processes share this machine: only entries a case could have made count.
      const made = outside.flatMap((dir, i) => names(dir).filter((name) => !outsideBefore[i]!.includes(name) && mightBeOurs(name)).map((name) => path.join(dir, name)));
      expect(made).toEqual([]);
      expect(names(L.settingsDir)).toEqual(['settings.json']);
      expect(names(WEIGHTS_OUT), 'a hostile weights archive left a file in the weights folder').toEqual([]);
    },
    240_000,
  );
});
