import type Docker from 'dockerode';
import { errorDetail } from '../api/errors';
import { readEngineGpuSupport } from './engine-support';
import { describeGpus } from './format';
import { queryHostGpus, type NvidiaSmiOptions } from './nvidia-smi';
import { probeGpusInContainer } from './probe';
import type { EngineGpuSupport, GpuDevice, GpuProbeOutcome, GpuProbeResult, GpuReport, GpuStatusCode, HostGpuState } from '../api/gpu';

/** Said wherever training will not get a GPU. */
export const CPU_FALLBACK_SENTENCE = 'Training runs on the CPU instead, roughly 10 to 50 times slower for these networks.';

export interface DetectGpuDeps {
  platform: NodeJS.Platform;
  /** The host's driver; defaults to `queryHostGpus()` (nvidia-smi on this computer). */
  host?: () => Promise<HostGpuState>;
  /** The engine's GPU support; may throw when the engine does not answer. */
  engine: () => Promise<EngineGpuSupport>;
  /** Runs the probe container; null when there is no image to run it in yet. */
  probe: (() => Promise<GpuProbeResult>) | null;
  /** Probe even when the host shows no GPU (a remote engine, a driver nvidia-smi cannot see). */
  forceProbe?: boolean;
  now?: () => Date;
}

/** The usual dependencies: nvidia-smi here, the given engine, and the probe in `image` (null: no image yet). */
export function gpuDetectionDeps(
  docker: Docker,
  options: { image: string | null; platform?: NodeJS.Platform; nvidiaSmi?: NvidiaSmiOptions; forceProbe?: boolean },
): DetectGpuDeps {
  const platform = options.platform ?? process.platform;
  const image = options.image;
  return {
    platform,
    host: () => queryHostGpus({ platform, ...options.nvidiaSmi }),
    engine: () => readEngineGpuSupport(docker),
    probe: image ? () => probeGpusInContainer(docker, { image }) : null,
    ...(options.forceProbe ? { forceProbe: true } : {}),
  };
}

type Verdict = Pick<GpuReport, 'code' | 'message' | 'action'> & { detail?: string; gpus?: GpuDevice[] };

/**
 * Says what the GPU can do for AUCMEDI training in containers: the host driver, the engine's support
 * and (when the host has a GPU and the engine can take device requests, or when forced) a probe
 * container. Never throws.
 */
export async function detectGpus(deps: DetectGpuDeps): Promise<GpuReport> {
  const checkedAt = (deps.now?.() ?? new Date()).toISOString();
  let host: HostGpuState;
  try {
    host = await (deps.host ?? (() => queryHostGpus({ platform: deps.platform })))();
  } catch (error) {
    host = { state: 'driver-error', detail: `nvidia-smi could not be run: ${errorDetail(error)}` };
  }

  let engine: EngineGpuSupport | null = null;
  let engineError = '';
  try {
    engine = await deps.engine();
  } catch (error) {
    engineError = errorDetail(error);
  }

  const probe = await runProbe(deps, host, engine, engineError);
  const verdict = decide(deps.platform, host, engine, engineError, probe);
  const hostGpus = host.state === 'ok' ? host.gpus : [];
  return {
    ok: verdict.code === 'GPU_READY',
    code: verdict.code,
    message: verdict.message,
    action: verdict.action,
    ...(verdict.detail ? { detail: verdict.detail } : {}),
    gpus: verdict.gpus ?? hostGpus.map((gpu) => ({ index: gpu.index, name: gpu.name, uuid: gpu.uuid || null, memoryMiB: gpu.memoryMiB })),
    cudaVersion: hostGpus.find((gpu) => gpu.cudaVersion)?.cudaVersion ?? null,
    driverVersion: hostGpus.find((gpu) => gpu.driverVersion)?.driverVersion ?? null,
    host,
    engine,
    probe,
    checkedAt,
  };
}

async function runProbe(deps: DetectGpuDeps, host: HostGpuState, engine: EngineGpuSupport | null, engineError: string): Promise<GpuProbeOutcome> {
  if (host.state !== 'ok' && !deps.forceProbe) return { state: 'skipped', reason: 'the host shows no usable NVIDIA GPU' };
  if (!engine) return { state: 'skipped', reason: `the Docker engine did not answer (${engineError})` };
  if (!engine.deviceRequests) return { state: 'skipped', reason: `the Docker engine (API ${engine.apiVersion}) cannot take GPU device requests` };
  if (!deps.probe) return { state: 'skipped', reason: 'there is no image to run the GPU test in yet' };
  try {
    return await deps.probe();
  } catch (error) {
    return { state: 'probe-failed', image: '', reason: 'error', detail: errorDetail(error) };
  }
}

