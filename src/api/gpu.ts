import type { Message } from '../i18n/message';

/**
 * Result types of GPU detection. Plain JSON (no classes, no Dates, no undefined-only fields) so they
 * cross the IPC boundary unchanged. Meant to move into src/api.
 */

/** One GPU as the host's `nvidia-smi --query-gpu` describes it. */
export interface HostGpu {
  index: number;
  name: string;
  /** Total memory in MiB; null where nvidia-smi prints `[N/A]` (some vGPU / MIG set-ups). */
  memoryMiB: number | null;
  driverVersion: string;
  /** Highest CUDA version the driver supports (from the banner); null when it could not be read. */
  cudaVersion: string | null;
  uuid: string;
}

/** What the host's NVIDIA driver says, read with `nvidia-smi`. */
export type HostGpuState =
  | { state: 'ok'; gpus: HostGpu[] }
  /** No `nvidia-smi` anywhere: no NVIDIA driver on this computer. */
  | { state: 'no-driver' }
  /** The driver runs but sees no GPU; `detail` is nvidia-smi's line, when it said one. */
  | { state: 'no-gpu'; detail?: string }
  /** The driver is there but broken (not loaded, version mismatch, hung). `detail` is nvidia-smi's own line. */
  | { state: 'driver-error'; detail: string };

/** One utilisation reading of one GPU; null where nvidia-smi prints `[N/A]` (MIG mode has no utilisation). */
export interface GpuSample {
  index: number;
  utilizationPercent: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
}

export interface GpuSampleBatch {
  /** ISO time of the reading. */
  at: string;
  gpus: GpuSample[];
}

/** What the Docker engine offers for GPUs, read from `docker info` and `docker version`. */
export interface EngineGpuSupport {
  engineVersion: string;
  apiVersion: string;
  /** `HostConfig.DeviceRequests` (what `--gpus` uses): Engine API 1.40 (Docker 19.03) and newer. */
  deviceRequests: boolean;
  /** Runtimes the engine has registered (`docker info` Runtimes). */
  runtimes: string[];
  defaultRuntime: string | null;
  /** An `nvidia` runtime is registered (`nvidia-ctk runtime configure --runtime=docker` does this). */
  nvidiaRuntime: boolean;
  /** CDI spec directories the engine reads (API 1.44+); empty when CDI is off or unknown. */
  cdiSpecDirs: string[];
  /** CDI is configured: API 1.44+ and at least one spec directory. */
  cdi: boolean;
  /** The engine is Docker Desktop (Windows/macOS VM), where GPUs come through WSL 2, not the toolkit on the host. */
  dockerDesktop: boolean;
  osType: string;
}

/** A MIG slice listed under its GPU by `nvidia-smi -L`. */
export interface MigDevice {
  profile: string;
  device: number;
  uuid: string;
}

/** One GPU as `nvidia-smi -L` lists it inside the probe container. */
export interface ProbeGpu {
  index: number;
  name: string;
  uuid: string | null;
  mig: MigDevice[];
}

export type ProbeFailureReason =
  /** The image has no nvidia-smi and the toolkit did not add one. */
  | 'image-lacks-nvidia-smi'
  /** The image to probe with is not in the engine. */
  | 'image-missing'
  /** nvidia-smi ran in the container but listed no GPU. */
  | 'no-gpu-listed'
  /** Anything else: `detail` has the first line of the error. */
  | 'error';

/** The outcome of running `nvidia-smi -L` in a container with a GPU device request. */
export type GpuProbeResult =
  | { state: 'ready'; image: string; gpus: ProbeGpu[] }
  /** The engine cannot hand GPUs to containers: no NVIDIA container toolkit (or no CDI spec). */
  | { state: 'toolkit-missing'; image: string; detail: string }
  | { state: 'probe-failed'; image: string; reason: ProbeFailureReason; detail: string };

/** Why the probe did not run. */
export type GpuProbeOutcome = GpuProbeResult | { state: 'skipped'; reason: string; i18n?: { reason: Message } };

export type GpuStatusCode =
  | 'GPU_READY'
  | 'GPU_NONE'
  | 'GPU_TOOLKIT_MISSING'
  | 'GPU_DRIVER_ERROR'
  | 'GPU_ENGINE_TOO_OLD'
  | 'GPU_ENGINE_UNAVAILABLE'
  | 'GPU_PROBE_FAILED';

/** A GPU the user can pick for a run. */
export interface GpuDevice {
  index: number;
  name: string;
  uuid: string | null;
  memoryMiB: number | null;
}

/** The verdict: what the GPU can do for AUCMEDI training in containers, in plain words. */
export interface GpuReport {
  /** True only for GPU_READY. */
  ok: boolean;
  code: GpuStatusCode;
  /** One plain sentence for the user. */
  message: string;
  /** What to do next ('' when nothing is needed). */
  action: string;
  /** Technical detail for the "details" disclosure (one line). */
  detail?: string;
  /** GPUs a run can use (GPU_READY), or the GPUs the host sees (otherwise; may be empty). */
  gpus: GpuDevice[];
  /** Highest CUDA version the host driver supports, when known. */
  cudaVersion: string | null;
  driverVersion: string | null;
  host: HostGpuState;
  /** null when the engine could not be asked. */
  engine: EngineGpuSupport | null;
  probe: GpuProbeOutcome;
  checkedAt: string;
  /** `message` and `action` as catalog messages, for the window to render in the user's language. */
  i18n?: { message: Message; action?: Message };
}
