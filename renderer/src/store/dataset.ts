import type { StateCreator } from 'zustand';
import type { DatasetReport, DatasetScanProgress, UserError } from '../../../src/api';
import { invoke, newOperationId } from '../bridge';
import type { AppState } from './index';

export interface DatasetSelection {
  path: string;
  gtFile: string | null;
  ohe: boolean;
}

export interface DatasetSlice {
  datasetSelection: DatasetSelection | null;
  datasetReport: DatasetReport | null;
  datasetScan: { scanId: string; progress: DatasetScanProgress | null } | null;
  datasetError: UserError | null;
  /** Relative path -> downscaled preview (data URL), or null when none can be shown. */
  previews: Record<string, string | null>;
  scanDataset(selection: DatasetSelection): Promise<void>;
  pickDatasetFolder(): Promise<void>;
  pickAnnotationFile(): Promise<void>;
  setAnnotation(gtFile: string | null, ohe: boolean): Promise<void>;
  cancelScan(): Promise<void>;
  applyScanProgress(progress: DatasetScanProgress): void;
  showDatasetError(error: UserError): void;
  setPreview(file: string, dataUrl: string | null): void;
}

export const createDatasetSlice: StateCreator<AppState, [], [], DatasetSlice> = (set, get) => ({
  datasetSelection: null,
  datasetReport: null,
  datasetScan: null,
  datasetError: null,
  previews: {},
  async scanDataset(selection) {
    await get().cancelScan();
    const scanId = newOperationId('scan');
    set({ datasetSelection: selection, datasetScan: { scanId, progress: null }, datasetError: null, datasetReport: null, previews: {} });
    const response = await invoke('dataset:scan', { ...selection, scanId });
    if (get().datasetScan?.scanId !== scanId) return; // a newer scan replaced this one
    if (response.ok) set({ datasetReport: response.data, datasetScan: null });
    else set({ datasetError: response.error.code === 'OPERATION_CANCELLED' ? null : response.error, datasetScan: null });
    void get().loadSettings(); // the recent datasets list changed
  },
  async pickDatasetFolder() {
    const picked = await invoke('dialog:open-folder', { purpose: 'dataset' });
    if (!picked.ok) return set({ datasetError: picked.error });
    if (picked.data.path) await get().scanDataset({ path: picked.data.path, gtFile: null, ohe: false });
  },
  async pickAnnotationFile() {
    const selection = get().datasetSelection;
    if (!selection) return;
    const picked = await invoke('dialog:open-file', { purpose: 'annotation-csv' });
    if (!picked.ok) return set({ datasetError: picked.error });
    if (picked.data.path) await get().scanDataset({ ...selection, gtFile: picked.data.path });
  },
  async setAnnotation(gtFile, ohe) {
    const selection = get().datasetSelection;
    if (selection) await get().scanDataset({ ...selection, gtFile, ohe: gtFile ? ohe : false });
  },
  async cancelScan() {
    const scan = get().datasetScan;
    if (scan) await invoke('operations:cancel', { operationId: scan.scanId });
  },
  applyScanProgress(progress) {
    const scan = get().datasetScan;
    if (scan && scan.scanId === progress.scanId) set({ datasetScan: { ...scan, progress } });
  },
  showDatasetError: (error) => set({ datasetError: error }),
  setPreview: (file, dataUrl) => set({ previews: { ...get().previews, [file]: dataUrl } }),
});
