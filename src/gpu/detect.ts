import type Docker from 'dockerode';
import { errorDetail } from '../api/errors';
import { msg, text, type Message } from '../i18n';
import { readEngineGpuSupport } from './engine-support';
import { describeGpusMessage } from './format';
import { queryHostGpus, type NvidiaSmiOptions } from './nvidia-smi';
import { probeGpusInContainer } from './probe';
import type { EngineGpuSupport, GpuDevice, GpuProbeOutcome, GpuProbeResult, GpuReport, GpuStatusCode, HostGpuState } from '../api/gpu';

/** Said wherever training will not get a GPU. */
export const CPU_FALLBACK = msg('gpu:cpuFallback');
/** The same sentence in the core's language when this module was loaded (English unless set before). */
export const CPU_FALLBACK_SENTENCE = text(CPU_FALLBACK);

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

/** A verdict from its messages: the English fields are rendered from the same messages. */
type Verdict = { code: GpuReport['code']; message: Message; action?: Message; detail?: string; gpus?: GpuDevice[] };

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
    message: text(verdict.message),
    action: verdict.action ? text(verdict.action) : '',
    ...(verdict.detail ? { detail: verdict.detail } : {}),
    gpus: verdict.gpus ?? hostGpus.map((gpu) => ({ index: gpu.index, name: gpu.name, uuid: gpu.uuid || null, memoryMiB: gpu.memoryMiB })),
    cudaVersion: hostGpus.find((gpu) => gpu.cudaVersion)?.cudaVersion ?? null,
    driverVersion: hostGpus.find((gpu) => gpu.driverVersion)?.driverVersion ?? null,
    host,
    engine,
    probe,
    checkedAt,
    i18n: verdict.action ? { message: verdict.message, action: verdict.action } : { message: verdict.message },
  };
}

function skipped(reason: Message): GpuProbeOutcome {
  return { state: 'skipped', reason: text(reason), i18n: { reason } };
}

