// bench/progress-parse: the Keras console parser (line splitter + parser) against a plain line split
// of the same bytes, in the same run, alternating, on a synthetic ~100 MB log of a long training run
// with TTY redraws (`\b...\r` bar updates every batch, thousands of epochs). Prints MB/s of both,
// the ratio (goal: the parser at least a third of the plain split's speed), and the parser's heap
// after vs before (bounded: per-epoch metrics only, never the log).
//
//   node bench/run.mjs progress-parse
//   BENCH_MB=100 BENCH_ROUNDS=5 BENCH_FORMATS=tf2,keras3 node bench/run.mjs progress-parse
import { StringDecoder } from 'node:string_decoder';
import v8 from 'node:v8';
import vm from 'node:vm';
import { KerasParser } from '../../src/aucmedi/keras-parser';
import type { ProgressEvent } from '../../src/api/progress';

const MB = Number(process.env.BENCH_MB ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const FORMATS = (process.env.BENCH_FORMATS ?? 'tf2,keras3').split(',').map((f) => f.trim()) as Format[];
const CHUNK = 64 * 1024;
const BATCHES = 177;

type Format = 'tf2' | 'keras3';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fmt = (v: number) => (Math.abs(v) > 1e-3 ? v.toFixed(4) : v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2'));

function eta(seconds: number): string {
  if (seconds > 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds > 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.floor(seconds)}s`;
}

/**
 * One epoch as Keras prints it in a TTY: the header, a redraw per batch (`\b` x previous width,
 * `\r`, the bar, padding), a checkpoint message, the finished line; now and then a TensorFlow
 * warning and a ReduceLROnPlateau message.
 */
function epochText(format: Format, epoch: number, epochs: number, redraws: number, random: () => number): string {
  const parts: string[] = [`Epoch ${epoch}/${epochs}\n`];
  let previous = 0;
  let loss = 0.7 - Math.min(0.6, epoch * 0.0002);
  let auc = 0.6 + Math.min(0.39, epoch * 0.0001);
  const digits = String(BATCHES).length;
  const width = format === 'tf2' ? 30 : 20;
  for (let r = 1; r <= redraws; r += 1) {
    const current = Math.max(1, Math.round((r * BATCHES) / (redraws + 1)));
    loss += (random() - 0.5) * 0.01;
    auc = Math.min(0.9999, auc + (random() - 0.4) * 0.002);
    const filled = Math.floor((width * current) / BATCHES);
    let bar: string;
    let info: string;
    if (format === 'tf2') {
      bar = `${String(current).padStart(digits)}/${BATCHES} [${'='.repeat(Math.max(0, filled - 1))}>${'.'.repeat(width - filled)}]`;
      info = ` - ETA: ${eta((BATCHES - current) * 0.18)} - loss: ${fmt(loss)} - auc: ${fmt(auc)} - f1_score: ${fmt(auc - 0.05)}`;
    } else {
      bar = `\x1b[1m${String(current).padStart(digits)}/${BATCHES}\x1b[0m \x1b[32m${'━'.repeat(filled)}\x1b[0m\x1b[37m${'━'.repeat(width - filled)}\x1b[0m`;
      info = ` \x1b[1m${eta((BATCHES - current) * 0.18)}\x1b[0m 180ms/step - auc: ${fmt(auc)} - f1_score: ${fmt(auc - 0.05)} - loss: ${fmt(loss)}`;
    }
    const visible = bar.replace(/\x1b\[\d*m/g, '').length + info.replace(/\x1b\[\d*m/g, '').length;
    parts.push('\b'.repeat(previous), '\r', bar, info, previous > visible ? ' '.repeat(previous - visible) : '');
    previous = visible;
  }
  if (random() < 0.02) parts.push('\n2024-01-01 10:00:00.123456: W tensorflow/core/data/root_dataset.cc:286] Optimization loop failed: CANCELLED: Operation was cancelled');
  const valLoss = loss - 0.05 + random() * 0.02;
  parts.push(
    random() < 0.5
      ? `\nEpoch ${epoch}: val_loss improved from ${(valLoss + 0.001).toFixed(5)} to ${valLoss.toFixed(5)}, saving model to model/model.best_loss.keras\n`
      : `\nEpoch ${epoch}: val_loss did not improve from ${(valLoss - 0.001).toFixed(5)}\n`,
  );
  if (epoch % 97 === 0) parts.push(`\nEpoch ${epoch}: ReduceLROnPlateau reducing learning rate to 9.999999747378752e-07.\n`);
  const metrics = `loss: ${fmt(loss)} - auc: ${fmt(auc)} - f1_score: ${fmt(auc - 0.05)} - val_loss: ${fmt(valLoss)} - val_auc: ${fmt(auc - 0.01)} - val_f1_score: ${fmt(auc - 0.07)} - lr: 1.0000e-04`;
  const done =
    format === 'tf2'
      ? `${BATCHES}/${BATCHES} [${'='.repeat(width)}] - 32s 180ms/step - ${metrics}`
      : `\x1b[1m${BATCHES}/${BATCHES}\x1b[0m \x1b[32m${'━'.repeat(width)}\x1b[0m\x1b[37m\x1b[0m \x1b[1m32s\x1b[0m 180ms/step - ${metrics.replace('lr:', 'learning_rate:')}`;
  parts.push('\b'.repeat(previous), '\r', done, '\n');
  return parts.join('');
}

const STARTUP = [
  '2024-01-01 10:00:00.123456: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on.',
  '2024-01-01 10:00:00.223456: E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:9261] Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered',
  '2024-01-01 10:00:01.123456: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1929] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 22290 MB memory',
  '/usr/local/lib/python3.11/dist-packages/keras/src/trainers/data_adapters/py_dataset_adapter.py:121: UserWarning: Your `PyDataset` class should call `super().__init__(**kwargs)` in its constructor.',
  '  self._warn_if_super_not_called()',
].join('\n');

/** A synthetic log of about `mb` MB with `epochs` epochs (redraws per epoch chosen to fill it). */
function makeLog(format: Format, mb: number, epochs: number): Buffer {
  const random = rng(7);
  const sample = Buffer.byteLength(epochText(format, 1, epochs, 100, rng(1)));
  const redraws = Math.max(1, Math.round(((mb * 1e6) / epochs / sample) * 100));
  const parts: string[] = [STARTUP, '\n'];
  for (let e = 1; e <= epochs; e += 1) parts.push(epochText(format, e, epochs, redraws, random));
  parts.push(`Epoch ${epochs}: early stopping\n`);
  return Buffer.from(parts.join(''), 'utf8');
}

function chunksOf(buffer: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < buffer.length; offset += CHUNK) chunks.push(buffer.subarray(offset, offset + CHUNK));
  return chunks;
}

/** (a) The reference: decode, split on `\n`, count. */
function plainSplit(chunks: Buffer[]): number {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lines = 0;
  for (const chunk of chunks) {
    const parts = (carry + decoder.write(chunk)).split('\n');
    carry = parts.pop()!;
    lines += parts.length;
  }
  carry += decoder.end();
  if (carry.length > 0) lines += 1;
  return lines;
}

interface ParseRun {
  epochs: number;
  events: number;
  batches: number;
  parser: KerasParser;
}

/** (b) The splitter and parser, with an event listener that counts. */
function parse(chunks: Buffer[], everyRedraw = false): ParseRun {
  let events = 0;
  let batches = 0;
  const parser = new KerasParser({
    everyRedraw,
    onEvent: (event: ProgressEvent) => {
      events += 1;
      if (event.type === 'batch') batches += 1;
    },
  });
  for (const chunk of chunks) parser.write('stdout', chunk);
  parser.end();
  return { epochs: parser.epochs().length, events, batches, parser };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(2);

function heapDelta(chunks: Buffer[]): { before: number; after: number; epochs: number } {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const run = parse(chunks);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const epochs = run.parser.epochs().length; // keeps the parser alive until after the measurement
  return { before, after, epochs };
}

let failed = false;
for (const format of FORMATS) {
  const epochs = 2500;
  const log = makeLog(format, MB, epochs);
  const chunks = chunksOf(log);
  const megabytes = log.length / 1e6;
  console.log(`\n[${format}] synthetic log: ${megabytes.toFixed(1)} MB, ${epochs} epochs of ${BATCHES} batches, ${chunks.length} chunks of 64 KiB`);

  // Check once that it parses right.
  const check = parse(chunks);
  const state = check.parser.state();
  if (check.epochs !== epochs || state.epoch !== epochs || !state.earlyStopped || state.lrChanges.length !== Math.floor(epochs / 97)) {
    console.log(`  WRONG RESULT: ${check.epochs} epochs, state ${JSON.stringify({ ...state, liveMetrics: undefined })}`);
    failed = true;
  }
  console.log(`  parsed: ${check.epochs} epochs, ${check.batches} bar redraws, ${check.events} events, phase ${state.phase}`);

  const plainTimes: number[] = [];
  const parseTimes: number[] = [];
  let lines = 0;
  plainSplit(chunks); // warm-up
  parse(chunks);
  for (let round = 0; round < ROUNDS; round += 1) {
    let started = performance.now();
    lines = plainSplit(chunks);
    plainTimes.push(performance.now() - started);
    started = performance.now();
    parse(chunks);
    parseTimes.push(performance.now() - started);
  }
  const plainMs = median(plainTimes);
  const parseMs = median(parseTimes);
  const plainRate = megabytes / (plainMs / 1000);
  const parseRate = megabytes / (parseMs / 1000);
  const ratio = parseRate / plainRate;
  console.log(`  (a) plain split on \\n (decode + split + count, ${lines} lines): median ${plainMs.toFixed(0)} ms = ${plainRate.toFixed(0)} MB/s`);
  console.log(`  (b) line splitter + Keras parser:                          median ${parseMs.toFixed(0)} ms = ${parseRate.toFixed(0)} MB/s`);
  console.log(`  ratio (b)/(a): ${ratio.toFixed(2)}  (goal >= 0.33: ${ratio >= 1 / 3 ? 'met' : 'NOT met'})  [${ROUNDS} rounds, medians]`);
  if (ratio < 1 / 3) failed = true;
  const every: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    const started = performance.now();
    const all = parse(chunks, true);
    every.push(performance.now() - started);
    if (round === 0 && all.parser.result().epochs.length !== epochs) failed = true;
  }
  const everyRate = megabytes / (median(every) / 1000);
  console.log(`  (for information) with everyRedraw (every bar redraw parsed, a batch event each): ${everyRate.toFixed(0)} MB/s, ratio ${(everyRate / plainRate).toFixed(2)}`);

  // Heap: the parser holds per-epoch metrics, not the log. A log a quarter as long with the same
  // epochs (fewer redraws) must leave the same heap behind.
  const full = heapDelta(chunks);
  const short = heapDelta(chunksOf(makeLog(format, MB / 4, epochs)));
  const fullDelta = full.after - full.before;
  const shortDelta = short.after - short.before;
  console.log(
    `  heap: before ${mib(full.before)} MiB, after ${mib(full.after)} MiB, held by the parser ${mib(fullDelta)} MiB ` +
      `(${Math.round(fullDelta / full.epochs)} B per epoch kept) for ${megabytes.toFixed(0)} MB of log`,
  );
  console.log(`        same ${short.epochs} epochs in a log a quarter as long: held ${mib(shortDelta)} MiB (independent of log length)`);
  if (fullDelta > 4 * Math.max(shortDelta, 1 << 20)) failed = true;
}
if (failed) {
  console.log('\nFAILED: see above');
  process.exit(1);
}
