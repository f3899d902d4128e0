import type { StateCreator } from 'zustand';
import type { AucmediCatalog, DatasetScanProgress, PickedPath, PredictionTable, Response, UserError } from '../../../src/api';
import type { GpuChoice, ModelChoice, PredictionRequest } from '../../../src/api/runs';
import { msg, type Localized } from '../../../src/i18n';
import { invoke } from '../bridge';
import { thumbnail } from '../thumbnail';
import type { AppState } from './index';
import { cancelFolderScan, NO_SCAN, scanFolder, withScanProgress, type FolderScan } from './scan';

/** What a prediction or evaluation form holds besides its inputs; numbers as typed (checked before start). */
export interface ApplyDraft {
  model: ModelChoice | null;
  batchSize: string;
  workers: string;
  /** null: not chosen yet (the page preselects from the GPU report). */
  gpus: GpuChoice | null;
  /** null: a new folder under the runs folder. */
  outputDir: string | null;
}

export interface PredictDraft extends ApplyDraft {
  /** An XAI method key, or null for no heat maps. */
  xaiMethod: string | null;
}

export const applyDraftDefaults = (catalog: AucmediCatalog | null): ApplyDraft => ({
  model: null,
  batchSize: String(catalog?.defaults.predictionBatchSize ?? 12),
  workers: String(catalog?.defaults.workers ?? 1),
  gpus: null,
  outputDir: null,
});

/**
 * A thumbnail of a run's input image or heat map: the downscaled data URL, or null with the reason
 * (the core's English sentence and, in `i18n.reason`, the same as a message for the window's language).
 */
export interface RunImage extends Localized<'reason'> {
  url: string | null;
  reason?: string;
}

export const THUMBNAIL_PX = 64;
const runImageKey = (runId: string, sample: string, kind: 'image' | 'heatmap', px: number) => `${runId}\u0000${kind}\u0000${px}\u0000${sample}`;

export interface PredictSlice {
  predictDraft: PredictDraft | null;
  predictImages: FolderScan;
  predictStarting: boolean;
  /** The refusal of the latest start, or of a dialog on the page. */
  predictError: UserError | null;
  updatePredictDraft(patch: Partial<PredictDraft>): void;
  choosePredictModelFolder(): Promise<void>;
  choosePredictOutputDir(): Promise<void>;
  pickPredictImages(): Promise<void>;
  scanPredictImages(path: string): Promise<void>;
  cancelPredictScan(): Promise<void>;
  applyPredictScanProgress(progress: DatasetScanProgress): void;
  showPredictImagesError(error: UserError): void;
  startPrediction(request: PredictionRequest): Promise<void>;
  clearPredictError(): void;

  /** The table of the prediction shown on the Run page. */
  predictionTable: { runId: string; table: PredictionTable } | null;
  predictionTableError: { runId: string; error: UserError } | null;
  loadPredictionTable(runId: string): Promise<void>;
  /** Thumbnails by run, kind and sample; absent: not asked for yet. */
  runImages: Record<string, RunImage>;
  /** Reads an input image or heat map of a run and keeps it downscaled to `px` (longer side). */
  requestRunImage(runId: string, sample: string, kind: 'image' | 'heatmap', px?: number): void;
  exportPredictions(runId: string, filter: { predictedClass: string | null; below: number | null }): Promise<Response<PickedPath>>;
}

/** Thumbnails are read one after the other, in the order the rows came into view. */
const queue: { runId: string; sample: string; kind: 'image' | 'heatmap'; px: number }[] = [];
const requested = new Set<string>();
let reading = false;

