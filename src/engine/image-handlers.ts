import type { Channel, RequestOf, ResponseOf } from '../api/channels';
import type { CoreEvent } from '../api/events';
import type { TransferKind, TransferProgress } from '../api/types';
import type { Operations } from '../operations';
import type { SettingsStore } from '../settings/store';
import { loadImageTarball } from './image-load';
import { saveImageTarball } from './image-save';
import { ImageCatalog } from './images';
import type { EngineService } from './service';

type ImageChannel = Extract<Channel, `images:${string}`>;
export type ImageImplementations = { [C in ImageChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

/** The images:* channels: list, load from file, export to file, pull, remove; progress on the event stream. */
export function imageHandlers(deps: {
  engine: EngineService;
  settings: SettingsStore;
  operations: Operations;
  emit: (event: CoreEvent) => void;
}): { handlers: ImageImplementations; catalog: ImageCatalog } {
  const catalog = new ImageCatalog(() => deps.engine.client());
  const progress = (operationId: string, kind: TransferKind) => (p: Omit<TransferProgress, 'operationId' | 'kind'>) =>
    deps.emit({ type: 'image:progress', progress: { operationId, kind, ...p } });

  const handlers: ImageImplementations = {
    'images:list': async () => catalog.list(deps.settings.read().imageRef),
    'images:load': ({ file, operationId }) =>
      deps.operations.run(operationId, async (signal) =>
        loadImageTarball(await deps.engine.client(), file, { signal, onProgress: progress(operationId, 'load') }),
      ),
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
  return { handlers, catalog };
}
