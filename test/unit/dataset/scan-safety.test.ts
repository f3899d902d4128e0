/**
 * The scanner as a guest in a clinician's folders: it follows no link, survives loops, odd names and
 * folders it may not read, never writes, stops when asked, reports progress, and refuses bad input
 * with a sentence and an action. It also runs bundled into one file (as in the app) and as an
 * unprivileged user.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import type { DatasetReport } from '../../../src/api/dataset';
import { UserErrorException, type UserError } from '../../../src/api/errors';
import { FingerprintBuilder, fingerprintOf } from '../../../src/dataset/fingerprint';
import { scanDataset } from '../../../src/dataset/scan';
import { formatDatasetReport } from '../../../src/dataset/format';
import { pngBytes, writeBytes } from '../../helpers/image-bytes';
import { makeClassDataset } from '../../helpers/images';
import { tempDir } from '../../helpers/temp';
import { codes, isRoot, problem, scanChecked, snapshot } from './support';

const root = tempDir('aucmedi-dataset-safety-');
let counter = 0;
function dataset(classes: Record<string, number>, size = 8): string {
  const dir = path.join(root, `ds-${++counter}`);
  makeClassDataset(dir, { classes, size });
  return dir;
}

async function userErrorOf(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UserErrorException);
    return (error as UserErrorException).userError;
  }
  throw new Error('expected the scan to fail');
}

describe('links, loops and odd names', () => {
  it('follows no symbolic link: loops, links out of the dataset and links inside are reported, not counted', async () => {
    const dir = dataset({ a: 12, b: 12 });
    const outsideImage = path.join(root, 'outside.png');
    writeBytes(outsideImage, pngBytes(8, 8));
    symlinkSync('..', path.join(dir, 'a', 'loop')); // a folder link back up: a loop if followed
    symlinkSync('self', path.join(dir, 'b', 'self')); // a link to itself
    symlinkSync(outsideImage, path.join(dir, 'b', 'outside.png'));
    symlinkSync(root, path.join(dir, 'outside-folder'));
    symlinkSync('../a/a_000.png', path.join(dir, 'b', 'inside.png'));
    symlinkSync('a', path.join(dir, 'class-link'));
    const report = await scanChecked({ path: dir });
    const links = problem(report, 'SYMLINKS');
    expect(links.severity).toBe('warning');
    expect(links.files).toEqual(['a/loop', 'b/inside.png', 'b/outside.png', 'b/self', 'class-link', 'outside-folder']);
    expect(links.message).toContain('6 symbolic links were not followed (2 pointing outside the dataset folder');
    expect(report.classes).toEqual([
      { name: 'a', count: 12 },
      { name: 'b', count: 12 },
    ]);
    expect(report.fingerprint.fileCount).toBe(24);
  });

  it('reads names with spaces, umlauts, emoji, Windows-reserved names and characters, and a name that is not UTF-8', async () => {
    const dir = path.join(root, `ds-${++counter}`);
    const classes = ['Lungenentzündung 🫁', 'normal (gesund)'];
    const names = ['CON.png', 'aux.png', 'a:b.png', 'what?.png', 'star*.png', 'pipe|.png', 'quote".png', 'lt<gt>.png', 'back\\slash.png', 'Größe 1.png', '😀 smile.png', 'trailing space .png', 'new\nline.png'];
    for (const [c, cls] of classes.entries()) {
      for (const name of names) writeBytes(path.join(dir, cls, `${c}-${name}`), pngBytes(8, 8));
    }
    // a name in Latin-1 (0xff is never valid UTF-8): Node cannot name it, the scan says so
    writeFileSync(Buffer.concat([Buffer.from(`${path.join(dir, classes[0]!)}/f`), Buffer.from([0xff]), Buffer.from('.png')]), pngBytes(8, 8));
    const report = await scanChecked({ path: dir });
    expect(report.classes).toEqual([
      { name: 'Lungenentzündung 🫁', count: names.length },
      { name: 'normal (gesund)', count: names.length },
    ]);
    expect(report.samples['Lungenentzündung 🫁']).toHaveLength(4);
    expect(problem(report, 'UNREADABLE_FILE').files).toEqual(['Lungenentzündung 🫁/f\ufffd.png']);
    expect(codes(report)).toEqual(['UNREADABLE_FILE']);
  });
});

describe('reading only', () => {
  it('leaves every byte, mtime, ctime and mode of the dataset as it was, scan after scan', async () => {
    const dir = dataset({ a: 12, b: 12 });
    const before = snapshot(dir);
    for (let i = 0; i < 3; i++) await scanChecked({ path: dir });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('fingerprint', () => {
  it('is stable when nothing changes, and changes with a file size, an mtime, a new or renamed file', async () => {
    const dir = dataset({ a: 12, b: 12 });
    const first = (await scanChecked({ path: dir })).fingerprint;
    expect((await scanChecked({ path: dir })).fingerprint).toEqual(first);

    const file = path.join(dir, 'a', 'a_003.png');
    const { atime, mtime } = statSync(file);
    appendFileSync(file, Buffer.from([0])); // one more byte after IEND: still a PNG
    utimesSync(file, atime, mtime);
    const grown = (await scanChecked({ path: dir })).fingerprint;
    expect(grown.totalBytes).toBe(first.totalBytes + 1);
    expect(grown.sha256).not.toBe(first.sha256);

    // whole seconds: exact in every file system and every conversion
    const touched = path.join(dir, 'b', 'b_000.png');
    utimesSync(touched, 1_700_000_000, 1_700_000_000);
    const atT1 = (await scanChecked({ path: dir })).fingerprint;
    utimesSync(touched, 1_700_000_000, 1_700_000_005);
    const retimed = (await scanChecked({ path: dir })).fingerprint;
    expect(retimed.sha256).not.toBe(atT1.sha256);
    expect(retimed.totalBytes).toBe(grown.totalBytes);
    utimesSync(touched, 1_700_000_000, 1_700_000_000);
    expect((await scanChecked({ path: dir })).fingerprint).toEqual(atT1);

    writeBytes(path.join(dir, 'b', 'b_100.png'), pngBytes(8, 8));
    const added = (await scanChecked({ path: dir })).fingerprint;
    expect(added.fileCount).toBe(25);
    rmSync(path.join(dir, 'b', 'b_100.png'));
    writeBytes(path.join(dir, 'b', 'b_101.png'), pngBytes(8, 8));
    const renamed = (await scanChecked({ path: dir })).fingerprint;
    expect(renamed.fileCount).toBe(25);
    expect(renamed.sha256).not.toBe(added.sha256);

    writeFileSync(path.join(dir, '.DS_Store'), 'finder was here');
    expect((await scanChecked({ path: dir })).fingerprint).toEqual(renamed);
  });

  it('hashes the sorted lines whatever order files arrive in, across folders that interleave ("a", "a b", "a-c")', async () => {
    const entries = ['a/1.png', 'a/2.png', 'a b/1.png', 'a-c/1.png', 'a/b/x.dcm', 'z.png', 'a b/0.png', 'A/1.png', 'é/1.png', '😀/1.png', 'ｚ/1.png', 'z.png\u0001', 'z.png2', 'z.pn'].map((rel, i) => ({ rel, size: 100 + i, mtimeMs: 1_700_000_000_000 + i * 1000 + 0.75 }));
    const expected = fingerprintOf(entries);
    for (let seed = 0; seed < 20; seed++) {
      const shuffled = [...entries].sort(() => (Math.sin(seed * 7919 + entries.length) > 0 ? 1 : -1) * (Math.random() - 0.5));
      const builder = new FingerprintBuilder();
      for (const e of shuffled) builder.add(e.rel, e.size, e.mtimeMs);
      expect(await builder.finish()).toEqual(expected);
    }
    const sorted = new FingerprintBuilder();
    for (const e of [...entries].sort((x, y) => (x.rel < y.rel ? -1 : 1))) sorted.add(e.rel, e.size, e.mtimeMs);
    expect(await sorted.finish()).toEqual(expected);
    expect(expected.fileCount).toBe(entries.length);
    expect(expected.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await new FingerprintBuilder().finish()).toEqual(fingerprintOf([]));
  });
});

describe('progress and cancellation', () => {
  it('reports progress as it goes, counts only rising, and a final call with the totals', async () => {
    const dir = dataset({ a: 1500, b: 1500, c: 1000 }, 4);
    const calls: { filesSeen: number; bytesSeen: number; currentFolder: string; at: number }[] = [];
    const report = await scanChecked({ path: dir }, { onProgress: (p) => calls.push({ ...p, at: performance.now() }), progressIntervalMs: 5 });
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i]!.filesSeen).toBeGreaterThanOrEqual(calls[i - 1]!.filesSeen);
      expect(calls[i]!.bytesSeen).toBeGreaterThanOrEqual(calls[i - 1]!.bytesSeen);
    }
    const last = calls[calls.length - 1]!;
    expect(last.filesSeen).toBe(4000);
    expect(last.bytesSeen).toBe(report.fingerprint.totalBytes);
    expect(new Set(calls.map((c) => c.currentFolder))).toSatisfy((folders: Set<string>) => [...folders].every((f) => ['', 'a', 'b', 'c'].includes(f)));

    // at the default pace, calls come about every 100 ms
    const paced: number[] = [];
    await scanDataset({ path: dir }, { onProgress: () => paced.push(performance.now()) });
    expect(paced.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < paced.length - 1; i++) expect(paced[i]! - paced[i - 1]!).toBeGreaterThanOrEqual(90);
  });

  it('stops with OPERATION_CANCELLED when aborted before, at once, or in the middle of the walk', async () => {
    const dir = dataset({ a: 3000, b: 3000 }, 4);
    const before = snapshot(dir);

    const early = new AbortController();
    early.abort();
    expect(await userErrorOf(scanDataset({ path: dir }, { signal: early.signal }))).toMatchObject({ code: 'OPERATION_CANCELLED', message: 'The dataset check was cancelled.' });

    const soon = new AbortController();
    const pending = scanDataset({ path: dir }, { signal: soon.signal });
    setImmediate(() => soon.abort());
    expect((await userErrorOf(pending)).code).toBe('OPERATION_CANCELLED');

    const midway = new AbortController();
    let seenAtAbort = -1;
    const error = await userErrorOf(
      scanDataset(
        { path: dir },
        {
          signal: midway.signal,
          progressIntervalMs: 1,
          onProgress: (p) => {
            if (p.filesSeen > 0 && seenAtAbort < 0) {
              seenAtAbort = p.filesSeen;
              midway.abort();
            }
          },
        },
      ),
    );
    expect(error.code).toBe('OPERATION_CANCELLED');
    expect(seenAtAbort).toBeGreaterThan(0);
    expect(seenAtAbort).toBeLessThan(6000);

    // nothing was left behind, and the next scan runs normally
    expect(snapshot(dir)).toEqual(before);
    expect((await scanDataset({ path: dir })).totalImages).toBe(6000);
  });
});

describe('bad input', () => {
  it('a missing folder, a file instead of a folder, a missing or unusable annotation file', async () => {
    const dir = dataset({ a: 12, b: 12 });
    const missing = await userErrorOf(scanDataset({ path: path.join(root, 'no such folder') }));
    expect(missing).toMatchObject({ code: 'DATASET_NOT_FOUND' });
    expect(missing.message).toContain('no such folder');
    expect(missing.action.length).toBeGreaterThan(10);

    const image = await userErrorOf(scanDataset({ path: path.join(dir, 'a', 'a_000.png') }));
    expect(image).toMatchObject({ code: 'DATASET_NOT_A_FOLDER' });
    expect(image.message).toMatch(/is an image file, not a folder/);

    const csvFile = path.join(root, `labels-${++counter}.csv`);
    writeFileSync(csvFile, 'SAMPLE,CLASS\n');
    const csv = await userErrorOf(scanDataset({ path: csvFile }));
    expect(csv.code).toBe('DATASET_NOT_A_FOLDER');
    expect(csv.action).toMatch(/annotation file/);

    expect((await userErrorOf(scanDataset({ path: dir, gtFile: path.join(root, 'nope.csv') }))).code).toBe('ANNOTATION_FILE_NOT_FOUND');
    expect((await userErrorOf(scanDataset({ path: dir, gtFile: path.join(dir, 'a') }))).code).toBe('ANNOTATION_FILE_INVALID');
    expect((await userErrorOf(scanDataset({ path: dir, gtFile: path.join(dir, 'a', 'a_000.png') }))).code).toBe('ANNOTATION_FILE_INVALID');
  });
});

/**
 * Permissions: unreadable folders and files. Root reads everything, so under root the scan runs in
 * a child process as `nobody` (the scanner bundled by esbuild into one file, as the app ships it);
 * otherwise it runs in this process. Either way the permission checks are real.
 */
