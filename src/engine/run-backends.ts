/**
 * The run backend of an engine by name (src/runs/backend.ts): made on each use from the engine
 * directory, so an engine added, changed or removed in the settings counts at once; what is costly
 * (the file-visibility measurement, the image checks) is cached there per engine.
 */
import { EngineDirectory } from './engines';
import { DockerRunBackend } from './docker-run-backend';
import type { ImageCatalog } from './images';
import type { EngineService } from './service';

export function runBackend(engines: EngineDirectory, local: EngineService, catalogOf: (engine: string | null | undefined) => ImageCatalog, name: string | null | undefined): DockerRunBackend {
  const isLocal = EngineDirectory.isLocal(name);
  // an unknown name is refused here, with the sentence of src/engine/engines.ts
  const named = isLocal ? null : engines.named(name!);
  return new DockerRunBackend({
    engine: named?.name ?? 'local',
    host: named ? hostOf(named.url) : null,
    client: () => engines.client(name),
    fileVisibility: () => engines.fileVisibility(name),
    engineInfo: async () => {
      if (isLocal) return (await local.status()).info ?? null;
      const docker = await engines.client(name);
      const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<{ LiveRestoreEnabled?: boolean }>]);
      return { version: version.Version, apiVersion: version.ApiVersion, liveRestore: info.LiveRestoreEnabled === true };
    },
    resolveImageId: (docker, reference) => catalogOf(name).resolveId(docker, reference),
    pathMappings: () => (isLocal ? [] : (engines.entry(name!).pathMappings ?? [])),
    platform: engines.platform,
  });
}

/** The server's name in an engine address (`ssh://user@host:22`, `tcp://host:2376`). */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '') || url;
  } catch {
    return url;
  }
}
