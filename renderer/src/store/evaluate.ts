import type { StateCreator } from 'zustand';
import type { DatasetScanProgress, EvaluationResults, PickedPath, Response, UserError } from '../../../src/api';
import type { EvaluationRequest } from '../../../src/api/runs';
import { invoke } from '../bridge';
import type { DatasetSelection } from './dataset';
import type { AppState } from './index';
import { applyDraftDefaults, type ApplyDraft } from './predict';
import { cancelFolderScan, NO_SCAN, scanFolder, withScanProgress, type FolderScan } from './scan';

export interface EvaluateSlice {
  evaluateDraft: ApplyDraft | null;
  /** The labelled set: class folders, or images with an annotation CSV. */
  evaluateSet: FolderScan;
  evaluateStarting: boolean;
  /** The refusal of the latest start, or of a dialog on the page. */
  evaluateError: UserError | null;
  updateEvaluateDraft(patch: Partial<ApplyDraft>): void;
  chooseEvaluateModelFolder(): Promise<void>;
  chooseEvaluateOutputDir(): Promise<void>;
  pickEvaluateSet(): Promise<void>;
  pickEvaluateAnnotation(): Promise<void>;
  scanEvaluateSet(selection: DatasetSelection): Promise<void>;
  setEvaluateAnnotation(gtFile: string | null, ohe: boolean): Promise<void>;
  cancelEvaluateScan(): Promise<void>;
  applyEvaluateScanProgress(progress: DatasetScanProgress): void;
  showEvaluateSetError(error: UserError): void;
  startEvaluation(request: EvaluationRequest): Promise<void>;
  clearEvaluateError(): void;

  /** The results of the evaluation shown on the Run page. */
  evaluationResults: { runId: string; results: EvaluationResults } | null;
  evaluationResultsError: { runId: string; error: UserError } | null;
  loadEvaluationResults(runId: string): Promise<void>;
  exportReport(runId: string): Promise<Response<PickedPath>>;
}

export const createEvaluateSlice: StateCreator<AppState, [], [], EvaluateSlice> = (set, get) => {
  const update = (patch: Partial<ApplyDraft>) => set({ evaluateDraft: { ...(get().evaluateDraft ?? applyDraftDefaults(get().catalog)), ...patch } });
  const setError = (error: UserError) => set({ evaluateSet: { ...get().evaluateSet, error } });
  return {
    evaluateDraft: null,
    evaluateSet: NO_SCAN,
    evaluateStarting: false,
    evaluateError: null,
    updateEvaluateDraft(patch) {
      // A refusal was about the choices before this change.
      update(patch);
      set({ evaluateError: null });
    },
    async chooseEvaluateModelFolder() {
      const picked = await invoke('dialog:open-folder', { purpose: 'model' });
      if (!picked.ok) return set({ evaluateError: picked.error });
      if (picked.data.path) {
        update({ model: { dir: picked.data.path } });
        set({ evaluateError: null });
      }
    },
    async chooseEvaluateOutputDir() {
      const picked = await invoke('dialog:open-folder', { purpose: 'run-output' });
      if (!picked.ok) return set({ evaluateError: picked.error });
      if (picked.data.path) {
        update({ outputDir: picked.data.path });
        set({ evaluateError: null });
      }
    },
    async pickEvaluateSet() {
      const picked = await invoke('dialog:open-folder', { purpose: 'dataset' });
      if (!picked.ok) return setError(picked.error);
      if (picked.data.path) await get().scanEvaluateSet({ path: picked.data.path, gtFile: null, ohe: false });
    },
    async pickEvaluateAnnotation() {
      const selection = get().evaluateSet.selection;
      if (!selection) return;
      const picked = await invoke('dialog:open-file', { purpose: 'annotation-csv' });
      if (!picked.ok) return setError(picked.error);
      if (picked.data.path) await get().scanEvaluateSet({ ...selection, gtFile: picked.data.path });
    },
    scanEvaluateSet: (selection) =>
      scanFolder(
        () => get().evaluateSet,
        (evaluateSet) => set({ evaluateSet, evaluateError: null }),
        selection,
        'evaluation',
      ),
    async setEvaluateAnnotation(gtFile, ohe) {
      const selection = get().evaluateSet.selection;
      if (selection) await get().scanEvaluateSet({ ...selection, gtFile, ohe: gtFile ? ohe : false });
    },
    cancelEvaluateScan: () => cancelFolderScan(get().evaluateSet),
    applyEvaluateScanProgress(progress) {
      const slot = withScanProgress(get().evaluateSet, progress);
      if (slot) set({ evaluateSet: slot });
    },
    showEvaluateSetError: setError,
    async startEvaluation(request) {
      if (get().evaluateStarting) return;
      set({ evaluateStarting: true, evaluateError: null });
      const response = await invoke('runs:start-evaluation', request);
      set({ evaluateStarting: false });
      if (!response.ok) {
        if (!get().takeConsentQuestion('start', { mode: 'evaluation', request }, response.error)) set({ evaluateError: response.error });
        return;
      }
      update({ outputDir: null });
      get().showStartedRun(response.data);
    },
    clearEvaluateError: () => set({ evaluateError: null }),

    evaluationResults: null,
    evaluationResultsError: null,
    async loadEvaluationResults(runId) {
      if (get().evaluationResults?.runId === runId) return;
      const response = await invoke('runs:evaluation', { runId });
      if (response.ok) set({ evaluationResults: { runId, results: response.data }, evaluationResultsError: null });
      else set({ evaluationResultsError: { runId, error: response.error } });
    },
    exportReport: (runId) => invoke('runs:export-report', { runId }),
  };
};
