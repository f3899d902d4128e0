import type { Channel, RequestOf, ResponseOf } from '../api/channels';
import type { CoreEvent } from '../api/events';
import type { ImageCheck, TransferKind, TransferProgress } from '../api/types';
import type { Operations } from '../operations';
import { hostUser } from './run-container';
import type { SettingsStore } from '../settings/store';
import { loadImageTarball } from './image-load';
import { saveImageTarball } from './image-save';
import { ImageCatalog } from './images';
import type { EngineService } from './service';
import { EngineDirectory } from './engines';

type ImageChannel = Extract<Channel, `images:${string}`>;
export type ImageImplementations = { [C in ImageChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

/** The images:* channels: list, load from file, export to file, pull, remove; progress on the event stream. */
export function imageHandlers(deps: {
  engine: EngineService;
  /** Every engine by name, for the channels that take `engine`. */
  engines: EngineDirectory;
  settings: SettingsStore;
  operations: Operations;
  emit: (event: CoreEvent) => void;
  /** Where the core runs: on Linux the image check runs as the user, as runs do. */
  platform?: NodeJS.Platform;
}): { handlers: ImageImplementations; catalog: ImageCatalog; catalogOf: (engine: string | null | undefined) => ImageCatalog } {
  const user = hostUser(deps.platform ?? process.platform);
  const catalog = new ImageCatalog(() => deps.engine.client(), user ? { user } : {});
  /** The catalog of a named engine (`local`, or absent: the one above). */
  const catalogOf = (engine: string | null | undefined) =>
    EngineDirectory.isLocal(engine) ? catalog : deps.engines.perEngine(engine, () => new ImageCatalog(() => deps.engines.client(engine), user ? { user } : {}));
  const progress = (operationId: string, kind: TransferKind) => (p: Omit<TransferProgress, 'operationId' | 'kind'>) =>
    deps.emit({ type: 'image:progress', progress: { operationId, kind, ...p } });

  const handlers: ImageImplementations = {
    'images:list': async ({ engine }) => catalogOf(engine).list(deps.settings.read().imageRef),
    'images:load': ({ file, operationId, engine }) =>
      deps.operations.run(operationId, async (signal) => {
        const catalog = catalogOf(engine);
        const docker = await deps.engines.client(engine);
        const loaded = await loadImageTarball(docker, file, { signal, onProgress: progress(operationId, 'load') });
        // A loaded image is checked at once, so a broken one is named before anyone chooses it.
        const ids = new Set(loaded.imageIds);
        for (const reference of loaded.references) {
          const id = await catalog.resolveId(docker, reference).catch(() => null);
          if (id) ids.add(id);
        }
        const checks: Record<string, ImageCheck> = {};
        for (const id of ids) checks[id] = await catalog.check(id, docker);
        return { ...loaded, checks };
      }),
    'images:save': ({ reference, file, operationId, overwrite }) =>
      deps.operations.run(operationId, async (signal) =>
        saveImageTarball(await deps.engine.client(), reference, file, { signal, overwrite: overwrite ?? false, onProgress: progress(operationId, 'save') }),
      ),
    'images:pull': ({ reference, operationId }) =>
      deps.operations.run(operationId, async () => ({ id: await catalog.pull(reference, progress(operationId, 'pull')) })),
    'images:remove': async ({ reference }) => {
      await catalog.remove(reference);
      return { removed: reference };
    },
  };
  return { handlers, catalog, catalogOf };
}
