// bench/run-memory: the core's memory while it follows a long training run. The stand-in trains for
// 2000 epochs (tiny dataset: 2 classes x 4 images of 16x16, batch size 64 so one batch per epoch,
// `--analysis minimal`, which has no EarlyStopping, so every epoch runs), and the core follows it in
// this process: log through the splitter and the Keras parser into the run record, the record
// persisted at every epoch, a run:progress event per epoch. This process's heap and RSS are sampled
// every 200 ms; at epochs 200 (10 %), 1000 and 2000 and after the run's end the heap is measured after
// a full GC. Prints the figures, the ratio end/epoch 200 of the heap after GC (goal: bounded, within
// 1.5x: what grows is the per-epoch metrics the record keeps, a few hundred bytes an epoch, not the
// log), and how far the core lagged behind the container.
//
//   node bench/run.mjs run-memory          (BENCH_EPOCHS=2000, BENCH_BATCH_DELAY=0 seconds per batch,
//                                           BENCH_DIR=/tmp, AUCMEDI_STANDIN_TAG=...)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { CoreEvent } from '../../src/api/events';
import { createCore } from '../../src/core';
import { RunStore } from '../../src/runs/store';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { makeClassDataset } from '../../test/helpers/images';

const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 2000);
const BATCH_DELAY = process.env.BENCH_BATCH_DELAY ?? '0';
const SAMPLE_MS = 200;
const TAG = process.env.AUCMEDI_STANDIN_TAG ?? 'aucmedi-desk/aucmedi-stand-in:test';
const work = path.join(process.env.BENCH_DIR ?? os.tmpdir(), `aucmedi-bench-run-memory-${process.pid}`);
const dataset = path.join(work, 'dataset');
const dataDir = path.join(work, 'app-data');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

