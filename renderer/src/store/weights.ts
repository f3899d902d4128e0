import type { StateCreator } from 'zustand';
import type { AucmediCatalog, OfflineBundle, UserError, WeightsDownloadProgress, WeightsDownloadResult, WeightsFileInfo, WeightsImportResult, WeightsProgress } from '../../../src/api';
import { msg, type Message } from '../../../src/i18n';
import { invoke, newOperationId } from '../bridge';
import { i18n } from '../i18n';
import type { AppState } from './index';

/** Where an import came from: the Setup page's own buttons and drop zone, or the offline bundle card. */
export type WeightsOrigin = 'setup' | 'bundle';

export interface WeightsSlice {
  weightsDir: string | null;
  weightsFiles: WeightsFileInfo[] | null;
  weightsError: UserError | null;
  /** Which card started the latest import or export (its result and refusal are shown there). */
  weightsOrigin: WeightsOrigin;
  /** The import or export under way, with its latest progress. */
  weightsTransfer: { operationId: string; label: string; origin: WeightsOrigin; progress: WeightsProgress | null } | null;
  /** The latest import's result (what came in, what was skipped or refused, and why). */
  weightsResult: { origin: WeightsOrigin; source: string; result: WeightsImportResult } | null;
  /** A short sentence after an export or a cancelled import (rendered in the window's language). */
  weightsMessage: Message | null;
  /** "Prepare offline bundle" on a connected computer: what is being fetched, and which one now. */
  weightsDownloading: { operationId: string; architectures: string[]; current: WeightsDownloadProgress | null; cancelling: boolean } | null;
  weightsDownload: WeightsDownloadResult | null;
  weightsDownloadError: UserError | null;
  /** The offline bundle found next to the program: undefined until looked for. */
  bundle: OfflineBundle | null | undefined;
  /** Parts of the bundle done in this session. */
  bundleImageLoaded: boolean;
  bundleWeightsImported: boolean;
  /** The bundle's image load was asked for (its refusal is shown on the bundle card too). */
  bundleImageTried: boolean;
  loadWeights(): Promise<void>;
  importWeights(source: string, origin?: WeightsOrigin): Promise<void>;
  pickWeightsFolder(): Promise<void>;
  pickWeightsArchive(): Promise<void>;
  cancelWeightsTransfer(): Promise<void>;
  exportWeights(): Promise<void>;
  downloadWeights(architectures: string[]): Promise<void>;
  cancelWeightsDownload(): Promise<void>;
  applyWeightsDownloadProgress(progress: WeightsDownloadProgress): void;
  applyWeightsProgress(progress: WeightsProgress): void;
  showWeightsError(error: UserError): void;
  findBundle(): Promise<void>;
  loadBundleImage(): Promise<void>;
  importBundleWeights(): Promise<void>;
}

const baseName = (file: string) => file.split(/[\\/]/).filter(Boolean).pop() ?? file;

/** The architectures whose weights file has this exact name (2D Keras files, 3D classification_models_3D files). */
export function architecturesOfFile(name: string, catalog: AucmediCatalog | null): string[] {
  if (!catalog) return [];
  return catalog.architectures.filter((a) => a.weightsFile === name).map((a) => (a.dimensionality === '3D' ? `${a.key} (3D)` : a.key));
}

/** A wrong file: there under the name Keras looks for, but not with the hash Keras checks (the core compared them). */
export function isWrongFile(file: WeightsFileInfo): boolean {
  return file.keras?.state === 'wrong-file';
}

