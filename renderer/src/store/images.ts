import type { StateCreator } from 'zustand';
import type { ImageList, ImageLoadResult, TransferProgress, UserError } from '../../../src/api';
import { invoke, newOperationId } from '../bridge';
import type { AppState } from './index';

export interface ImagesSlice {
  imageList: ImageList | null;
  imageError: UserError | null;
  /** The transfer under way (load or export), with its latest progress. */
  transfer: { operationId: string; label: string; progress: TransferProgress | null } | null;
  lastLoaded: ImageLoadResult | null;
  lastMessage: string | null;
  /**
   * Asks for the images. Callers at the same moment (the start-up's check in main.tsx and the Setup
   * page, open meanwhile) share one request; `fresh` after a change (a load, a removal) never shares.
   */
  listImages(fresh?: boolean): Promise<void>;
  loadImage(file: string): Promise<void>;
  pickAndLoadImage(): Promise<void>;
  exportImage(reference: string): Promise<void>;
  removeImage(reference: string): Promise<void>;
  useImage(reference: string): Promise<void>;
  cancelTransfer(): Promise<void>;
  applyTransferProgress(progress: TransferProgress): void;
  showImageError(error: UserError): void;
}

export const createImagesSlice: StateCreator<AppState, [], [], ImagesSlice> = (set, get) => {
  /** The images:list request under way, shared by callers that do not need a fresh one. */
  let listing: Promise<void> | null = null;
  const withTransfer = async <T>(label: string, kind: string, work: (operationId: string) => Promise<T>) => {
    const operationId = newOperationId(kind);
    set({ transfer: { operationId, label, progress: null }, imageError: null, lastMessage: null });
    try {
      return await work(operationId);
    } finally {
      set({ transfer: null });
    }
  };
  return {
    imageList: null,
    imageError: null,
    transfer: null,
    lastLoaded: null,
    lastMessage: null,
    listImages(fresh = false) {
      if (listing && !fresh) return listing;
      const request = (async () => {
        const response = await invoke('images:list', {});
        if (response.ok) set({ imageList: response.data });
        else set({ imageError: response.error });
      })();
      listing = request;
      void request.finally(() => {
        if (listing === request) listing = null;
      });
      return request;
    },
    async loadImage(file) {
      if (get().transfer) return;
      const name = file.split(/[\\/]/).pop() ?? file;
      const response = await withTransfer(`Loading ${name}`, 'load', (operationId) => invoke('images:load', { file, operationId }));
      if (response.ok) {
        const what = response.data.references.join(', ') || response.data.imageIds.join(', ');
        const check = response.data.checksum === 'verified' ? ' The checksum file matched.' : ' There was no checksum file beside it.';
        // The image check ran as it was loaded: a broken image is said at once (its sentence is in the list).
        const broken = Object.values(response.data.checks).some((c) => c.state === 'broken');
        set({ lastLoaded: response.data, lastMessage: `Loaded ${what}.${check}${broken ? ' Its software does not load, so it cannot run AUCMEDI: see below.' : ''}` });
      } else if (response.error.code !== 'OPERATION_CANCELLED') set({ imageError: response.error });
      await get().listImages(true);
    },
    async pickAndLoadImage() {
      const picked = await invoke('dialog:open-file', { purpose: 'image-tarball' });
      if (!picked.ok) return set({ imageError: picked.error });
      if (picked.data.path) await get().loadImage(picked.data.path);
    },
    async exportImage(reference) {
      if (get().transfer) return;
      const defaultName = `${reference.split('/').pop()!.replace(/[:@]/g, '_')}.tar`;
      const picked = await invoke('dialog:save-file', { purpose: 'image-tarball', defaultName });
      if (!picked.ok) return set({ imageError: picked.error });
      const file = picked.data.path;
      if (!file) return;
      // The native save dialog has already asked before replacing an existing file.
      const response = await withTransfer(`Exporting ${reference}`, 'save', (operationId) => invoke('images:save', { reference, file, operationId, overwrite: true }));
      if (response.ok) set({ lastMessage: `Exported ${reference} to ${response.data.file}, with its checksum in ${response.data.checksumFile}.` });
      else if (response.error.code !== 'OPERATION_CANCELLED') set({ imageError: response.error });
    },
    async removeImage(reference) {
      const response = await invoke('images:remove', { reference });
      if (response.ok) set({ lastMessage: `Removed ${reference}.`, imageError: null });
      else set({ imageError: response.error });
      await get().listImages(true);
    },
    async useImage(reference) {
      if (await get().updateSettings({ imageRef: reference })) {
        set({ lastMessage: `AUCMEDI Desk now uses ${reference}.`, lastLoaded: null });
        await get().listImages(true);
      }
    },
    async cancelTransfer() {
      const transfer = get().transfer;
      if (transfer) await invoke('operations:cancel', { operationId: transfer.operationId });
    },
    applyTransferProgress(progress) {
      const transfer = get().transfer;
      if (transfer && transfer.operationId === progress.operationId) set({ transfer: { ...transfer, progress } });
    },
    showImageError: (error) => set({ imageError: error, lastMessage: null }),
  };
};
