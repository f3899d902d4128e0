import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';

/** Labels on every container the app creates, so it can find (and clean up) its own. */
export const APP_LABEL = 'org.aucmedi-desk.app';
export const PURPOSE_LABEL = 'org.aucmedi-desk.purpose';
/** Only run containers (training, prediction, evaluation) carry a run id. */
export const RUN_ID_LABEL = 'org.aucmedi-desk.run-id';

export interface DeviceRequest {
  Driver: string;
  Count?: number;
  DeviceIDs?: string[];
  Capabilities: string[][];
}

export interface HardeningOptions {
  /** Bind mounts in Docker's `SOURCE:TARGET[:ro]` form, host paths already in the host's own form. */
  binds?: string[];
  /**
   * Mounts in the Mounts form. A bind mount here fails when its source is missing, where `binds`
   * would make an empty folder of that name on the engine's machine.
   */
  mounts?: Docker.MountSettings[];
  deviceRequests?: DeviceRequest[];
  /** `uid:gid` on Linux, so files written to bind mounts belong to the user. */
  user?: string;
  shmSizeBytes?: number;
  /** Only the offline-bundle weights download may set this, and says so to the user. */
  allowNetwork?: boolean;
}

/** The HostConfig of DESIGN.md: no network, no capabilities, no new privileges, never privileged. */
export function hardenedHostConfig(options: HardeningOptions = {}): Docker.HostConfig {
  return {
    NetworkMode: options.allowNetwork ? 'bridge' : 'none',
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    Privileged: false,
    ReadonlyRootfs: false,
    AutoRemove: false,
    ShmSize: options.shmSizeBytes ?? 64 * 1024 * 1024,
    ...(options.binds?.length ? { Binds: options.binds } : {}),
    ...(options.mounts?.length ? { Mounts: options.mounts } : {}),
    ...(options.deviceRequests?.length ? { DeviceRequests: options.deviceRequests } : {}),
  };
}

export interface RunOnceOptions extends HardeningOptions {
  image: string;
  cmd: string[];
  entrypoint?: string[];
  env?: string[];
  purpose: string;
  /** The container is killed after this long. */
  timeoutMs?: number;
  /** Kills the container: runOnce then fails with a RunOnceCancelled. */
  signal?: AbortSignal;
}

export class RunOnceCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export interface RunOnceResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A short-lived container started by startOnce. */
export interface StartedOnce {
  /** Its stdin, where it was started with `stdin: true` (attached before the start, so nothing written is lost). */
  readonly stdin: Duplex | null;
  /** Waits for its end (it is killed after `timeoutMs` from now, or on the signal), reads its output and removes it. */
  finish(): Promise<RunOnceResult>;
  /** Kills and removes it, its output unread. */
  discard(): Promise<void>;
}

/**
 * Creates and starts a short, hardened container; `finish` gathers its result. A container that
 * waits for its stdin can be started ahead of the work it checks: its start costs half a second.
 * Throws the engine's error when it cannot be created or started (nothing is left then).
 */
export async function startOnce(docker: Docker, options: RunOnceOptions & { stdin?: boolean }): Promise<StartedOnce> {
  const container = await docker.createContainer({
    Image: options.image,
    Cmd: options.cmd,
    ...(options.entrypoint ? { Entrypoint: options.entrypoint } : {}),
    ...(options.env ? { Env: options.env } : {}),
    ...(options.user ? { User: options.user } : {}),
    Labels: { [APP_LABEL]: 'aucmedi-desk', [PURPOSE_LABEL]: options.purpose },
    AttachStdout: false,
    AttachStderr: false,
    // StdinOnce: its stdin closes when the app goes away, so a waiting container ends then
    ...(options.stdin ? { AttachStdin: true, OpenStdin: true, StdinOnce: true } : {}),
    Tty: false,
    HostConfig: hardenedHostConfig(options),
  });
  // v: the image declares VOLUME /data; its anonymous volume goes with the container.
  const remove = () => container.remove({ force: true, v: true }).catch(() => undefined);
  let stdin: Duplex | null = null;
  try {
    if (options.signal?.aborted) throw new RunOnceCancelled();
    if (options.stdin) {
      stdin = (await container.attach({ stream: true, hijack: true, stdin: true, stdout: false, stderr: false })) as unknown as Duplex;
      stdin.on('error', () => undefined); // the container's end closes it
    }
    await container.start();
  } catch (error) {
    stdin?.destroy();
    await remove();
    throw error;
  }
  return {
    stdin,
    discard: async () => {
      stdin?.destroy();
      await remove();
    },
    finish: async () => {
      let timer: NodeJS.Timeout | undefined;
      let onAbort = () => {};
      try {
        const waited = container.wait() as Promise<{ StatusCode: number }>;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            container.kill().catch(() => undefined);
            reject(new Error(`the container did not finish within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`));
          }, options.timeoutMs ?? 60_000);
          onAbort = () => {
            container.kill().catch(() => undefined);
            reject(new RunOnceCancelled());
          };
          if (options.signal?.aborted) onAbort();
          options.signal?.addEventListener('abort', onAbort, { once: true });
        });
        const { StatusCode } = await Promise.race([waited, timedOut]);
        const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
        return { exitCode: StatusCode, ...demultiplex(logs) };
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        stdin?.destroy();
        await remove();
      }
    },
  };
}

/**
 * Runs a short, hardened container to completion and returns its exit code and output; the
 * container is always removed. Throws the engine's error when it cannot be created or started.
 */
export async function runOnce(docker: Docker, options: RunOnceOptions): Promise<RunOnceResult> {
  return (await startOnce(docker, options)).finish();
}

/**
 * Removes the app's short-lived helper containers (version check, GPU probe, weights download)
 * that a process which ended mid-way (killed, crashed, closed) left behind. Only those created
 * well over the longest helper timeout ago, so a helper another process is still using is kept.
 * Run containers are never touched here: they hold results until their run is finished.
 */
export async function removeOrphanedHelpers(docker: Docker, olderThanMs = 45 * 60_000, now = Date.now()): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: [APP_LABEL] } });
  let removed = 0;
  for (const info of containers) {
    const purpose = info.Labels?.[PURPOSE_LABEL];
    if (!purpose || purpose === 'run' || now - info.Created * 1000 < olderThanMs) continue;
    await docker
      .getContainer(info.Id)
      .remove({ force: true, v: true })
      .then(() => (removed += 1))
      .catch(() => undefined);
  }
  return removed;
}

/** Splits Docker's multiplexed log format (8-byte frame headers; 1 = stdout, 2 = stderr) without a TTY. */
export function demultiplex(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const demuxer = new FrameDemuxer((stream, payload) => (stream === 'stderr' ? err : out).push(payload));
  demuxer.push(buffer);
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The streaming form: frames may arrive split across chunks; payloads are passed on as they complete. */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly sink: (stream: 'stdout' | 'stderr', payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (offset + 8 <= this.pending.length) {
      const size = this.pending.readUInt32BE(offset + 4);
      if (offset + 8 + size > this.pending.length) break;
      this.sink(this.pending[offset] === 2 ? 'stderr' : 'stdout', this.pending.subarray(offset + 8, offset + 8 + size));
      offset += 8 + size;
    }
    this.pending = this.pending.subarray(offset);
  }
}