async function runProbe(deps: DetectGpuDeps, host: HostGpuState, engine: EngineGpuSupport | null, engineError: string): Promise<GpuProbeOutcome> {
  if (host.state !== 'ok' && !deps.forceProbe) return skipped(msg('gpu:skipped.noHostGpu'));
  if (!engine) return skipped(msg('gpu:skipped.engineDown', { error: engineError }));
  if (!engine.deviceRequests) return skipped(msg('gpu:skipped.noDeviceRequests', { apiVersion: engine.apiVersion }));
  if (!deps.probe) return skipped(msg('gpu:skipped.noImage'));
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
  const cpu = CPU_FALLBACK;
  if (probe.state === 'ready') {
    const hostGpus = host.state === 'ok' ? host.gpus : [];
    const gpus = probe.gpus.map((gpu): GpuDevice => {
      const known = hostGpus.find((h) => (gpu.uuid && h.uuid === gpu.uuid) || (!gpu.uuid && h.index === gpu.index));
      return { index: gpu.index, name: gpu.name, uuid: gpu.uuid, memoryMiB: known?.memoryMiB ?? null };
    });
    const mig = probe.gpus.reduce((sum, gpu) => sum + gpu.mig.length, 0);
    return {
      code: 'GPU_READY',
      message: msg('gpu:ready.message', { count: gpus.length, list: describeGpusMessage(gpus), mig: mig ? msg('gpu:ready.mig', { slices: mig }) : '' }),
      gpus,
    };
  }
  const forcedDetail = probe.state === 'skipped' ? '' : ` The test container said: ${probe.detail}`;

  switch (host.state) {
    case 'no-driver':
    case 'no-gpu':
      return {
        code: 'GPU_NONE',
        message: msg('gpu:none.message'),
        action: msg('gpu:none.action'),
        detail:
          (host.state === 'no-driver'
            ? 'nvidia-smi was not found: no NVIDIA driver is installed.'
            : `The NVIDIA driver sees no GPU${host.detail ? ` (nvidia-smi: ${host.detail})` : ''}.`) + forcedDetail,
      };
    case 'driver-error':
      return {
        code: 'GPU_DRIVER_ERROR',
        message: msg('gpu:driverError.message', { cpu }),
        action: /version mismatch/i.test(host.detail) ? msg('gpu:driverError.actionMismatch') : msg('gpu:driverError.action'),
        detail: host.detail + forcedDetail,
      };
    case 'ok':
      break;
  }

  const gpus = host.gpus;
  // "an NVIDIA GPU, NVIDIA GeForce RTX 3090 (24 GB)," / "4 NVIDIA GPUs, 4 × NVIDIA A100-SXM4-80GB (80 GB each),": plural keys.
  const named = { count: gpus.length, list: describeGpusMessage(gpus.map((gpu) => ({ index: gpu.index, name: gpu.name, uuid: gpu.uuid, memoryMiB: gpu.memoryMiB }))) };
  if (!engine) {
    return {
      code: 'GPU_ENGINE_UNAVAILABLE',
      message: msg('gpu:engineUnavailable.message', named),
      action: msg('gpu:engineUnavailable.action'),
      detail: engineError,
    };
  }
  if (!engine.deviceRequests) {
    return {
      code: 'GPU_ENGINE_TOO_OLD',
      message: msg('gpu:engineTooOld.message', { ...named, engineVersion: engine.engineVersion, apiVersion: engine.apiVersion, cpu }),
      action: msg('gpu:engineTooOld.action'),
      detail: `GPU device requests need Engine API 1.40; this engine speaks ${engine.apiVersion}.`,
    };
  }
  if (probe.state === 'skipped') {
    return {
      code: 'GPU_PROBE_FAILED',
      message: msg('gpu:notTested.message', { ...named, reason: probe.i18n?.reason ?? probe.reason }),
      action: msg('gpu:loadImageAction'),
      detail: probe.reason,
    };
  }
  if (probe.state === 'toolkit-missing') {
    const desktop = platform === 'win32' || (engine.dockerDesktop && platform !== 'linux');
    return {
      code: 'GPU_TOOLKIT_MISSING',
      message: msg('gpu:toolkitMissing.message', { ...named, cpu }),
      action: desktop ? msg('gpu:toolkitMissing.actionDesktop') : msg('gpu:toolkitMissing.actionLinux'),
      detail: probe.detail,
    };
  }
  return probeFailed(named, probe, cpu);
}

function probeFailed(named: { count: number; list: Message }, probe: Extract<GpuProbeResult, { state: 'probe-failed' }>, cpu: Message): Verdict {
  const code: GpuStatusCode = 'GPU_PROBE_FAILED';
  const lead = msg('gpu:probeFailed.lead', named);
  switch (probe.reason) {
    case 'image-lacks-nvidia-smi':
      return {
        code,
        message: msg('gpu:probeFailed.noNvidiaSmi.message', { lead, image: probe.image }),
        action: msg('gpu:probeFailed.noNvidiaSmi.action'),
        detail: probe.detail,
      };
    case 'image-missing':
      return {
        code,
        message: msg('gpu:probeFailed.imageMissing', { lead, image: probe.image }),
        action: msg('gpu:loadImageAction'),
        detail: probe.detail,
      };
    case 'no-gpu-listed':
      return {
        code,
        message: msg('gpu:probeFailed.noGpuListed.message', { lead, cpu }),
        action: msg('gpu:probeFailed.noGpuListed.action'),
        detail: probe.detail,
      };
    case 'error':
      return {
        code,
        message: msg('gpu:probeFailed.error.message', { lead, why: probe.detail || msg('gpu:probeFailed.error.didNotRun'), cpu }),
        action: msg('gpu:probeFailed.error.action'),
        detail: probe.detail,
      };
  }
}