describe('folders and files the user may not read', () => {
  it('reports an unreadable class folder and file, and refuses an unreadable dataset or annotation file', async () => {
    const dir = dataset({ a: 12, b: 12, locked: 12 });
    chmodSync(root, 0o755);
    chmodSync(path.join(dir, 'locked'), 0o000);
    chmodSync(path.join(dir, 'b', 'b_004.png'), 0o000);
    const closed = dataset({ a: 12, b: 12 });
    chmodSync(closed, 0o000);
    const gtFile = path.join(root, `secret-${++counter}.csv`);
    writeFileSync(gtFile, 'SAMPLE,CLASS\n');
    chmodSync(gtFile, 0o000);
    const requests = [{ path: dir }, { path: closed }, { path: dir, gtFile }];
    try {
      const results = isRoot ? await scanAsNobody(requests) : await Promise.all(requests.map(inProcess));
      const [open, rootLocked, gtLocked] = results as [Result, Result, Result];
      expect(open.ok).toBe(true);
      const report = (open as { report: DatasetReport }).report;
      expect(problem(report, 'UNREADABLE_FOLDER')).toMatchObject({ severity: 'error', files: ['locked/'] });
      expect(problem(report, 'UNREADABLE_FOLDER').message).toMatch(/permission denied/);
      expect(problem(report, 'UNREADABLE_FILE')).toMatchObject({ severity: 'error', files: ['b/b_004.png'] });
      expect(codes(report)).not.toContain('EMPTY_CLASS');
      expect(report.classes.find((c) => c.name === 'b')!.count).toBe(11);
      expect(rootLocked).toMatchObject({ ok: false, error: { code: 'DATASET_UNREADABLE' } });
      expect(gtLocked).toMatchObject({ ok: false, error: { code: 'ANNOTATION_FILE_UNREADABLE' } });
    } finally {
      chmodSync(path.join(dir, 'locked'), 0o755);
      chmodSync(path.join(dir, 'b', 'b_004.png'), 0o644);
      chmodSync(closed, 0o755);
      chmodSync(gtFile, 0o644);
    }
  });

  it('runs bundled into one file by esbuild, worker threads included', async () => {
    const [result] = await runBundled([{ path: dataset({ a: 12, b: 12 }) }]);
    expect(result).toMatchObject({ ok: true, report: { totalImages: 24, errors: 0 } });
    expect(formatDatasetReport((result as { report: DatasetReport }).report)).toContain('No problems found');
  });
});

