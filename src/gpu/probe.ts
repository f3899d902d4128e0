import type Docker from 'dockerode';
import { runOnce, type DeviceRequest } from '../engine/containers';
import { lines } from './nvidia-smi';
import type { GpuProbeResult, ProbeGpu } from '../api/gpu';

export const PROBE_PURPOSE = 'gpu-probe';
const PROBE_TIMEOUT_MS = 60_000;

export interface ProbeOptions {
  /** The image to probe in (the AUCMEDI image: its entrypoint `aucmedi` is replaced by `nvidia-smi`). */
  image: string;
  /** Probe only these GPUs (indices or UUIDs); all GPUs when absent. */
  deviceIds?: string[];
  timeoutMs?: number;
}

/** The device request of the GPU probe: all GPUs (`--gpus all`, to list them), or the chosen ones. A run gets one (`src/engine/run-container.ts`). */
export function gpuDeviceRequest(deviceIds?: string[]): DeviceRequest {
  return deviceIds?.length
    ? { Driver: 'nvidia', DeviceIDs: deviceIds, Capabilities: [['gpu']] }
    : { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] };
}

/**
 * Runs `nvidia-smi -L` in `image` with a GPU device request and no network, and says whether containers
 * get the GPUs. Never throws.
 */
export async function probeGpusInContainer(docker: Docker, options: ProbeOptions): Promise<GpuProbeResult> {
  const { image } = options;
  let result;
  try {
    result = await runOnce(docker, {
      image,
      entrypoint: ['nvidia-smi'],
      cmd: ['-L'],
      deviceRequests: [gpuDeviceRequest(options.deviceIds)],
      purpose: PROBE_PURPOSE,
      timeoutMs: options.timeoutMs ?? PROBE_TIMEOUT_MS,
    });
  } catch (error) {
    return classifyProbeError(image, error);
  }
  const gpus = parseGpuList(result.stdout);
  if (result.exitCode === 0 && gpus.length > 0) return { state: 'ready', image, gpus };
  const said = lines(`${result.stdout}\n${result.stderr}`);
  if (result.exitCode === 0) {
    return { state: 'probe-failed', image, reason: 'no-gpu-listed', detail: said[0] ?? 'nvidia-smi -L listed no GPU in the container' };
  }
  if (result.exitCode === 127 && said.some((line) => /nvidia-smi.*not found|not found.*nvidia-smi/i.test(line))) {
    return { state: 'probe-failed', image, reason: 'image-lacks-nvidia-smi', detail: said[0]! };
  }
  return {
    state: 'probe-failed',
    image,
    reason: 'error',
    detail: said[0] ?? `nvidia-smi -L exited with code ${result.exitCode} in the container and printed nothing`,
  };
}

/** Sorts the engine's refusal (thrown by create or start) into what it means. */
export function classifyProbeError(image: string, error: unknown): GpuProbeResult {
  const message = engineMessage(error);
  // Docker without the NVIDIA container toolkit has no "nvidia" device driver:
  //   could not select device driver "" with capabilities: [[gpu]]         (docker run --gpus all)
  //   could not select device driver "nvidia" with capabilities: [[gpu]]   (Driver: 'nvidia', as here)
  // Engines that resolve --gpus through CDI (Docker 28+) and find no NVIDIA spec say:
  //   failed to discover GPU vendor from CDI: no known GPU vendor found
  if (/could not select device driver ".*" with capabilities/i.test(message) || /failed to discover GPU vendor from CDI|unresolvable CDI devices/i.test(message)) {
    return { state: 'toolkit-missing', image, detail: message };
  }
  if (/executable file not found|no such file or directory/i.test(message) && /nvidia-smi/.test(message)) {
    return { state: 'probe-failed', image, reason: 'image-lacks-nvidia-smi', detail: message };
  }
  if (/No such image|pull access denied|image .* not found/i.test(message)) {
    return { state: 'probe-failed', image, reason: 'image-missing', detail: message };
  }
  return { state: 'probe-failed', image, reason: 'error', detail: message };
}

/** The engine's own sentence, without dockerode's "(HTTP code 500) server error - " prefix: first line only. */
function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  const raw = typeof json?.message === 'string' && json.message ? json.message : error instanceof Error ? error.message : String(error);
  const first = (raw.split(/\r?\n/).find((line) => line.trim() !== '') ?? '').trim();
  return first.replace(/^\(HTTP code \d+\)\s+[^-]*-\s*/, '').trim().slice(0, 400);
}

/**
 * Parses `nvidia-smi -L`:
 *   GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-…)
 *     MIG 1g.10gb     Device  0: (UUID: MIG-…)
 */
export function parseGpuList(text: string): ProbeGpu[] {
  const gpus: ProbeGpu[] = [];
  for (const line of lines(text)) {
    const gpu = /^GPU\s+(\d+)\s*:\s*(.*?)\s*(?:\(UUID:\s*([^)]+?)\s*\))?$/.exec(line);
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), name: gpu[2] || `GPU ${gpu[1]}`, uuid: gpu[3] ?? null, mig: [] });
      continue;
    }
    const mig = /^MIG\s+(\S+)\s+Device\s+(\d+)\s*:\s*\(UUID:\s*([^)]+?)\s*\)$/.exec(line);
    if (mig && gpus.length > 0) gpus[gpus.length - 1]!.mig.push({ profile: mig[1]!, device: Number(mig[2]), uuid: mig[3]! });
  }
  return gpus;
}
