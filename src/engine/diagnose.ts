import { statfs } from 'node:fs/promises';
import { errorDetail } from '../api/errors';
import type { EngineInfo, EngineStatus, EngineStatusCode } from '../api/types';
import { createDockerClient } from './client';
import type { EngineEndpoint } from './endpoint';

/** Device requests (how GPUs reach a container) arrived with Engine API 1.40 (Docker 19.03). */
export const MIN_API_FOR_GPU = '1.40';
const PING_TIMEOUT_MS = 5000;

export interface DiagnoseDeps {
  platform: NodeJS.Platform;
  username: string;
  isInstalled: () => Promise<boolean>;
  freeDiskBytes?: (dir: string) => Promise<number | null>;
  now?: () => Date;
  pingTimeoutMs?: number;
}

type Verdict = Pick<EngineStatus, 'code' | 'message' | 'action'> & { detail?: string };

/** Asks the engine at `endpoint` who it is and how it is, and says so in plain words. Never throws. */
export async function diagnoseEngine(endpoint: EngineEndpoint, deps: DiagnoseDeps): Promise<EngineStatus> {
  const base = {
    endpoint: endpoint.url,
    endpointSource: endpoint.source,
    checkedAt: (deps.now?.() ?? new Date()).toISOString(),
  };
  const finish = (verdict: Verdict, info?: EngineInfo): EngineStatus => ({
    ok: verdict.code === 'ENGINE_OK',
    ...verdict,
    ...base,
    ...(info ? { info } : {}),
  });

  const timeoutMs = deps.pingTimeoutMs ?? PING_TIMEOUT_MS;
  let docker;
  try {
    docker = createDockerClient(endpoint, timeoutMs);
  } catch (error) {
    return finish(unreachable(endpoint, `cannot read the TLS certificates: ${errorDetail(error)}`));
  }

  try {
    await withTimeout(docker.ping(), timeoutMs);
  } catch (error) {
    return finish(await classifyConnectionError(error, endpoint, deps));
  }

  let info: EngineInfo;
  try {
    const [version, system] = await Promise.all([docker.version(), docker.info()]);
    const rootDir = String(system.DockerRootDir ?? '');
    info = {
      version: String(version.Version ?? system.ServerVersion ?? 'unknown'),
      apiVersion: String(version.ApiVersion ?? 'unknown'),
      os: String(system.OperatingSystem ?? version.Os ?? 'unknown'),
      osType: String(system.OSType ?? version.Os ?? 'unknown'),
      arch: String(system.Architecture ?? version.Arch ?? 'unknown'),
      kernelVersion: String(system.KernelVersion ?? version.KernelVersion ?? 'unknown'),
      cpus: Number(system.NCPU ?? 0),
      memoryBytes: Number(system.MemTotal ?? 0),
      storageDriver: String(system.Driver ?? 'unknown'),
      rootDir,
      freeDiskBytes: isLocalEngine(endpoint, deps.platform) ? await (deps.freeDiskBytes ?? freeDiskBytes)(rootDir) : null,
      runtimes: Object.keys(system.Runtimes ?? {}),
      liveRestore: system.LiveRestoreEnabled === true,
    };
  } catch (error) {
    return finish(unhealthy(`the engine answered but could not describe itself: ${errorDetail(error)}`));
  }

  if (compareApiVersions(info.apiVersion, MIN_API_FOR_GPU) < 0) {
    return finish(
      {
        code: 'ENGINE_TOO_OLD',
        message: `The Docker engine (${info.version}, API ${info.apiVersion}) is too old to give containers a GPU.`,
        action: 'Ask IT to update Docker to version 19.03 or newer (API 1.40). Training still works on the CPU, slowly.',
      },
      info,
    );
  }
  return finish({ code: 'ENGINE_OK', message: `Docker ${info.version} is running and ready.`, action: '' }, info);
}

