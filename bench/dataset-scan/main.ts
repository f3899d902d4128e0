// bench/dataset-scan: generate 100 000 real small PNGs (8x8) in 10 class folders under $TMPDIR, then,
// with a warm cache, time in the same run and alternating order: the core's scan (signature check
// included), `find PATH -type f | wc -l` (walk only), and
// `find PATH -type f -print0 | xargs -0 head -qc 16 | wc -c` (opens every file and reads its first
// bytes, as the scan must). Prints medians over the rounds, the ratios scan/find and
// scan/find-xargs-head (per round, and their median: goal <= 1.0), the scanning process's peak memory
// (goal < 200 MB) and the main thread's longest event-loop delay during the scan.
//
//   node bench/run.mjs dataset-scan          (BENCH_FILES, BENCH_ROUNDS, BENCH_WORKERS, BENCH_DIR to change)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../../test/helpers/images';

const FILES = Number(process.env.BENCH_FILES ?? 100_000);
const CLASSES = 10;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WORKERS = process.env.BENCH_WORKERS ?? '';
// BENCH_DIR: where to generate the dataset instead (a new folder: the bench removes it at the end).
// The path's length matters: `head` opens each file by its full path, on one core.
const work = process.env.BENCH_DIR ? path.resolve(process.env.BENCH_DIR) : path.join(process.env.TMPDIR ?? os.tmpdir(), `aucmedi-bench-dataset-scan-${process.pid}`);
if (process.env.BENCH_DIR && existsSync(work)) throw new Error(`BENCH_DIR ${work} exists: give a new folder, the bench removes it at the end`);
const dataset = path.join(work, 'dataset');
const here = path.dirname(fileURLToPath(import.meta.url));

interface ScanResult {
  ms: number;
  cpuMs: number;
  mainBusyMs: number;
  maxRssMiB: number;
  baselineRssMiB: number;
  maxDelayMs: number;
  p99DelayMs: number;
  maxTimerLagMs: number;
  progressCalls: number;
  totalImages: number;
  classes: number;
  errors: number;
  warnings: number;
  fingerprintFiles: number;
}

function generate(): void {
  const perClass = Math.ceil(FILES / CLASSES);
  const pixels = new Uint8Array(64);
  let written = 0;
  for (let c = 0; c < CLASSES && written < FILES; c++) {
    const folder = path.join(dataset, `class_${c}`);
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < perClass && written < FILES; i++, written++) {
      for (let p = 0; p < 64; p++) pixels[p] = (i * 31 + p * (c + 3)) & 0xff;
      writeFileSync(path.join(folder, `class_${c}_${String(i).padStart(5, '0')}.png`), encodePng(8, 8, pixels));
    }
  }
}