type Result = { ok: true; report: DatasetReport } | { ok: false; error: UserError };

async function inProcess(request: { path: string; gtFile?: string }): Promise<Result> {
  try {
    return { ok: true, report: await scanDataset(request) };
  } catch (error) {
    if (error instanceof UserErrorException) return { ok: false, error: error.userError };
    throw error;
  }
}

let bundle: string | null = null;
async function bundled(): Promise<string> {
  if (bundle) return bundle;
  const dir = path.join(root, 'bundle');
  mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, 'entry.ts');
  const scanModule = path.resolve('src/dataset/scan.ts');
  writeFileSync(
    entry,
    `import { scanDataset } from ${JSON.stringify(scanModule)};
     const out = [];
     for (const request of JSON.parse(process.argv[2])) {
       try { out.push({ ok: true, report: await scanDataset(request) }); }
       catch (error) { out.push(error && error.userError ? { ok: false, error: error.userError } : { ok: false, error: { code: 'THROWN', message: String(error) } }); }
     }
     console.log(JSON.stringify(out));`,
  );
  const outfile = path.join(dir, 'scan.mjs');
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
  chmodSync(dir, 0o755);
  chmodSync(outfile, 0o644);
  bundle = outfile;
  return outfile;
}

async function runBundled(requests: object[], user?: { uid: number; gid: number }): Promise<Result[]> {
  const file = await bundled();
  const result = spawnSync(process.execPath, [file, JSON.stringify(requests)], { encoding: 'utf8', timeout: 60_000, cwd: path.dirname(file), ...(user ?? {}) });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Result[];
}

function scanAsNobody(requests: object[]): Promise<Result[]> {
  return runBundled(requests, { uid: 65534, gid: 65534 });
}
