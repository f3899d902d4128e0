import type Docker from 'dockerode';
import { compareApiVersions, MIN_API_FOR_GPU } from '../engine/diagnose';
import type { EngineGpuSupport } from '../api/gpu';

/** `CDISpecDirs` appeared in `GET /info` with Engine API 1.44 (Docker 25). */
export const MIN_API_FOR_CDI = '1.44';

/** The parts of `docker info` this module reads (the engine sends many more). */
export interface DockerInfoLike {
  ServerVersion?: unknown;
  OperatingSystem?: unknown;
  OSType?: unknown;
  Runtimes?: unknown;
  DefaultRuntime?: unknown;
  CDISpecDirs?: unknown;
}

/** The parts of `docker version` this module reads. */
export interface DockerVersionLike {
  Version?: unknown;
  ApiVersion?: unknown;
}

/** What the engine offers for GPUs. Pure: reads only the two objects it is given. */
export function engineGpuSupport(info: DockerInfoLike, version: DockerVersionLike): EngineGpuSupport {
  const apiVersion = typeof version.ApiVersion === 'string' && version.ApiVersion ? version.ApiVersion : 'unknown';
  const engineVersion = String(version.Version ?? info.ServerVersion ?? 'unknown');
  const runtimes = info.Runtimes && typeof info.Runtimes === 'object' ? Object.keys(info.Runtimes as object).sort() : [];
  const cdiApi = apiVersion !== 'unknown' && compareApiVersions(apiVersion, MIN_API_FOR_CDI) >= 0;
  const cdiSpecDirs = cdiApi && Array.isArray(info.CDISpecDirs) ? info.CDISpecDirs.filter((dir): dir is string => typeof dir === 'string' && dir !== '') : [];
  const operatingSystem = String(info.OperatingSystem ?? '');
  return {
    engineVersion,
    apiVersion,
    deviceRequests: apiVersion !== 'unknown' && compareApiVersions(apiVersion, MIN_API_FOR_GPU) >= 0,
    runtimes,
    defaultRuntime: typeof info.DefaultRuntime === 'string' && info.DefaultRuntime ? info.DefaultRuntime : null,
    nvidiaRuntime: runtimes.includes('nvidia'),
    cdiSpecDirs,
    cdi: cdiSpecDirs.length > 0,
    dockerDesktop: /docker desktop/i.test(operatingSystem),
    osType: String(info.OSType ?? 'unknown'),
  };
}

/** Asks the engine (`docker info`, `docker version`). Throws the engine's error when it cannot answer. */
export async function readEngineGpuSupport(docker: Docker): Promise<EngineGpuSupport> {
  const [info, version] = await Promise.all([docker.info() as Promise<DockerInfoLike>, docker.version() as Promise<DockerVersionLike>]);
  return engineGpuSupport(info, version);
}