export const createWeightsSlice: StateCreator<AppState, [], [], WeightsSlice> = (set, get) => ({
  weightsDir: null,
  weightsFiles: null,
  weightsError: null,
  weightsOrigin: 'setup',
  weightsTransfer: null,
  weightsResult: null,
  weightsMessage: null,
  weightsDownloading: null,
  weightsDownload: null,
  weightsDownloadError: null,
  bundle: undefined,
  bundleImageLoaded: false,
  bundleWeightsImported: false,
  bundleImageTried: false,
  async loadWeights() {
    const response = await invoke('weights:list', {});
    if (response.ok) set({ weightsDir: response.data.dir, weightsFiles: response.data.files });
    else set({ weightsError: response.error });
  },
  async importWeights(source, origin = 'setup') {
    if (get().weightsTransfer) return;
    const operationId = newOperationId('weights-import');
    set({ weightsTransfer: { operationId, label: i18n.t('weights:store.importing', { name: baseName(source) }), origin, progress: null }, weightsOrigin: origin, weightsError: null, weightsMessage: null, weightsResult: null });
    const response = await invoke('weights:import', { source, operationId });
    set({ weightsTransfer: null });
    if (response.ok) {
      set({ weightsResult: { origin, source, result: response.data } });
      if (origin === 'bundle') set({ bundleWeightsImported: true });
    } else if (response.error.code === 'OPERATION_CANCELLED') {
      set({ weightsMessage: msg('weights:store.importCancelled', { action: response.error.i18n?.action ?? response.error.action }) });
    } else set({ weightsError: response.error });
    await get().loadWeights();
    // The Train page's architectures say which are ready offline: ask the core again.
    await get().loadCatalog();
  },
  async pickWeightsFolder() {
    const picked = await invoke('dialog:open-folder', { purpose: 'weights-folder' });
    if (!picked.ok) return set({ weightsError: picked.error, weightsOrigin: 'setup' });
    if (picked.data.path) await get().importWeights(picked.data.path);
  },
  async pickWeightsArchive() {
    const picked = await invoke('dialog:open-file', { purpose: 'weights-archive' });
    if (!picked.ok) return set({ weightsError: picked.error, weightsOrigin: 'setup' });
    if (picked.data.path) await get().importWeights(picked.data.path);
  },
  async cancelWeightsTransfer() {
    const transfer = get().weightsTransfer;
    if (transfer) await invoke('operations:cancel', { operationId: transfer.operationId });
  },
  async exportWeights() {
    if (get().weightsTransfer) return;
    const operationId = newOperationId('weights-export');
    set({ weightsTransfer: { operationId, label: i18n.t('weights:store.exporting'), origin: 'setup', progress: null }, weightsOrigin: 'setup', weightsError: null, weightsMessage: null, weightsResult: null });
    // The core asks where to save (native dialog), then writes FILE and FILE.sha256.
    const response = await invoke('weights:export', { operationId });
    set({ weightsTransfer: null });
    if (!response.ok) {
      if (response.error.code === 'OPERATION_CANCELLED') set({ weightsMessage: msg('weights:store.exportCancelled') });
      else set({ weightsError: response.error });
      return;
    }
    const { file, sha256 } = response.data;
    if (!file) return;
    set({ weightsMessage: sha256 ? msg('weights:store.savedWithHash', { file, name: baseName(file), sha: sha256.slice(0, 12) }) : msg('weights:store.saved', { file, name: baseName(file) }) });
  },
  async downloadWeights(architectures) {
    if (get().weightsDownloading || architectures.length === 0) return;
    const operationId = newOperationId('weights-download');
    set({ weightsDownloading: { operationId, architectures, current: null, cancelling: false }, weightsDownload: null, weightsDownloadError: null });
    // allowNetwork: the user has just read and confirmed what this does.
    const response = await invoke('weights:download', { architectures, threeDim: false, allowNetwork: true, operationId });
    set({ weightsDownloading: null });
    if (response.ok) set({ weightsDownload: response.data });
    else set({ weightsDownloadError: response.error });
    await get().loadWeights();
    await get().loadCatalog();
  },
  async cancelWeightsDownload() {
    const downloading = get().weightsDownloading;
    if (!downloading || downloading.cancelling) return;
    set({ weightsDownloading: { ...downloading, cancelling: true } });
    await invoke('operations:cancel', { operationId: downloading.operationId });
  },
  applyWeightsDownloadProgress(progress) {
    const downloading = get().weightsDownloading;
    if (downloading && downloading.operationId === progress.operationId) set({ weightsDownloading: { ...downloading, current: progress } });
  },
  applyWeightsProgress(progress) {
    const transfer = get().weightsTransfer;
    if (transfer && transfer.operationId === progress.operationId) set({ weightsTransfer: { ...transfer, progress } });
  },
  showWeightsError: (error) => set({ weightsError: error, weightsOrigin: 'setup', weightsMessage: null, weightsResult: null }),
  async findBundle() {
    const response = await invoke('bundle:find', {});
    set({ bundle: response.ok ? response.data : null });
  },
  async loadBundleImage() {
    const file = get().bundle?.image?.file;
    if (!file) return;
    set({ bundleImageTried: true });
    const before = get().lastLoaded;
    await get().loadImage(file);
    if (get().lastLoaded && get().lastLoaded !== before) set({ bundleImageLoaded: true });
  },
  async importBundleWeights() {
    const file = get().bundle?.weights?.file;
    if (file) await get().importWeights(file, 'bundle');
  },
});
