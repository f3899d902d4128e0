/**
 * The Keras console parser: reads what an AUCMEDI container prints (stdout and stderr, tagged) and
 * keeps a `ProgressState` plus the metrics of every finished epoch, emitting `ProgressEvent`s.
 *
 * It takes both generations of Keras output:
 * - tf.keras 2.x: `  12/177 [>.....] - ETA: 31s - loss: 0.7012 - auc: 0.81` while an epoch runs,
 *   `177/177 [=====] - 21s 92ms/step - loss: ... - val_loss: ... - lr: 1.0000e-04` when it ends;
 *   `verbose=2` lines (`177/177 - 21s - loss: ...`) too;
 * - Keras 3: `12/177 ━━━━━━━━━━━━━━━━━━━━ 31s 180ms/step - auc: 0.81 - loss: 0.70` (the first time is
 *   the ETA while `12 < 177`, the elapsed time at `177/177`), with or without its ANSI colours, and
 *   `learning_rate` (stored as `lr`);
 * with `\b`/`\r` redraws (a TTY, or any Linux stdout: Keras redraws whenever `posix` is loaded) or
 * one line per update; `Epoch i/N`; ModelCheckpoint, ReduceLROnPlateau and EarlyStopping messages
 * (`Epoch 3: ...`, also the older `Epoch 00003: ...`); TensorFlow's C++ log lines (both the
 * `2024-01-01 10:00:00.123456: W tensorflow/...] ...` and the absl `W0000 00:00:...] ...` forms),
 * Python warnings and tracebacks.
 *
 * The state depends only on the sequence of lines, so feeding a log whole (replay after a reattach),
 * line by line or in chunks of any size gives the same final result. (By default, of the bar redraws
 * in one chunk only the last is read: the ones before it leave nothing behind in the state, and
 * skipping them makes the parser about as fast as a plain line split.) Memory is bounded: the parser keeps
 * the per-epoch metrics (bounded by the number of epochs), a few error lines and at most one
 * unfinished line per stream (64 Ki characters at most), never the log itself.
 */
import type {
  BestEpoch,
  EpochMetrics,
  LogKind,
  LogLevel,
  LogStream,
  LrChange,
  MetricValue,
  ProgressEvent,
  ProgressResult,
  ProgressState,
  RunPhase,
  TrainingPhase,
} from '../api/progress';
import { FROZEN_EPOCHS, trainedEpochs } from '../api/epochs';
import { LineSplitter, type LineSink } from './line-splitter';

export interface KerasParserOptions {
  /**
   * The `--epochs` option of the run. The state's `totalEpochs` starts at what AUCMEDI really
   * trains, at least 10 (`src/api/epochs.ts`): the frozen fit alone prints `/10`.
   */
  totalEpochs?: number | null;
  /** Receives every event, in log order. */
  onEvent?: (event: ProgressEvent) => void;
  /** Emit a `log` event for every line that is not a progress bar (default true). */
  logEvents?: boolean;
  /** Longest line kept by the splitters (default 64 Ki characters). */
  maxLineLength?: number;
  /**
   * Read every bar redraw (a `batch` event each). By default a redraw that a later one in the same
   * chunk draws over is skipped (see `LineSplitter`'s `coalesceRedraws`): the final state is the
   * same, and a TTY log splits about as fast as a plain split on `\n`.
   */
  everyRedraw?: boolean;
}

/** How many error lines `ProgressState.errors` keeps. */
export const MAX_ERRORS = 8;
/** Longest error line kept (characters). */
const MAX_ERROR_LENGTH = 2000;
/** How many lines after a traceback's `Graph execution error:` are searched for the real message. */
const MAX_TAIL_LINES = 400;

const SPACE = 32;
const TAB = 9;
const SLASH = 47;
const ZERO = 48;
const NINE = 57;

const isDigit = (code: number) => code >= ZERO && code <= NINE;
const isNameStart = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;

/** ANSI escape sequences (Keras 3 colours its bar; a pinned bar moves the cursor). */
const ANSI = /\x1b\[[0-?]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.indexOf('\x1b') === -1 ? text : text.replace(ANSI, '');
}

