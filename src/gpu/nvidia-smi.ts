import { execFile, type ExecFileException } from 'node:child_process';
import type { HostGpu, HostGpuState } from '../api/gpu';

/** nvidia-smi can hang in the driver; it gets this long before it is given up (and killed). */
export const NVIDIA_SMI_TIMEOUT_MS = 10_000;
/** A hung nvidia-smi may not die even from SIGKILL (it sits in the kernel): wait this much longer, then stop waiting. */
const GIVE_UP_GRACE_MS = 1_500;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export const HOST_QUERY_FIELDS = ['index', 'name', 'memory.total', 'driver_version', 'uuid'] as const;
export const HOST_QUERY_ARGS = [`--query-gpu=${HOST_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];
/** For a driver that no longer takes `driver_version` as a query field: the driver version then comes from the banner. */
const HOST_QUERY_ARGS_NO_DRIVER = ['--query-gpu=index,name,memory.total,uuid', '--format=csv,noheader,nounits'];

export interface NvidiaSmiOptions {
  platform?: NodeJS.Platform;
  /** The environment nvidia-smi runs in; its PATH is where nvidia-smi is looked for. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** How one nvidia-smi run ended. */
export type NvidiaSmiRun =
  | { kind: 'exited'; command: string; exitCode: number; stdout: string; stderr: string }
  | { kind: 'not-found'; tried: string[] }
  | { kind: 'timeout'; command: string; timeoutMs: number }
  | { kind: 'spawn-error'; command: string; detail: string };

/**
 * Where nvidia-smi may be, in order: the PATH everywhere; on Windows also the two places NVIDIA's
 * driver installers put it (System32 for DCH drivers, NVSMI for older ones), which are not always on PATH.
 */
export function nvidiaSmiCandidates(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string[] {
  if (platform !== 'win32') return ['nvidia-smi'];
  const systemRoot = env.SystemRoot || env.SYSTEMROOT || env.windir || 'C:\\Windows';
  const programFiles = env.ProgramFiles || env.PROGRAMFILES || 'C:\\Program Files';
  const candidates = [
    'nvidia-smi',
    `${systemRoot}\\System32\\nvidia-smi.exe`,
    'C:\\Windows\\System32\\nvidia-smi.exe',
    `${programFiles}\\NVIDIA Corporation\\NVSMI\\nvidia-smi.exe`,
    'C:\\Program Files\\NVIDIA Corporation\\NVSMI\\nvidia-smi.exe',
  ];
  const seen = new Set<string>();
  return candidates.filter((candidate) => {
    const key = candidate.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Runs nvidia-smi (never through a shell) with a hard time limit. Never throws. */
export async function runNvidiaSmi(args: string[], options: NvidiaSmiOptions = {}): Promise<NvidiaSmiRun> {
  const env = options.env ?? process.env;
  const candidates = nvidiaSmiCandidates(options.platform ?? process.platform, env);
  for (const command of candidates) {
    const run = await execOnce(command, args, env, options.timeoutMs ?? NVIDIA_SMI_TIMEOUT_MS);
    if (run.kind !== 'not-found') return run;
  }
  return { kind: 'not-found', tried: candidates };
}

function execOnce(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<NvidiaSmiRun> {
  return new Promise((resolve) => {
    let settled = false;
    let guard: NodeJS.Timeout | undefined;
    const finish = (run: NvidiaSmiRun) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      resolve(run);
    };
    let child: ReturnType<typeof execFile> | undefined;
    try {
      child = execFile(
        command,
        args,
        { env, timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (!error) return finish({ kind: 'exited', command, exitCode: 0, stdout, stderr });
          const err = error as ExecFileException & { code?: string | number };
          if (err.code === 'ENOENT') return finish({ kind: 'not-found', tried: [command] });
          if (err.killed && err.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return finish({ kind: 'timeout', command, timeoutMs });
          if (typeof err.code === 'number') return finish({ kind: 'exited', command, exitCode: err.code, stdout, stderr });
          if (err.signal) return finish({ kind: 'spawn-error', command, detail: `nvidia-smi was stopped by ${err.signal}` });
          return finish({ kind: 'spawn-error', command, detail: firstLine(err.message) });
        },
      );
    } catch (error) {
      finish({ kind: 'spawn-error', command, detail: firstLine(error instanceof Error ? error.message : String(error)) });
      return;
    }
    // execFile only calls back once the output pipes close. A process stuck in the driver (or a child of it
    // holding the pipes) can keep them open long after the kill: stop waiting for it.
    guard = setTimeout(() => {
      child?.kill('SIGKILL');
      finish({ kind: 'timeout', command, timeoutMs });
    }, timeoutMs + GIVE_UP_GRACE_MS);
  });
}

/** Reads the host's GPUs and driver with nvidia-smi. Never throws. */
export async function queryHostGpus(options: NvidiaSmiOptions = {}): Promise<HostGpuState> {
  let query = await runNvidiaSmi(HOST_QUERY_ARGS, options);
  let withDriverField = true;
  if (query.kind === 'exited' && query.exitCode !== 0 && /driver_version.*not a valid field/i.test(query.stdout + query.stderr)) {
    query = await runNvidiaSmi(HOST_QUERY_ARGS_NO_DRIVER, options);
    withDriverField = false;
  }
  if (query.kind !== 'exited') return stateOfFailedRun(query);

  // Rows win over the exit code: with one GPU fallen off the bus, the others are still listed and usable.
  const rows = parseHostQuery(query.stdout, withDriverField);
  if (rows.length === 0) {
    return classifyNvidiaSmiOutput(query.exitCode, `${query.stdout}\n${query.stderr}`) ?? { state: 'no-gpu', detail: 'nvidia-smi listed no GPU' };
  }

  // The CUDA version is only in the banner (and in -q); a failing banner leaves it unknown, nothing more.
  const bannerRun = await runNvidiaSmi([], options);
  const banner = bannerRun.kind === 'exited' && bannerRun.exitCode === 0 ? parseBanner(bannerRun.stdout) : { driverVersion: null, cudaVersion: null };
  const gpus: HostGpu[] = rows.map((row) => ({
    index: row.index,
    name: row.name,
    memoryMiB: row.memoryMiB,
    driverVersion: row.driverVersion ?? banner.driverVersion ?? '',
    cudaVersion: banner.cudaVersion,
    uuid: row.uuid,
  }));
  return { state: 'ok', gpus };
}

/** What a run that never produced output means for the host. */
export function stateOfFailedRun(run: Exclude<NvidiaSmiRun, { kind: 'exited' }>): HostGpuState {
  switch (run.kind) {
    case 'not-found':
      return { state: 'no-driver' };
    case 'timeout':
      return {
        state: 'driver-error',
        detail: `nvidia-smi did not answer within ${seconds(run.timeoutMs)} s and was stopped; the NVIDIA driver may be hung`,
      };
    case 'spawn-error':
      return { state: 'driver-error', detail: `nvidia-smi could not be run: ${run.detail}` };
  }
}

interface HostRow {
  index: number;
  name: string;
  memoryMiB: number | null;
  driverVersion: string | null;
  uuid: string;
}

/**
 * Parses `--query-gpu=index,name,memory.total,driver_version,uuid --format=csv,noheader,nounits` (or the
 * same without driver_version). Takes CRLF, stray spaces, `[N/A]`, warning lines before the rows, and a
 * comma inside a GPU name.
 */
export function parseHostQuery(text: string, withDriverField = true): HostRow[] {
  const expected = withDriverField ? 5 : 4;
  const rows: HostRow[] = [];
  for (const line of lines(text)) {
    const fields = splitRow(line, expected);
    if (!fields) continue;
    const index = parseIndex(fields[0]!);
    if (index === null) continue;
    const driver = withDriverField ? cleanText(fields[3]!) : null;
    rows.push({
      index,
      name: cleanText(fields[1]!) ?? `GPU ${index}`,
      memoryMiB: parseMiB(fields[2]!),
      driverVersion: driver,
      uuid: cleanText(fields[expected - 1]!) ?? '',
    });
  }
  return rows;
}

/** Reads the driver and CUDA versions from the plain `nvidia-smi` banner (or `nvidia-smi -q`), old and new spellings. */
export function parseBanner(text: string): { driverVersion: string | null; cudaVersion: string | null } {
  const driver = /\b(?:Driver|KMD) Version\s*:\s*(\d[\d.]*\d|\d)/i.exec(text);
  const cuda = /\bCUDA(?: UMD)? Version\s*:\s*(\d+(?:\.\d+)*)/i.exec(text);
  return { driverVersion: driver?.[1] ?? null, cudaVersion: cuda?.[1] ?? null };
}

/**
 * What nvidia-smi's own words mean when it produced no usable output. Returns null when it exited 0 and
 * said nothing that marks a failure.
 */
export function classifyNvidiaSmiOutput(exitCode: number, text: string): HostGpuState | null {
  const all = lines(text);
  const find = (pattern: RegExp) => all.find((line) => pattern.test(line));

  const noCommunication = find(/couldn't communicate with the NVIDIA driver|could not communicate with the NVIDIA driver/i);
  if (noCommunication) return { state: 'driver-error', detail: noCommunication };
  const noDevices = find(/No devices were found|No supported GPUs were found|No NVIDIA GPU(s)? (were )?found/i);
  if (noDevices) return { state: 'no-gpu', detail: noDevices };
  const nvml = find(/Failed to initialize NVML/i);
  if (nvml) {
    const libraryVersion = find(/^NVML library version/i);
    return { state: 'driver-error', detail: libraryVersion ? `${nvml} (${libraryVersion})` : nvml };
  }
  const lost = find(/Unable to determine the device handle|GPU is lost|fallen off the bus|Unknown Error/i);
  if (lost) return { state: 'driver-error', detail: lost };
  if (exitCode !== 0) {
    return { state: 'driver-error', detail: all[0] ?? `nvidia-smi failed with exit code ${exitCode} and printed nothing` };
  }
  return null;
}

// ---- small parsing helpers, shared with the monitor ----

/** Non-empty, trimmed lines; CRLF, CR and LF all end a line. */
export function lines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Splits a CSV row into `expected` fields; extra commas are taken to belong to the name (field 1). */
export function splitRow(line: string, expected: number): string[] | null {
  const parts = line.split(',');
  if (parts.length < expected) return null;
  if (parts.length === expected) return parts.map((part) => part.trim());
  const extra = parts.length - expected;
  return [parts[0]!, parts.slice(1, 2 + extra).join(','), ...parts.slice(2 + extra)].map((part) => part.trim());
}

export function parseIndex(field: string): number | null {
  const trimmed = field.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

/** A number, or null for `[N/A]`, `[Not Supported]`, `[Insufficient Permissions]` and anything else that is not one. Units are tolerated. */
export function parseMiB(field: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(?:MiB|%)?$/i.exec(field.trim());
  return match ? Number(match[1]) : null;
}

function cleanText(field: string): string | null {
  const trimmed = field.trim();
  if (trimmed === '' || /^\[.*\]$/.test(trimmed) || /^N\/A$/i.test(trimmed)) return null;
  return trimmed;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(1);
}

function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').trim().slice(0, 300);
}
