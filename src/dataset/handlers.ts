import { localizedException } from '../api/errors';
import type { Channel, RequestOf, ResponseOf } from '../api/channels';
import type { CoreEvent } from '../api/events';
import type { RecentDataset } from '../api/types';
import { msg } from '../i18n/message';
import type { Operations } from '../operations';
import type { SettingsStore } from '../settings/store';
import { readPreview } from './preview';
import { scanDataset } from './scan';

type DatasetChannel = Extract<Channel, `dataset:${string}`>;
export type DatasetImplementations = { [C in DatasetChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

const MAX_RECENT = 8;

/** dataset:scan (progress on the event stream, cancellable) and dataset:preview (only inside a scanned dataset). */
export function datasetHandlers(deps: { settings: SettingsStore; operations: Operations; emit: (event: CoreEvent) => void }): DatasetImplementations {
  // The window may preview files only from folders the user chose and the core scanned.
  const scannedRoots = new Set<string>();
  return {
    'dataset:scan': ({ path, gtFile, ohe, purpose, scanId }) =>
      deps.operations.run(scanId, async (signal) => {
        const report = await scanDataset(
          { path, gtFile: gtFile ?? null, ohe: ohe ?? false, purpose: purpose ?? 'training' },
          { signal, onProgress: (progress) => deps.emit({ type: 'dataset:scan-progress', progress: { scanId, ...progress } }) },
        );
        scannedRoots.add(report.path);
        // the Dataset page's list of recent datasets is of training sets
        if ((purpose ?? 'training') === 'training') rememberDataset(deps.settings, { path: report.path, gtFile: gtFile ?? null, ohe: ohe ?? false, usedAt: new Date().toISOString() });
        return report;
      }),
    'dataset:preview': async ({ path, file }) => {
      if (!scannedRoots.has(path)) {
        throw localizedException('INVALID_REQUEST', msg('dataset:handlers.previewUnscanned.message'), msg('dataset:handlers.previewUnscanned.action'));
      }
      return readPreview(path, file);
    },
  };
}

function rememberDataset(settings: SettingsStore, entry: RecentDataset): void {
  const current = settings.read();
  const others = current.recentDatasets.filter((d) => !(d.path === entry.path && d.gtFile === entry.gtFile));
  try {
    settings.write({ ...current, recentDatasets: [entry, ...others].slice(0, MAX_RECENT) });
  } catch {
    // The list of recent datasets is a convenience; a settings folder that cannot be written must not fail the scan.
  }
}
