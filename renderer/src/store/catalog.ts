import type { StateCreator } from 'zustand';
import type { Analysis, AucmediCatalog, UserError } from '../../../src/api';
import type { GpuChoice } from '../../../src/api/runs';
import { invoke } from '../bridge';
import type { AppState } from './index';

/** What the user chose on the Train page so far; kept while they visit other pages. */
export interface TrainDraft {
  analysis: Analysis;
  architectures: string[];
  /** Form fields as typed (validated before start). */
  epochs: string;
  batchSize: string;
  workers: string;
  shape3D: [string, string, string];
  metalearner: string;
  /** null: not chosen yet (the page preselects from the GPU report). */
  gpus: GpuChoice | null;
}

export interface CatalogSlice {
  catalog: AucmediCatalog | null;
  catalogLoading: boolean;
  catalogError: UserError | null;
  trainDraft: TrainDraft | null;
  loadCatalog(): Promise<void>;
  updateTrainDraft(patch: Partial<TrainDraft>): void;
  resetTrainDraft(): void;
}

/** A fresh draft with AUCMEDI's own defaults (architecture left for the user to pick). */
export function draftFromDefaults(catalog: AucmediCatalog): TrainDraft {
  const d = catalog.defaults;
  return {
    analysis: d.analysis,
    architectures: [],
    epochs: String(d.epochs),
    batchSize: String(d.trainingBatchSize),
    workers: String(d.workers),
    shape3D: [String(d.shape3D[0]), String(d.shape3D[1]), String(d.shape3D[2])],
    metalearner: d.metalearner,
    gpus: null,
  };
}

export const createCatalogSlice: StateCreator<AppState, [], [], CatalogSlice> = (set, get) => ({
  catalog: null,
  catalogLoading: false,
  catalogError: null,
  trainDraft: null,
  async loadCatalog() {
    if (get().catalogLoading) return;
    set({ catalogLoading: true });
    const response = await invoke('aucmedi:catalog', {});
    if (response.ok) {
      set({ catalog: response.data, catalogError: null, catalogLoading: false });
      if (!get().trainDraft) set({ trainDraft: draftFromDefaults(response.data) });
    } else set({ catalogError: response.error, catalogLoading: false });
  },
  updateTrainDraft(patch) {
    const draft = get().trainDraft;
    if (draft) set({ trainDraft: { ...draft, ...patch } });
  },
  resetTrainDraft() {
    const catalog = get().catalog;
    if (catalog) set({ trainDraft: draftFromDefaults(catalog) });
  },
});