function sh(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr || result.error?.message}`);
  return result.stdout.trim();
}

interface Sample {
  ms: number;
  epoch: number;
  heapUsed: number;
  rss: number;
}
interface Settled {
  label: string;
  epoch: number;
  heapUsed: number;
  rss: number;
  external: number;
}

/** A full GC (twice: weak references and finalizers), then the process's memory. */
function settled(label: string, epoch: number): Settled {
  gc();
  gc();
  const usage = process.memoryUsage();
  return { label, epoch, heapUsed: usage.heapUsed, rss: usage.rss, external: usage.external };
}

// Time the record's persistence (synchronous: JSON of the whole record, write, fsync, rename).
const saves = { count: 0, ms: 0, maxMs: 0 };
const save = RunStore.prototype.save;
RunStore.prototype.save = function (this: RunStore, record) {
  const t = performance.now();
  save.call(this, record);
  const elapsed = performance.now() - t;
  saves.count += 1;
  saves.ms += elapsed;
  saves.maxMs = Math.max(saves.maxMs, elapsed);
};

rmSync(work, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
let failed = false;
let containerId: string | null = null;
try {
  sh('docker', ['version', '--format', '{{.Server.Version}}']);
  sh('bash', ['docker/stand-in/build.sh']);
  makeClassDataset(dataset, { classes: { benign: 4, malignant: 4 }, size: 16 });

  const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
  settings.write({ ...settings.read(), imageRef: TAG, runsDir: path.join(work, 'runs'), weightsDir: path.join(dataDir, 'weights') });
  const core = createCore({ settings, dataDir, runEnv: BATCH_DELAY !== '0' ? [`AUCMEDI_STANDIN_BATCH_DELAY=${BATCH_DELAY}`] : [] });

  const checkpoints = new Set([Math.round(EPOCHS / 10), Math.round(EPOCHS / 2), EPOCHS]);
  const marks: Settled[] = [];
  const samples: Sample[] = [];
  let epoch = 0;
  let progressEvents = 0;
  core.subscribe((event: CoreEvent) => {
    if (event.type !== 'run:progress') return;
    progressEvents += 1;
    if (!event.epoch) return;
    epoch = event.epoch.epoch;
    if (checkpoints.has(epoch)) marks.push(settled(`epoch ${epoch}`, epoch));
  });

  const before = settled('before the run', 0);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = performance.now();
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    samples.push({ ms: performance.now() - started, epoch, heapUsed: usage.heapUsed, rss: usage.rss });
  }, SAMPLE_MS);
  const response = await core.handlers['runs:start-training']({
    dataset: { path: dataset, gtFile: null, ohe: false },
    options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: EPOCHS, batchSize: 64, workers: 1, threeDim: false },
    gpus: { kind: 'none' },
    outputDir: path.join(work, 'out'),
    imageRef: TAG,
  });
  if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message} ${response.error.detail ?? ''}`);
  containerId = response.data.containerId;
  // When did the container itself finish? (The core may still be reading its log then.)
  let containerDone = Number.NaN;
  const waiting = new Promise<void>((resolve) => {
    spawn('docker', ['wait', containerId!], { stdio: 'ignore' }).on('close', () => {
      containerDone = performance.now() - started;
      resolve();
    });
  });
  const ended = await core.runs.waitForEnd(response.data.id);
  if (ended.mode !== 'training') throw new Error('not a training');
  const record = ended;
  await waiting;
  const coreDone = performance.now() - started;
  clearInterval(sampler);
  loop.disable();
  const end = settled('run ended (record held)', record.epochs.length);
  const logBytes = statSync(path.join(record.outputDir, 'run.log')).size;
  const recordBytes = Buffer.byteLength(JSON.stringify(record));
  core.dispose();

  console.log(`run ${record.id}: ${record.state}, ${record.epochs.length} epochs (${EPOCHS} asked), exit ${record.exitCode}, models ${record.modelFiles.join(', ') || '-'}`);
  console.log(`container finished after ${(containerDone / 1000).toFixed(1)} s; the core had the run recorded at ${(coreDone / 1000).toFixed(1)} s`);
  console.log(`run.log ${(logBytes / 1024).toFixed(0)} KiB, ${progressEvents} run:progress events, the record (JSON) ${(recordBytes / 1024).toFixed(0)} KiB at the end`);
  console.log(`event loop delay while following: max ${(loop.max / 1e6).toFixed(0)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms, mean ${(loop.mean / 1e6).toFixed(1)} ms`);
  console.log(`record saves: ${saves.count}, ${(saves.ms / 1000).toFixed(1)} s in all (synchronous, at most one a second while epochs arrive), longest ${saves.maxMs.toFixed(1)} ms`);
  if (record.state !== 'succeeded' || record.epochs.length !== EPOCHS) failed = true;

  console.log(`\nsampled every ${SAMPLE_MS} ms (heap without a forced GC), every ~10 % of the run:`);
  const step = Math.max(1, Math.floor(samples.length / 10));
  for (let i = 0; i < samples.length; i += step) {
    const s = samples[i]!;
    console.log(`  ${(s.ms / 1000).toFixed(1).padStart(6)} s  epoch ${String(s.epoch).padStart(5)}  heapUsed ${mib(s.heapUsed).padStart(11)}  rss ${mib(s.rss).padStart(11)}`);
  }
  const peakHeap = Math.max(...samples.map((s) => s.heapUsed));
  const peakRss = Math.max(...samples.map((s) => s.rss));
  console.log(`  peak: heapUsed ${mib(peakHeap)}, rss ${mib(peakRss)} (${samples.length} samples)`);

  console.log('\nafter a full GC:');
  for (const mark of [before, ...marks, end]) {
    console.log(`  ${mark.label.padEnd(24)} heapUsed ${mib(mark.heapUsed).padStart(11)}  rss ${mib(mark.rss).padStart(11)}  external ${mib(mark.external).padStart(10)}`);
  }
  const early = marks.find((m) => m.epoch === Math.round(EPOCHS / 10));
  const last = marks.find((m) => m.epoch === EPOCHS) ?? end;
  if (!early) {
    console.log('  (no measurement at 10 % of the epochs: the run did not get there)');
    failed = true;
  } else {
    const ratio = last.heapUsed / early.heapUsed;
    const perEpoch = (last.heapUsed - early.heapUsed) / (last.epoch - early.epoch);
    console.log(`\nheapUsed after GC, epoch ${last.epoch} / epoch ${early.epoch}: ${ratio.toFixed(3)} (goal <= 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'}); ` +
      `${perEpoch.toFixed(0)} B more per epoch (the record's per-epoch metrics); rss ${mib(last.rss)} vs ${mib(early.rss)} (${(last.rss / early.rss).toFixed(3)})`);
    if (ratio > 1.5) failed = true;
  }
  console.log(`heapUsed after GC once the core let the run go: ${mib(settled('disposed', 0).heapUsed)}`);
} finally {
  if (containerId) spawnSync('docker', ['rm', '-f', '-v', containerId], { encoding: 'utf8' });
  rmSync(work, { recursive: true, force: true });
}
if (failed) {
  console.log('\nFAILED: see above');
  process.exit(1);
}