export const createPredictSlice: StateCreator<AppState, [], [], PredictSlice> = (set, get) => {
  const draft = () => get().predictDraft ?? { ...applyDraftDefaults(get().catalog), xaiMethod: null };
  const update = (patch: Partial<PredictDraft>) => set({ predictDraft: { ...draft(), ...patch } });

  const readImages = async () => {
    if (reading) return;
    reading = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { runId, sample, kind, px } = next;
        const response = await invoke('runs:image', { runId, sample, kind });
        let image: RunImage;
        if (!response.ok) image = { url: null, reason: response.error.message, ...(response.error.i18n ? { i18n: { reason: response.error.i18n.message } } : {}) };
        else if (!response.data.dataUrl) {
          const data: { reason?: string } & Localized<'reason'> = response.data;
          image = data.reason ? { url: null, reason: data.reason, ...(data.i18n ? { i18n: data.i18n } : {}) } : { url: null, i18n: { reason: msg('apply:predictions.noImage') } };
        } else image = { url: await thumbnail(response.data.dataUrl, px).catch(() => null), i18n: { reason: msg('apply:predictions.notShowable') } };
        set({ runImages: { ...get().runImages, [runImageKey(runId, sample, kind, px)]: image } });
      }
    } finally {
      reading = false;
    }
  };

  return {
    predictDraft: null,
    predictImages: NO_SCAN,
    predictStarting: false,
    predictError: null,
    updatePredictDraft(patch) {
      // A refusal was about the choices before this change.
      update(patch);
      set({ predictError: null });
    },
    async choosePredictModelFolder() {
      const picked = await invoke('dialog:open-folder', { purpose: 'model' });
      if (!picked.ok) return set({ predictError: picked.error });
      if (picked.data.path) {
        update({ model: { dir: picked.data.path } });
        set({ predictError: null });
      }
    },
    async choosePredictOutputDir() {
      const picked = await invoke('dialog:open-folder', { purpose: 'run-output' });
      if (!picked.ok) return set({ predictError: picked.error });
      if (picked.data.path) {
        update({ outputDir: picked.data.path });
        set({ predictError: null });
      }
    },
    async pickPredictImages() {
      const picked = await invoke('dialog:open-folder', { purpose: 'prediction-images' });
      if (!picked.ok) return set({ predictImages: { ...get().predictImages, error: picked.error } });
      if (picked.data.path) await get().scanPredictImages(picked.data.path);
    },
    scanPredictImages: (path) =>
      scanFolder(
        () => get().predictImages,
        (predictImages) => set({ predictImages, predictError: null }),
        { path, gtFile: null, ohe: false },
        'prediction',
      ),
    cancelPredictScan: () => cancelFolderScan(get().predictImages),
    applyPredictScanProgress(progress) {
      const slot = withScanProgress(get().predictImages, progress);
      if (slot) set({ predictImages: slot });
    },
    showPredictImagesError: (error) => set({ predictImages: { ...get().predictImages, error } }),
    async startPrediction(request) {
      if (get().predictStarting) return;
      set({ predictStarting: true, predictError: null });
      const response = await invoke('runs:start-prediction', request);
      set({ predictStarting: false });
      if (!response.ok) {
        if (!get().takeConsentQuestion('start', { mode: 'prediction', request }, response.error)) set({ predictError: response.error });
        return;
      }
      // A chosen folder holds this run's outputs now; the next run needs another.
      update({ outputDir: null });
      get().showStartedRun(response.data);
    },
    clearPredictError: () => set({ predictError: null }),

    predictionTable: null,
    predictionTableError: null,
    async loadPredictionTable(runId) {
      if (get().predictionTable?.runId === runId) return;
      const response = await invoke('runs:predictions', { runId });
      if (response.ok) set({ predictionTable: { runId, table: response.data }, predictionTableError: null });
      else set({ predictionTableError: { runId, error: response.error } });
    },
    runImages: {},
    requestRunImage(runId, sample, kind, px = THUMBNAIL_PX) {
      const key = runImageKey(runId, sample, kind, px);
      if (requested.has(key)) return;
      requested.add(key);
      queue.push({ runId, sample, kind, px });
      void readImages();
    },
    exportPredictions: (runId, filter) => invoke('runs:export-predictions', { runId, predictedClass: filter.predictedClass, below: filter.below }),
  };
};

export const runImageOf = (images: Record<string, RunImage>, runId: string, sample: string, kind: 'image' | 'heatmap', px = THUMBNAIL_PX): RunImage | undefined =>
  images[runImageKey(runId, sample, kind, px)];