const EPOCH_HEADER = /^Epoch (\d+)\/(\d+)\s*$/;
const EPOCH_CALLBACK = /^Epoch 0*(\d+): (.*)$/;
const IMPROVED = /^(\S+) improved from (\S+) to ([^\s,]+),/;
const REDUCE_LR = /ReduceLROnPlateau reducing learning rate to (\S+?)\.?\s*$/;
const RESTORING = /^Restoring model weights from the end of the best epoch:? 0*(\d+)/;
/** `2024-01-01 10:00:00.123456: W tensorflow/core/...cc:123] message` */
const TF_LOG = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?: ([IWEF]) (\S+?)\] ?(.*)$/;
/** absl (TF >= 2.16): `W0000 00:00:1712345678.123456   12345 gpu_device.cc:2344] message` */
const ABSL_LOG = /^([IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ (\S+?)\] ?(.*)$/;
/** `/usr/lib/python3/dist-packages/x.py:12: UserWarning: message` */
const PY_WARNING = /^\S.*?:\d+: (?:[A-Za-z_][\w.]*)?Warning: /;
/** Python `logging`: `WARNING:tensorflow:...`, `ERROR:root:...` */
const PY_LOGGING = /^(DEBUG|INFO|WARNING|ERROR|CRITICAL):[\w.]*:/;
/** argparse: `aucmedi training: error: argument --analysis: invalid choice: ...` */
const ARGPARSE_ERROR = /^[\w.-]+(?: [\w.-]+)*: error: /;
/** An exception line: `KeyError: 'x'`, `tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM ...`, `KeyboardInterrupt`. */
const EXCEPTION_LINE = /^((?:[A-Za-z_][\w]*\.)*)([A-Za-z_]\w*)(:.*)?$/;
const CHAINED = /^(During handling of the above exception|The above exception was the direct cause)/;
/** Lines inside a TensorFlow error message that are not its point. */
const TAIL_NOISE = /^(Detected at node|Node:|Hint:|\[\[|\[Op:|Stack trace|Traceback|During handling|The above exception)/;
/** Text glued to an unterminated progress bar in a TTY (stdout and stderr share one terminal). */
const GLUED =
  /Traceback \(most recent call last\):|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?: [IWEF] |[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ /;
/** TensorFlow `E` lines every GPU start prints and that mean nothing for the run. */
const BENIGN_TF_ERROR =
  /Unable to register cu(?:DNN|FFT|BLAS) factory|failed call to cuInit|could not open file to read NUMA node|TF-TRT Warning|computation placer already registered|Could not find cuda drivers|cudaGetDevice\(\) failed/i;
const OOM = /OOM when allocating|RESOURCE_EXHAUSTED|CUDA_ERROR_OUT_OF_MEMORY|out of memory/i;

/** `text[start, end)` as a duration: `31s`, `1:02`, `1:02:03` -> seconds; NaN when it is not one. */
function durationAt(text: string, start: number, end: number): number {
  let s = start;
  let e = end;
  while (s < e && text.charCodeAt(s) === SPACE) s += 1;
  while (e > s && text.charCodeAt(e - 1) === SPACE) e -= 1;
  if (e > s && text.charCodeAt(e - 1) === 115 /* s */) e -= 1;
  let total = 0;
  let value = 0;
  let digits = 0;
  let groups = 1;
  for (let i = s; i < e; i += 1) {
    const code = text.charCodeAt(i);
    if (isDigit(code)) {
      value = value * 10 + (code - ZERO);
      digits += 1;
    } else if (code === 58 /* : */ && digits > 0 && groups < 3) {
      total = total * 60 + value;
      value = 0;
      digits = 0;
      groups += 1;
    } else {
      return Number.NaN;
    }
  }
  return digits === 0 ? Number.NaN : total * 60 + value;
}

/** `31s`, `1:02`, `1:02:03` -> seconds; NaN when not a duration. */
export function parseDuration(text: string): number {
  return durationAt(text, 0, text.length);
}

/** A metric value as Keras prints it: `0.5103`, `1.0000e-04`, `-0.5`, `nan`, `inf`. Undefined when not a number. */
export function parseMetricValue(text: string): MetricValue | undefined {
  const first = text.charCodeAt(0);
  if (isDigit(first) || (first === 45 /* - */ && isDigit(text.charCodeAt(1)))) {
    const number = Number(text); // the common case: `0.5103`, `1.0000e-04`, `-0.5` (trailing padding is fine)
    if (!Number.isNaN(number)) return Number.isFinite(number) ? number : null;
  }
  const value = text.trim();
  if (value.length === 0) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'nan' || lower === '-nan' || lower === 'inf' || lower === '-inf' || lower === '+inf' || lower === 'infinity' || lower === '-infinity') {
    return null;
  }
  const number = Number(value);
  if (Number.isNaN(number)) return undefined;
  return Number.isFinite(number) ? number : null;
}

/** The name a metric is stored under: Keras 3's `learning_rate` is `lr`, as in Keras 2 and AUCMEDI's CSV log. */
export function metricName(name: string): string {
  return name === 'learning_rate' ? 'lr' : name;
}

/**
 * The `name: value` pairs of a progress-bar line from `from` on (` - loss: 0.51 - auc: 0.95 ...`);
 * segments that are not a metric (`92ms/step`, `21s/epoch`) are skipped.
 */
export function parseMetrics(text: string, from = 0): Record<string, MetricValue> {
  const metrics: Record<string, MetricValue> = {};
  let at = from;
  const length = text.length;
  while (at < length) {
    let next = text.indexOf(' - ', at);
    if (next === -1) next = length;
    const colon = text.indexOf(': ', at);
    if (colon !== -1 && colon < next) {
      let start = at;
      while (start < colon && text.charCodeAt(start) === SPACE) start += 1;
      if (start < colon && isNameStart(text.charCodeAt(start))) {
        const name = text.slice(start, colon);
        if (name.indexOf(' ') === -1) {
          const value = parseMetricValue(text.slice(colon + 2, next));
          if (value !== undefined) metrics[metricName(name)] = value;
        }
      }
    }
    at = next + 3;
  }
  return metrics;
}

/** `tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM ...` -> `ResourceExhaustedError: OOM ...` */
export function plainException(line: string): string {
  const text = line.trim();
  const m = EXCEPTION_LINE.exec(text);
  if (m === null) return text;
  return `${m[2]}${m[3] ?? ''}`;
}

interface StreamState {
  splitter: LineSplitter;
  /** Inside a traceback's frames. */
  traceback: boolean;
  /** Lines left to search for the point of a `...: Graph execution error:` style exception. */
  tail: number;
  /** The exception type the tail refines (`ResourceExhaustedError`). */
  tailType: string;
  /** The line before was a Python warning: an indented line is its source line. */
  afterWarning: boolean;
  /** `Downloading data from ...` was printed: the bars that follow count bytes, not batches. */
  downloading: boolean;
}

function sameMetrics(a: EpochMetrics, b: EpochMetrics): boolean {
  if (a.seconds !== b.seconds) return false;
  const keys = Object.keys(a.metrics);
  if (keys.length !== Object.keys(b.metrics).length) return false;
  return keys.every((key) => a.metrics[key] === b.metrics[key]);
}

export class KerasParser {
  private readonly onEvent: ((event: ProgressEvent) => void) | undefined;
  private readonly logEvents: boolean;
  private readonly optionEpochs: number | null;
  private readonly streams: Record<LogStream, StreamState>;
  private readonly sinks: Record<LogStream, LineSink>;

  // The state, kept in fields; `state()` returns a snapshot.
  private phase: RunPhase = 'starting';
  private model = 0;
  private epoch: number | null = null;
  private totalEpochs: number | null;
  private batch: number | null = null;
  private totalBatches: number | null = null;
  private etaSeconds: number | null = null;
  /** The metrics part of the latest bar, parsed only when the state is read. */
  private liveRaw: string | null = null;
  private liveFrom = 0;
  private liveMetrics: Record<string, MetricValue> | null = {};
  private best: BestEpoch | null = null;
  private earlyStopped = false;
  private stoppedEpoch: number | null = null;
  private restoredEpoch: number | null = null;
  private readonly lrChanges: LrChange[] = [];
  private lastError: string | null = null;
  private readonly errors: string[] = [];
  private warnings = 0;
  private readonly history: EpochMetrics[] = [];

  /** An epoch has started and its finished line has not been seen. */
  private inEpoch = false;
  /** The last finished epoch's bar target, to recognise Keras 3's second final line. */
  private endedTarget: number | null = null;
  private ended = false;

  constructor(options: KerasParserOptions = {}) {
    this.onEvent = options.onEvent;
    this.logEvents = options.logEvents ?? true;
    const total = options.totalEpochs;
    this.optionEpochs = typeof total === 'number' && Number.isFinite(total) && total > 0 ? trainedEpochs(total) : null;
    this.totalEpochs = this.optionEpochs;
    const splitterOptions = {
      coalesceRedraws: !(options.everyRedraw ?? false),
      ...(options.maxLineLength === undefined ? {} : { maxLineLength: options.maxLineLength }),
    };
    const stream = (): StreamState => ({ splitter: new LineSplitter(splitterOptions), traceback: false, tail: 0, tailType: '', afterWarning: false, downloading: false });
    this.streams = { stdout: stream(), stderr: stream() };
    this.sinks = {
      stdout: (text, redraw) => this.line('stdout', text, redraw),
      stderr: (text, redraw) => this.line('stderr', text, redraw),
    };
  }

  /** Feed a chunk of a stream, as it arrives (split anywhere). */
  write(stream: LogStream, chunk: string | Uint8Array): void {
    this.streams[stream].splitter.push(chunk, this.sinks[stream]);
  }

  /** The log ended (the container exited, or a replay is complete): flush the last lines, phase `finished`. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.streams.stdout.splitter.end(this.sinks.stdout);
    this.streams.stderr.splitter.end(this.sinks.stderr);
    this.etaSeconds = null;
    this.setPhase('finished');
  }

  /** A snapshot of the state (a copy: JSON-serialisable, safe to keep). */
  state(): ProgressState {
    return {
      phase: this.phase,
      model: this.model,
      epoch: this.epoch,
      totalEpochs: this.totalEpochs,
      batch: this.batch,
      totalBatches: this.totalBatches,
      etaSeconds: this.etaSeconds,
      liveMetrics: { ...this.currentLiveMetrics() },
      bestEpoch: this.best === null ? null : { ...this.best },
      earlyStopped: this.earlyStopped,
      stoppedEpoch: this.stoppedEpoch,
      restoredEpoch: this.restoredEpoch,
      lrChanges: this.lrChanges.map((change) => ({ ...change })),
      lastError: this.lastError,
      errors: [...this.errors],
      warnings: this.warnings,
    };
  }

  /** Every finished epoch so far, in order (copies). */
  epochs(): EpochMetrics[] {
    return this.history.map((entry) => ({ ...entry, metrics: { ...entry.metrics } }));
  }

  result(): ProgressResult {
    return { ...this.state(), epochs: this.epochs() };
  }

  /**
   * Feed one complete line (without its terminator). `redraw`: it ended with `\r` or `\b` (a bar
   * Keras will draw over); only a line that ended with a newline can carry text glued to a bar.
   */
  line(stream: LogStream, raw: string, redraw = false): void {
    let text = raw;
    if (text.indexOf('\x1b') !== -1) text = stripAnsi(text);
    const length = text.length;
    let i = 0;
    while (i < length) {
      const code = text.charCodeAt(i);
      if (code !== SPACE && code !== TAB) break;
      i += 1;
    }
    if (i === length) return; // blank
    const state = this.streams[stream];
    const first = text.charCodeAt(i);

    // Inside a traceback: frames and source lines are indented.
    if (state.traceback) {
      if (i > 0) {
        this.log(stream, 'traceback', 'error', text);
        return;
      }
      if (this.tensorflowLine(stream, text)) return;
      if (text.startsWith('Traceback (most recent call last):')) {
        this.log(stream, 'traceback', 'error', text);
        return;
      }
      state.traceback = false;
      this.exceptionLine(stream, state, text);
      return;
    }

    // The hot path: a progress bar.
    if (isDigit(first) && this.bar(stream, text, i, redraw)) return;

    if (text.startsWith('Traceback (most recent call last):', i)) {
      state.traceback = true;
      state.tail = 0;
      state.afterWarning = false;
      state.downloading = false;
      this.log(stream, 'traceback', 'error', text);
      return;
    }
    const trimmed = i === 0 ? text.trimEnd() : text.slice(i).trimEnd();
    if (first === 69 /* E */ && trimmed.startsWith('Epoch ')) {
      if (this.epochLine(stream, trimmed)) return;
    }
    if (this.tensorflowLine(stream, trimmed)) return;

    if (state.tail > 0) {
      state.tail -= 1;
      if (i === 0 && !TAIL_NOISE.test(trimmed)) {
        state.tail = 0;
        const refined = `${state.tailType}: ${trimmed}`;
        this.replaceError(stream, refined);
        this.log(stream, 'traceback', 'error', text);
        return;
      }
      this.log(stream, 'traceback', i === 0 ? 'error' : 'info', text);
      return;
    }
    if (CHAINED.test(trimmed)) {
      this.log(stream, 'traceback', 'error', text);
      return;
    }

    state.downloading = false;
    if (state.afterWarning && i > 0) {
      state.afterWarning = false;
      this.log(stream, 'warning', 'warning', text);
      return;
    }
    state.afterWarning = false;
    if (PY_WARNING.test(trimmed)) {
      this.warnings += 1;
      state.afterWarning = true;
      this.log(stream, 'warning', 'warning', text);
      return;
    }
    const logging = PY_LOGGING.exec(trimmed);
    if (logging !== null) {
      const level = logging[1];
      if (level === 'WARNING') {
        this.warnings += 1;
        this.log(stream, 'warning', 'warning', text);
      } else if (level === 'ERROR' || level === 'CRITICAL') {
        this.setError(stream, trimmed.slice(trimmed.indexOf(':', level.length + 1) + 1).trim() || trimmed);
        this.log(stream, 'output', 'error', text);
      } else {
        this.log(stream, 'output', 'info', text);
      }
      return;
    }
    if (trimmed.startsWith('Restoring model weights from the end of the best epoch')) {
      const m = RESTORING.exec(trimmed);
      if (m !== null) {
        this.restoredEpoch = Number(m[1]);
        this.emit({ type: 'restored', model: this.model, epoch: this.restoredEpoch });
      }
      this.log(stream, 'keras', 'info', text);
      return;
    }
    if (trimmed.startsWith('Downloading data from ')) {
      state.downloading = true;
      this.log(stream, 'keras', 'info', text);
      return;
    }
    if (ARGPARSE_ERROR.test(trimmed) || OOM.test(trimmed)) {
      this.setError(stream, trimmed);
      this.log(stream, 'output', 'error', text);
      return;
    }
    this.log(stream, 'output', 'info', text);
  }

  // ---------------------------------------------------------------------------------------------

  private emit(event: ProgressEvent): void {
    if (this.onEvent !== undefined) this.onEvent(event);
  }

  private log(stream: LogStream, kind: LogKind, level: LogLevel, text: string): void {
    if (this.logEvents && this.onEvent !== undefined) this.onEvent({ type: 'log', stream, kind, level, text: text.trimEnd() });
  }

  private setPhase(phase: RunPhase): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.emit({ type: 'phase', phase });
  }

  private setError(stream: LogStream, message: string): void {
    const text = message.length > MAX_ERROR_LENGTH ? message.slice(0, MAX_ERROR_LENGTH) : message;
    this.lastError = text;
    this.errors.push(text);
    if (this.errors.length > MAX_ERRORS) this.errors.shift();
    this.emit({ type: 'error', stream, message: text });
  }

  private replaceError(stream: LogStream, message: string): void {
    if (this.errors.length > 0) this.errors.pop();
    this.setError(stream, message);
  }

  private currentLiveMetrics(): Record<string, MetricValue> {
    if (this.liveMetrics === null) this.liveMetrics = this.liveRaw === null ? {} : parseMetrics(this.liveRaw, this.liveFrom);
    return this.liveMetrics;
  }

  private setLive(text: string | null, from: number): void {
    this.liveRaw = text;
    this.liveFrom = from;
    this.liveMetrics = text === null ? {} : null;
  }

  /** The final line of a traceback. */
  private exceptionLine(stream: LogStream, state: StreamState, text: string): void {
    const line = text.trimEnd();
    const plain = plainException(line);
    this.setError(stream, plain);
    // `ResourceExhaustedError: Graph execution error:`: the point comes a few lines later.
    const colon = plain.indexOf(':');
    if (plain.endsWith(':') && colon > 0) {
      state.tail = MAX_TAIL_LINES;
      state.tailType = plain.slice(0, colon);
    }
    this.log(stream, 'traceback', 'error', line);
  }

  /** A TensorFlow/absl C++ log line; false when `text` is not one. */
  private tensorflowLine(stream: LogStream, text: string): boolean {
    const first = text.charCodeAt(0);
    let m: RegExpExecArray | null = null;
    if (isDigit(first)) m = TF_LOG.exec(text);
    else if (first === 73 || first === 87 || first === 69 || first === 70) m = ABSL_LOG.exec(text); // I W E F
    if (m === null) return false;
    const level = m[1]!;
    const message = (m[3] ?? '').trim();
    if (level === 'E' || level === 'F') {
      if (level === 'F' || !BENIGN_TF_ERROR.test(message)) {
        this.setError(stream, message);
        this.log(stream, 'tensorflow', 'error', text);
        return true;
      }
      this.log(stream, 'tensorflow', 'warning', text);
      return true;
    }
    if (level === 'W') {
      this.warnings += 1;
      if (/OOM when allocating|RESOURCE_EXHAUSTED/.test(message)) {
        this.setError(stream, message);
        this.log(stream, 'tensorflow', 'error', text);
        return true;
      }
      this.log(stream, 'tensorflow', 'warning', text);
      return true;
    }
    this.log(stream, 'tensorflow', 'info', text);
    return true;
  }

  /** `Epoch 3/25` or a callback's `Epoch 3: ...`; false when neither. */
  private epochLine(stream: LogStream, text: string): boolean {
    const header = EPOCH_HEADER.exec(text);
    if (header !== null) {
      this.streams[stream].downloading = false;
      this.startEpoch(Number(header[1]), Number(header[2]));
      this.log(stream, 'keras', 'info', text);
      return true;
    }
    const callback = EPOCH_CALLBACK.exec(text);
    if (callback === null) return false;
    this.streams[stream].downloading = false;
    const epoch = Number(callback[1]);
    const message = callback[2]!;
    const improved = IMPROVED.exec(message);
    if (improved !== null) {
      const value = parseMetricValue(improved[3]!);
      if (typeof value === 'number') {
        this.best = { model: this.model, epoch, monitor: improved[1]!, value };
        this.emit({ type: 'best', best: { ...this.best } });
      }
    } else if (message.includes('ReduceLROnPlateau')) {
      const m = REDUCE_LR.exec(message);
      const lr = m === null ? undefined : parseMetricValue(m[1]!);
      if (typeof lr === 'number') {
        const change: LrChange = { model: this.model, epoch, lr };
        this.lrChanges.push(change);
        this.emit({ type: 'lr', change: { ...change } });
      }
    } else if (/^early stopping\b/.test(message)) {
      this.earlyStopped = true;
      this.stoppedEpoch = epoch;
      this.emit({ type: 'early-stop', model: this.model, epoch });
    }
    this.log(stream, 'keras', 'info', text);
    return true;
  }

  private startEpoch(epoch: number, fitEpochs: number | null): void {
    if (this.epoch !== null && epoch <= this.epoch) {
      // Epochs count again from the start: the next model (advanced analysis trains one per fold).
      this.model += 1;
      this.best = null;
      this.restoredEpoch = null;
    }
    const phase: TrainingPhase = epoch > FROZEN_EPOCHS ? 'fine-tuning' : 'frozen';
    this.epoch = epoch;
    const total = Math.max(this.optionEpochs ?? 0, this.totalEpochs ?? 0, fitEpochs ?? 0, epoch);
    this.totalEpochs = total > 0 ? total : null;
    this.earlyStopped = false;
    this.stoppedEpoch = null;
    this.inEpoch = true;
    this.endedTarget = null;
    this.batch = this.totalBatches === null ? null : 0;
    this.etaSeconds = null;
    this.setLive(null, 0);
    this.setPhase(phase);
    this.emit({ type: 'epoch-start', model: this.model, epoch, totalEpochs: this.totalEpochs, phase });
  }

  /**
   * A progress bar: `current/target` (or `current/Unknown`), a bar (`[==>..]`, `━━━`, or none with
   * `verbose=2`), then the times and the metrics. False when `text` is not one.
   */
  private bar(stream: LogStream, text: string, start: number, redraw: boolean): boolean {
    const length = text.length;
    let j = start;
    let current = 0;
    while (j < length) {
      const code = text.charCodeAt(j);
      if (!isDigit(code)) break;
      current = current * 10 + (code - ZERO);
      j += 1;
    }
    if (text.charCodeAt(j) !== SLASH) return false;
    j += 1;
    let target: number | null = null;
    if (isDigit(text.charCodeAt(j))) {
      target = 0;
      while (j < length) {
        const code = text.charCodeAt(j);
        if (!isDigit(code)) break;
        target = target * 10 + (code - ZERO);
        j += 1;
      }
    } else if (text.startsWith('Unknown', j)) {
      j += 7;
    } else {
      return false;
    }
    if (text.charCodeAt(j) !== SPACE) return false;
    // The bar itself.
    const mark = text.charCodeAt(j + 1);
    let keras3 = false;
    if (mark === 91 /* [ */) {
      const close = text.indexOf(']', j + 2);
      if (close === -1) return false;
      j = close + 1;
    } else if (mark >= 0x2500 && mark <= 0x257f) {
      keras3 = true;
      j += 1;
      while (j < length) {
        const code = text.charCodeAt(j);
        if (code < 0x2500 || code > 0x257f) break;
        j += 1;
      }
    } else if (mark === 45 /* - */ && text.charCodeAt(j + 2) === SPACE) {
      // verbose=2: `177/177 - 21s - loss: ...`
    } else if (target === null && isDigit(mark)) {
      // Keras 3 with an unknown target: `     12/Unknown 21s 92ms/step - loss: ...`
      keras3 = true;
    } else {
      return false;
    }

    // In a TTY, stdout and stderr share the terminal: what another writer printed after an
    // unterminated bar ends up on the bar's line. Split it off (only bars that ended a line).
    const glued = !redraw && (text.indexOf('] ', j) !== -1 || text.indexOf('Traceback (', j) !== -1) ? GLUED.exec(text) : null;
    if (glued !== null && glued.index >= j) {
      this.bar(stream, text.slice(0, glued.index), start, true);
      this.line(stream, text.slice(glued.index));
      return true;
    }

    // Times: `- ETA: 31s` (tf.keras, running), `- 21s 92ms/step` (tf.keras, done), ` 31s 180ms/step` (Keras 3).
    let eta: number | null = null;
    let hasEta = false;
    let seconds: number | null = null;
    if (text.startsWith(' - ETA: ', j)) {
      hasEta = true;
      j += 8;
      let end = text.indexOf(' ', j);
      if (end === -1) end = length;
      const value = durationAt(text, j, end);
      eta = Number.isNaN(value) ? null : value;
      j = end;
    } else {
      let k = j;
      if (text.startsWith(' - ', k)) k += 3;
      else if (text.charCodeAt(k) === SPACE) k += 1;
      if (isDigit(text.charCodeAt(k))) {
        let end = text.indexOf(' ', k);
        if (end === -1) end = length;
        const value = durationAt(text, k, end);
        if (!Number.isNaN(value)) {
          if (keras3 && target !== null && current < target) {
            hasEta = true;
            eta = value;
          } else {
            seconds = value;
          }
        }
        j = end;
      }
    }
    // Where the metrics begin: the first ` - name: ` segment.
    let metricsFrom = -1;
    let at = text.indexOf(' - ', j);
    while (at !== -1) {
      if (isNameStart(text.charCodeAt(at + 3))) {
        metricsFrom = at;
        break;
      }
      at = text.indexOf(' - ', at + 3);
    }
    const hasMetrics = metricsFrom !== -1;
    const finished = target !== null && current >= target && !hasEta;

    if (this.streams[stream].downloading) return true; // Keras's download bar counts bytes
    if (!this.inEpoch) {
      if (!hasMetrics) {
        // A bar without metrics outside an epoch: prediction.
        this.setPhase('predicting');
        this.batch = current;
        this.totalBatches = target;
        this.etaSeconds = finished ? null : eta;
        this.setLive(null, 0);
        this.emit({ type: 'batch', epoch: null, batch: current, totalBatches: target, etaSeconds: this.etaSeconds });
        return true;
      }
      if (finished && this.endedTarget !== null && target === this.endedTarget && (this.phase === 'frozen' || this.phase === 'fine-tuning')) {
        // Keras 3 prints the last batch's bar (`177/177 ... 0s ...`), then the final one with validation.
        this.endEpoch(text, metricsFrom, current, target, seconds, true);
        return true;
      }
      // Training metrics without an `Epoch i/N` line: Keras prints none when a fit has one epoch.
      const last = this.history[this.history.length - 1];
      this.startEpoch(last !== undefined && last.model === this.model ? last.epoch + 1 : (this.epoch ?? 0) + 1, null);
    }
    if (finished) {
      this.endEpoch(text, metricsFrom, current, target, seconds, false);
      return true;
    }
    this.batch = current;
    this.totalBatches = target;
    this.etaSeconds = eta;
    if (hasMetrics) this.setLive(text, metricsFrom);
    if (this.onEvent !== undefined) {
      this.onEvent({ type: 'batch', epoch: this.epoch, batch: current, totalBatches: target, etaSeconds: eta });
    }
    return true;
  }

  private endEpoch(text: string, metricsFrom: number, current: number, target: number | null, seconds: number | null, replaceLast: boolean): void {
    const metrics = metricsFrom === -1 ? {} : parseMetrics(text, metricsFrom);
    const epoch = this.epoch ?? 1;
    const entry: EpochMetrics = {
      epoch,
      model: this.model,
      phase: epoch > FROZEN_EPOCHS ? 'fine-tuning' : 'frozen',
      metrics,
      seconds,
    };
    const last = this.history[this.history.length - 1];
    const replaces = replaceLast && last !== undefined && last.model === entry.model && last.epoch === entry.epoch;
    this.inEpoch = false;
    this.endedTarget = target;
    this.batch = current;
    this.totalBatches = target;
    this.etaSeconds = null;
    this.liveRaw = null;
    this.liveMetrics = { ...metrics };
    if (replaces) {
      this.history[this.history.length - 1] = entry;
      if (sameMetrics(last, entry)) return;
    } else {
      this.history.push(entry);
    }
    this.emit({ type: 'epoch-end', metrics: { ...entry, metrics: { ...metrics } }, replaces });
  }
}

export type LogPiece = { stream: LogStream; chunk: string | Uint8Array };

/**
 * Parse a whole log at once (replay after a reattach): the same result as feeding it chunk by chunk
 * to a `KerasParser` and calling `end()`. A plain text or buffer is read as stdout; pieces keep
 * their streams and order.
 */
export function parseLog(log: string | Uint8Array | readonly LogPiece[], options: Omit<KerasParserOptions, 'onEvent'> = {}): ProgressResult {
  const parser = new KerasParser(options);
  if (typeof log === 'string' || log instanceof Uint8Array) parser.write('stdout', log);
  else for (const piece of log) parser.write(piece.stream, piece.chunk);
  parser.end();
  return parser.result();
}