function timeShell(command: string): { ms: number; out: string } {
  const started = performance.now();
  const result = spawnSync('sh', ['-c', command], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command}: ${result.stderr}`);
  return { ms, out: result.stdout.trim() };
}

function scanOnce(): ScanResult & { processMs: number } {
  const started = performance.now();
  const result = spawnSync(process.execPath, [path.join(here, 'scan-once.mjs'), dataset, ...(WORKERS ? [WORKERS] : [])], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const processMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`scan-once: ${result.stderr}`);
  return { ...(JSON.parse(result.stdout.trim().split('\n').pop()!) as ScanResult), processMs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;
const quote = (p: string) => `'${p.replaceAll("'", "'\\''")}'`;

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
try {
  console.log(`dataset-scan: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`generating ${FILES.toLocaleString('en-US')} 8x8 PNGs in ${CLASSES} class folders under ${work} ...`);
  const genStarted = performance.now();
  generate();
  // the new files reach the disk now, not during the timed rounds (their write-back would slow whichever reader it meets)
  spawnSync('sync');
  console.log(`  done in ${((performance.now() - genStarted) / 1000).toFixed(1)} s`);

  const findCommand = `find ${quote(dataset)} -type f | wc -l`;
  const headCommand = `find ${quote(dataset)} -type f -print0 | xargs -0 head -qc 16 | wc -c`;
  // warm the page and dentry caches for every reader alike, and check that all see every file
  const found = Number(timeShell(findCommand).out);
  const headBytes = Number(timeShell(headCommand).out);
  const warm = scanOnce();
  if (found !== FILES || headBytes !== FILES * 16 || warm.totalImages !== FILES || warm.fingerprintFiles !== FILES || warm.errors !== 0) {
    throw new Error(`the readers disagree: find ${found}, head bytes ${headBytes}, scan ${JSON.stringify(warm)}`);
  }

  const finds: number[] = [];
  const heads: number[] = [];
  const scans: (ScanResult & { processMs: number })[] = [];
  const runs: [string, () => void][] = [
    ['find', () => finds.push(timeShell(findCommand).ms)],
    ['find | xargs head', () => heads.push(timeShell(headCommand).ms)],
    ['scan', () => scans.push(scanOnce())],
  ];
  for (let round = 0; round < ROUNDS; round++) {
    // rotate the order, so that no reader always runs right after another
    for (let k = 0; k < runs.length; k++) runs[(round + k) % runs.length]![1]();
    const last = scans[scans.length - 1]!;
    console.log(
      `round ${round + 1}/${ROUNDS}: find ${fmt(finds[round]!)}   find|xargs head ${fmt(heads[round]!)}   scan ${fmt(last.ms)}   scan/head ${(last.ms / heads[round]!).toFixed(2)} (process ${fmt(last.processMs)}, cpu ${fmt(last.cpuMs)}, max event-loop delay ${last.maxDelayMs.toFixed(1)} ms, peak RSS ${last.maxRssMiB.toFixed(0)} MiB)`,
    );
  }

  const scanMs = median(scans.map((s) => s.ms));
  const findMs = median(finds);
  const headMs = median(heads);
  const rss = scans.map((s) => s.maxRssMiB);
  const delays = scans.map((s) => s.maxDelayMs);
  console.log('');
  console.log(`medians of ${ROUNDS} rounds, ${FILES.toLocaleString('en-US')} files, warm cache:`);
  console.log(`  core scan (walk + open + first 512 bytes + signature + validation + fingerprint): ${fmt(scanMs)}  (whole process incl. Node start: ${fmt(median(scans.map((s) => s.processMs)))}; CPU ${fmt(median(scans.map((s) => s.cpuMs)))})`);
  console.log(`  find -type f | wc -l (walk only):                                                ${fmt(findMs)}`);
  console.log(`  find -print0 | xargs -0 head -qc 16 | wc -c (walk + open + first bytes):         ${fmt(headMs)}`);
  console.log(`  ratio scan / find:             ${(scanMs / findMs).toFixed(2)}`);
  // Each round times both readers within seconds of each other, so the per-round ratio cancels the
  // machine's drift (a neighbour's load on a shared VM) that a ratio of two medians does not.
  const roundRatios = scans.map((s, round) => s.ms / heads[round]!);
  console.log(`  ratio scan / find-xargs-head:  ${median(roundRatios).toFixed(2)}   (goal <= 1.0; median of the per-round ratios ${roundRatios.map((r) => r.toFixed(2)).join(' ')}; ratio of the medians ${(scanMs / headMs).toFixed(2)})`);
  console.log(`  peak memory of the scanning process (max RSS, workers included): median ${median(rss).toFixed(0)} MiB, max ${Math.max(...rss).toFixed(0)} MiB (Node at rest: ${median(scans.map((s) => s.baselineRssMiB)).toFixed(0)} MiB)   (goal < 200 MB)`);
  console.log(`  main thread, longest event-loop delay during the scan: median ${median(delays).toFixed(1)} ms, worst ${Math.max(...delays).toFixed(1)} ms; 99th percentile median ${median(scans.map((s) => s.p99DelayMs)).toFixed(1)} ms`);
  console.log(`  progress callbacks per scan: ${median(scans.map((s) => s.progressCalls))}; load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
