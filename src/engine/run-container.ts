import type Docker from 'dockerode';
import type { RecordedGpus, RunMode } from '../api/runs';
import { APP_LABEL, hardenedHostConfig, PURPOSE_LABEL, RUN_ID_LABEL, type DeviceRequest } from './containers';

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
  gpus: RecordedGpus;
  platform: NodeJS.Platform;
  /** Replaces the image's entrypoint (the view step, which then runs AUCMEDI's); the image's own when absent. */
  entrypoint?: string[];
  /** Volumes on the engine (a staged run's inputs and outputs), mounted where `target` says. */
  volumes?: { source: string; target: string; readOnly: boolean }[];
  /**
   * A staged run on a server runs as the image's user: this computer's uid means nothing there, and
   * the view step links its inputs into the image's /data (see src/runs/step-mounts.ts).
   */
  imageUser?: boolean;
}

/**
 * One GPU for the container, or none: AUCMEDI trains on one GPU (see `GpuChoice`), and a container
 * that sees more only has TensorFlow take memory on all of them. A record of an older version that
 * asked for all GPUs (an evaluation reattached between its two steps) gets one, the engine's pick
 * (`Count: 1`); one with several ids gets the first.
 */
export function gpuDeviceRequests(gpus: RecordedGpus): DeviceRequest[] {
  if (gpus.kind === 'none') return [];
  if (gpus.kind === 'all') return [{ Driver: 'nvidia', Count: 1, Capabilities: [['gpu']] }];
  return [{ Driver: 'nvidia', DeviceIDs: gpus.ids.slice(0, 1), Capabilities: [['gpu']] }];
}

/** On Linux the container runs as the user, so the files it writes are the user's. */
export function hostUser(platform: NodeJS.Platform): string | undefined {
  if (platform !== 'linux' || !process.getuid || !process.getgid) return undefined;
  return `${process.getuid()}:${process.getgid()}`;
}

/** `NAME=value` entries, each name once: the last value given wins, in the place of its first. */
function oneEntryPerName(env: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const entry of env) byName.set(entry.split('=', 1)[0]!, entry);
  return [...byName.values()];
}

/** The hardened container of DESIGN.md for one run: labels to find it again, no auto-remove. */
export function runContainerOptions(spec: RunContainerSpec): Docker.ContainerCreateOptions {
  const user = spec.imageUser ? undefined : hostUser(spec.platform);
  const mounts = (spec.volumes ?? []).map((volume): Docker.MountSettings => ({ Type: 'volume', Source: volume.source, Target: volume.target, ReadOnly: volume.readOnly }));
  return {
    Image: spec.imageId,
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    Cmd: spec.args,
    // A writable HOME for any uid; Python and Keras write caches there. Keras 2 takes its weights from
    // ~/.keras/models, so HOME=/tmp makes that the Keras home of src/aucmedi/weights.ts (which sets it too).
    Env: oneEntryPerName(['HOME=/tmp', 'PYTHONUNBUFFERED=1', ...spec.env]),
    ...(user ? { User: user } : {}),
    Labels: { [APP_LABEL]: 'aucmedi-desk', [PURPOSE_LABEL]: 'run', [RUN_ID_LABEL]: spec.runId, [MODE_LABEL]: spec.mode },
    // AUCMEDI is the container's PID 1, which ignores SIGTERM; SIGINT is Python's KeyboardInterrupt, so
    // a stop ends a minimal or standard training at once instead of after the grace period's kill
    // (standard keeps its best model so far). Docker signals PID 1 only: an advanced training's fold
    // child (aucmedi/ensemble/composite.py) goes on, and Python's exit waits for it (multiprocessing
    // joins non-daemon children at exit), so there the grace period's kill ends the container, and
    // with PID 1 the kernel ends every process in it. Nothing of an unfinished advanced run is kept.
    StopSignal: 'SIGINT',
    Tty: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      ...hardenedHostConfig({ binds: spec.binds, mounts, deviceRequests: gpuDeviceRequests(spec.gpus), ...(user ? { user } : {}), shmSizeBytes: RUN_SHM_BYTES }),
      Tmpfs: spec.tmpfs,
    },
  };
}