/** Turns a failed connection into the sentence a user needs. */
export async function classifyConnectionError(error: unknown, endpoint: EngineEndpoint, deps: DiagnoseDeps): Promise<Verdict> {
  const err = error as { code?: string; statusCode?: number; message?: string };
  const detail = `${endpoint.url}: ${errorDetail(error)}`;
  if (err.statusCode !== undefined) return unhealthy(detail);
  if (err.code === 'TIMEOUT') return unhealthy(`${endpoint.url} did not answer in time`);
  if (err.code === 'EACCES' || err.code === 'EPERM') return permissionDenied(endpoint, deps, detail);
  if (endpoint.transport.kind === 'tcp') return unreachable(endpoint, detail);
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    if (endpoint.source === 'default' && !(await deps.isInstalled())) return notInstalled(deps.platform, detail);
    return notRunning(endpoint, deps.platform, detail);
  }
  return unhealthy(detail);
}

function notInstalled(platform: NodeJS.Platform, detail: string): Verdict {
  return {
    code: 'ENGINE_NOT_INSTALLED',
    message: 'Docker is not installed on this computer. The app needs it to run AUCMEDI.',
    action:
      platform === 'linux'
        ? 'Ask IT to install Docker Engine (Debian/Ubuntu package "docker.io" or docker-ce), then start it.'
        : 'Ask IT to install Docker Desktop, then start it. This page updates by itself.',
    detail,
  };
}

function notRunning(endpoint: EngineEndpoint, platform: NodeJS.Platform, detail: string): Verdict {
  const where = endpoint.source === 'settings' ? ` at the address set in Settings (${endpoint.url})` : '';
  return {
    code: 'ENGINE_NOT_RUNNING',
    message: `Docker is installed but not running${where}.`,
    action:
      platform === 'linux'
        ? endpoint.source === 'settings'
          ? 'Start Docker, or clear the engine address in Settings to find it automatically. This page updates by itself.'
          : 'Start Docker ("sudo systemctl start docker"), or ask IT to. This page updates by itself.'
        : 'Start Docker Desktop and wait until it says it is running. This page updates by itself.',
    detail,
  };
}

function permissionDenied(endpoint: EngineEndpoint, deps: DiagnoseDeps, detail: string): Verdict {
  return {
    code: 'ENGINE_PERMISSION_DENIED',
    message: `Docker is running, but your account (${deps.username}) is not allowed to use it.`,
    action:
      deps.platform === 'linux'
        ? `Ask IT to add your account to the "docker" group ("sudo usermod -aG docker ${deps.username}"), then log out and log in again.`
        : 'Ask IT to give your account access to Docker Desktop (on Windows: the "docker-users" group), then log in again.',
    detail: `${detail} (${endpoint.url})`,
  };
}

function unhealthy(detail: string): Verdict {
  return {
    code: 'ENGINE_UNHEALTHY',
    message: 'Docker answers but is not working properly.',
    action: 'Restart Docker (or the computer). If it stays like this, ask IT and show them the details.',
    detail,
  };
}

function unreachable(endpoint: EngineEndpoint, detail: string): Verdict {
  return {
    code: 'ENGINE_UNREACHABLE',
    message: `The Docker engine at ${endpoint.url} cannot be reached.`,
    action: 'Check that the engine runs there and that the address and certificates are right, or clear the engine address in Settings.',
    detail,
  };
}

/** Only a local socket on Linux stores images on a disk we can see. */
function isLocalEngine(endpoint: EngineEndpoint, platform: NodeJS.Platform): boolean {
  return platform === 'linux' && endpoint.transport.kind === 'socket' && endpoint.source !== 'docker-desktop';
}

async function freeDiskBytes(dir: string): Promise<number | null> {
  if (!dir) return null;
  try {
    const stats = await statfs(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  if (Number.isNaN(aMajor) || Number.isNaN(aMinor)) return -1;
  return aMajor - bMajor || aMinor - bMinor;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}


export type { EngineStatusCode };
