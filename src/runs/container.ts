import type Docker from 'dockerode';
import type { GpuChoice, RunMode } from '../api/runs';
import { APP_LABEL, hardenedHostConfig, PURPOSE_LABEL, RUN_ID_LABEL, type DeviceRequest } from '../engine/containers';

export const MODE_LABEL = 'org.aucmedi-desk.mode';
/** Generous shared memory: TensorFlow's data loaders use /dev/shm. */
export const RUN_SHM_BYTES = 2 * 1024 ** 3;

export interface RunContainerSpec {
  runId: string;
  mode: RunMode;
  imageId: string;
  /** The `aucmedi` arguments, the mode first (`training --path_imagedir ...`). */
  args: string[];
  binds: string[];
  env: string[];
  tmpfs: Record<string, string>;
  gpus: GpuChoice;
  platform: NodeJS.Platform;
}

export function gpuDeviceRequests(gpus: GpuChoice): DeviceRequest[] {
  if (gpus.kind === 'none') return [];
  if (gpus.kind === 'all') return [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }];
  return [{ Driver: 'nvidia', DeviceIDs: gpus.ids, Capabilities: [['gpu']] }];
}

/** On Linux the container runs as the user, so the files it writes are the user's. */
export function hostUser(platform: NodeJS.Platform): string | undefined {
  if (platform !== 'linux' || !process.getuid || !process.getgid) return undefined;
  return `${process.getuid()}:${process.getgid()}`;
}

/** The hardened container of DESIGN.md for one run: labels to find it again, no auto-remove. */
export function runContainerOptions(spec: RunContainerSpec): Docker.ContainerCreateOptions {
  const user = hostUser(spec.platform);
  return {
    Image: spec.imageId,
    Cmd: spec.args,
    // A writable HOME for any uid; Python and Keras write caches there.
    Env: ['HOME=/tmp', 'PYTHONUNBUFFERED=1', ...spec.env],
    ...(user ? { User: user } : {}),
    Labels: { [APP_LABEL]: 'aucmedi-desk', [PURPOSE_LABEL]: 'run', [RUN_ID_LABEL]: spec.runId, [MODE_LABEL]: spec.mode },
    // AUCMEDI is the container's PID 1, which ignores SIGTERM; SIGINT is Python's KeyboardInterrupt, so
    // a stop ends it at once instead of after the grace period's kill, with the models saved so far kept.
    StopSignal: 'SIGINT',
    Tty: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      ...hardenedHostConfig({ binds: spec.binds, deviceRequests: gpuDeviceRequests(spec.gpus), ...(user ? { user } : {}), shmSizeBytes: RUN_SHM_BYTES }),
      Tmpfs: spec.tmpfs,
    },
  };
}
