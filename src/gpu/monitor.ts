import {
  classifyNvidiaSmiOutput,
  lines,
  parseIndex,
  parseMiB,
  runNvidiaSmi,
  splitRow,
  stateOfFailedRun,
  type NvidiaSmiOptions,
} from './nvidia-smi';
import type { GpuSample, GpuSampleBatch, HostGpuState } from '../api/gpu';

export const MONITOR_QUERY_ARGS = ['--query-gpu=index,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'];
export const DEFAULT_MONITOR_INTERVAL_MS = 3_000;

/** Parses `--query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits`. */
export function parseUtilization(text: string): GpuSample[] {
  const samples: GpuSample[] = [];
  for (const line of lines(text)) {
    const fields = splitRow(line, 4);
    if (!fields || fields.length !== 4) continue;
    const index = parseIndex(fields[0]!);
    if (index === null) continue;
    samples.push({
      index,
      utilizationPercent: parseMiB(fields[1]!),
      memoryUsedMiB: parseMiB(fields[2]!),
      memoryTotalMiB: parseMiB(fields[3]!),
    });
  }
  return samples;
}

export type SampleResult = { ok: true; gpus: GpuSample[] } | { ok: false; detail: string };

/** One reading of all GPUs. Never throws. */
export async function sampleGpus(options: NvidiaSmiOptions = {}): Promise<SampleResult> {
  const run = await runNvidiaSmi(MONITOR_QUERY_ARGS, options);
  if (run.kind !== 'exited') return { ok: false, detail: describe(stateOfFailedRun(run)) };
  const gpus = parseUtilization(run.stdout);
  if (gpus.length > 0) return { ok: true, gpus };
  const failure = classifyNvidiaSmiOutput(run.exitCode, `${run.stdout}\n${run.stderr}`) ?? { state: 'no-gpu', detail: 'nvidia-smi listed no GPU' };
  return { ok: false, detail: describe(failure) };
}

function describe(state: HostGpuState): string {
  switch (state.state) {
    case 'no-driver':
      return 'nvidia-smi was not found';
    case 'no-gpu':
      return state.detail ?? 'nvidia-smi listed no GPU';
    case 'driver-error':
      return state.detail;
    case 'ok':
      return 'ok';
  }
}

export interface GpuMonitorOptions extends NvidiaSmiOptions {
  /** Pause between the end of one reading and the start of the next. */
  intervalMs?: number;
  /** Only these GPUs (the run's); all GPUs when absent. */
  indices?: number[];
  onSample: (batch: GpuSampleBatch) => void;
  /** Called once when readings start failing, and once more only after they recovered and failed again. */
  onError?: (detail: string) => void;
  now?: () => Date;
}

export interface GpuMonitor {
  /** Takes a reading now, then every interval. Calling it again while running does nothing. */
  start(): void;
  /** Stops; resolves once a reading in progress has finished. No callback comes after it resolves. */
  stop(): Promise<void>;
  readonly running: boolean;
}

/** Samples GPU utilisation while a run uses GPUs. Readings never overlap; a failing reading is reported, never thrown. */
export function createGpuMonitor(options: GpuMonitorOptions): GpuMonitor {
  const intervalMs = options.intervalMs ?? DEFAULT_MONITOR_INTERVAL_MS;
  const now = options.now ?? (() => new Date());
  const wanted = options.indices ? new Set(options.indices) : null;
  let running = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | null = null;

  const safely = (callback: () => void) => {
    try {
      callback();
    } catch {
      // A listener's failure must not stop the sampling.
    }
  };

  const tick = async () => {
    const at = now().toISOString();
    const result = await sampleGpus(options);
    if (!running) return;
    if (result.ok) {
      failing = false;
      const gpus = wanted ? result.gpus.filter((gpu) => wanted.has(gpu.index)) : result.gpus;
      safely(() => options.onSample({ at, gpus }));
    } else if (!failing) {
      failing = true;
      safely(() => options.onError?.(result.detail));
    }
  };

  const runTick = () => {
    timer = undefined;
    inFlight = tick().finally(() => {
      inFlight = null;
      if (running) timer = setTimeout(runTick, intervalMs);
    });
  };

  return {
    start() {
      if (running) return;
      running = true;
      failing = false;
      if (!inFlight) runTick();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      timer = undefined;
      while (inFlight) await inFlight;
    },
    get running() {
      return running;
    },
  };
}