function decide(
  platform: NodeJS.Platform,
  host: HostGpuState,
  engine: EngineGpuSupport | null,
  engineError: string,
  probe: GpuProbeOutcome,
): Verdict {
  if (probe.state === 'ready') {
    const hostGpus = host.state === 'ok' ? host.gpus : [];
    const gpus = probe.gpus.map((gpu): GpuDevice => {
      const known = hostGpus.find((h) => (gpu.uuid && h.uuid === gpu.uuid) || (!gpu.uuid && h.index === gpu.index));
      return { index: gpu.index, name: gpu.name, uuid: gpu.uuid, memoryMiB: known?.memoryMiB ?? null };
    });
    const mig = probe.gpus.reduce((sum, gpu) => sum + gpu.mig.length, 0);
    return {
      code: 'GPU_READY',
      message: `AUCMEDI can train on ${gpus.length === 1 ? 'the GPU' : `${gpus.length} GPUs`}: ${describeGpus(gpus)}.${mig ? ` The GPUs are split into ${mig} MIG slices.` : ''}`,
      action: '',
      gpus,
    };
  }
  const forcedDetail = probe.state === 'skipped' ? '' : ` The test container said: ${probe.detail}`;

  switch (host.state) {
    case 'no-driver':
    case 'no-gpu':
      return {
        code: 'GPU_NONE',
        message: `No NVIDIA GPU was found on this computer, so training runs on the CPU: roughly 10 to 50 times slower for these networks (hours instead of minutes).`,
        action: 'You can still train and predict. For faster training, use a computer with an NVIDIA GPU and its driver installed.',
        detail:
          (host.state === 'no-driver'
            ? 'nvidia-smi was not found: no NVIDIA driver is installed.'
            : `The NVIDIA driver sees no GPU${host.detail ? ` (nvidia-smi: ${host.detail})` : ''}.`) + forcedDetail,
      };
    case 'driver-error':
      return {
        code: 'GPU_DRIVER_ERROR',
        message: `An NVIDIA driver is installed but not working, so the GPU cannot be used. ${CPU_FALLBACK_SENTENCE}`,
        action: /version mismatch/i.test(host.detail)
          ? 'Restart the computer: the NVIDIA driver was updated and the old one is still loaded. If it stays, ask IT to reinstall the NVIDIA driver.'
          : 'Restart the computer. If it stays like this, ask IT to reinstall or update the NVIDIA driver and show them the details.',
        detail: host.detail + forcedDetail,
      };
    case 'ok':
      break;
  }

  const gpus = host.gpus;
  const list = describeGpus(gpus.map((gpu) => ({ index: gpu.index, name: gpu.name, uuid: gpu.uuid, memoryMiB: gpu.memoryMiB })));
  // "an NVIDIA GPU, NVIDIA GeForce RTX 3090 (24 GB)," / "4 NVIDIA GPUs, 4 × NVIDIA A100-SXM4-80GB (80 GB each),"
  const named = gpus.length === 1 ? `an NVIDIA GPU, ${list},` : `${gpus.length} NVIDIA GPUs, ${list},`;
  const them = gpus.length === 1 ? 'it' : 'them';
  if (!engine) {
    return {
      code: 'GPU_ENGINE_UNAVAILABLE',
      message: `This computer has ${named} but Docker does not answer, so it is unknown whether AUCMEDI can use ${them}.`,
      action: 'Start Docker; the GPU check runs again once Docker is ready.',
      detail: engineError,
    };
  }
  if (!engine.deviceRequests) {
    return {
      code: 'GPU_ENGINE_TOO_OLD',
      message: `This computer has ${named} but the Docker engine (${engine.engineVersion}, API ${engine.apiVersion}) is too old to give containers a GPU. ${CPU_FALLBACK_SENTENCE}`,
      action: 'Ask IT to update Docker to version 19.03 or newer (API 1.40), with the NVIDIA Container Toolkit.',
      detail: `GPU device requests need Engine API 1.40; this engine speaks ${engine.apiVersion}.`,
    };
  }
  if (probe.state === 'skipped') {
    return {
      code: 'GPU_PROBE_FAILED',
      message: `This computer has ${named} but whether containers can use ${them} could not be tested: ${probe.reason}.`,
      action: 'Load the AUCMEDI image (Setup page); the GPU is tested again then.',
      detail: probe.reason,
    };
  }
  if (probe.state === 'toolkit-missing') {
    const desktop = platform === 'win32' || (engine.dockerDesktop && platform !== 'linux');
    return {
      code: 'GPU_TOOLKIT_MISSING',
      message: `This computer has ${named} and a working driver, but Docker cannot give ${them} to containers: the NVIDIA Container Toolkit is missing or not set up. ${CPU_FALLBACK_SENTENCE}`,
      action: desktop
        ? 'Docker Desktop gives containers the GPU only with the WSL 2 backend and a current NVIDIA driver for Windows: ask IT to update the NVIDIA driver, turn on "Use the WSL 2 based engine" in Docker Desktop\'s settings, and restart Docker Desktop.'
        : 'Ask IT to install the NVIDIA Container Toolkit, run "sudo nvidia-ctk runtime configure --runtime=docker", and restart Docker ("sudo systemctl restart docker"). Then check again.',
      detail: probe.detail,
    };
  }
  return probeFailed(named, probe);
}

function probeFailed(named: string, probe: Extract<GpuProbeResult, { state: 'probe-failed' }>): Verdict {
  const code: GpuStatusCode = 'GPU_PROBE_FAILED';
  const lead = `This computer has ${named} but the GPU test in a container failed`;
  switch (probe.reason) {
    case 'image-lacks-nvidia-smi':
      return {
        code,
        message: `${lead}: the image ${probe.image} has no nvidia-smi program to run the test with, and the NVIDIA Container Toolkit did not add one.`,
        action: 'Use the official AUCMEDI image. If it is that image already, ask IT to check the NVIDIA Container Toolkit set-up (it mounts nvidia-smi into GPU containers).',
        detail: probe.detail,
      };
    case 'image-missing':
      return {
        code,
        message: `${lead}: the image ${probe.image} is not loaded in Docker.`,
        action: 'Load the AUCMEDI image (Setup page); the GPU is tested again then.',
        detail: probe.detail,
      };
    case 'no-gpu-listed':
      return {
        code,
        message: `${lead}: the container started but saw no GPU. ${CPU_FALLBACK_SENTENCE}`,
        action: 'Ask IT to check the NVIDIA Container Toolkit set-up and show them the details.',
        detail: probe.detail,
      };
    case 'error':
      return {
        code,
        message: `${lead}: ${probe.detail || 'the container did not run'}. ${CPU_FALLBACK_SENTENCE}`,
        action: 'Restart Docker and check again. If it stays like this, ask IT and show them the details.',
        detail: probe.detail,
      };
  }
}
