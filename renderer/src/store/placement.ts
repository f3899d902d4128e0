import type { StateCreator } from 'zustand';
import type { UserError } from '../../../src/api';
import type { QueueItem, RunState, StagingProgress, UPLOAD_CONSENT_CODE } from '../../../src/api/runs';
import type { AppState } from './index';
import { ENDED_STATES } from './runs';

/** This computer's engine, as engines:list names it. */
export const LOCAL_ENGINE = 'local';

/**
 * The code of the core's data-protection question (src/api/runs.ts `UPLOAD_CONSENT_CODE`; the
 * renderer takes only types from there, and the type makes this the same string).
 */
export const UPLOAD_CONSENT: typeof UPLOAD_CONSENT_CODE = 'UPLOAD_CONSENT_NEEDED';

/** A start or queue add the core answered with the data-protection question; sent again on yes. */
export interface PendingConsent {
  /** How it was asked for: the page's Start button, or its "Add to queue". */
  via: 'start' | 'queue';
  item: QueueItem;
  /** The core's question: `message` says which host gets which data for how long, `action` what yes means. */
  question: UserError;
}

export interface PlacementSlice {
  /** Where the Train, Predict and Evaluate pages send a run: an engine's name (one choice for the three, as the GPU report is). */
  runEngine: string;
  /** Chooses the engine and detects its GPUs; the pages' GPU choices go back to that engine's default. */
  chooseRunEngine(name: string): void;
  /** The data-protection question of the latest start or queue add, until answered. */
  pendingConsent: PendingConsent | null;
  /** Sends the same request again with the user's yes (`allowUpload`); the core remembers it for that engine. True when a queue add went through. */
  confirmUpload(): Promise<boolean>;
  cancelUpload(): void;
  /**
   * Takes a refusal of a start or queue add: the data-protection question becomes `pendingConsent`
   * (true: nothing else to show), any other refusal is left to the caller (false).
   */
  takeConsentQuestion(via: PendingConsent['via'], item: QueueItem, error: UserError): boolean;
  /** The latest upload or download progress of each staged run, while it lasts. */
  runTransfers: Record<string, StagingProgress>;
  applyRunTransfer(runId: string, progress: StagingProgress): void;
  /** Forgets a run's transfer once the run is no longer moving data (called with each run:state). */
  settleRunTransfer(runId: string, state: RunState): void;
}

/** The same request with the engine chosen on the page: no `engine` for this computer's, so a local run is asked for exactly as before. */
export function placed<R extends object>(request: R, engine: string): R & { engine?: string } {
  return engine === LOCAL_ENGINE ? request : { ...request, engine };
}

/** The queue item with the user's yes to uploading its data. */
const withUpload = (item: QueueItem): QueueItem => ({ ...item, request: { ...item.request, allowUpload: true } }) as QueueItem;

export const createPlacementSlice: StateCreator<AppState, [], [], PlacementSlice> = (set, get) => ({
  runEngine: LOCAL_ENGINE,
  chooseRunEngine(name) {
    if (name === get().runEngine) return;
    // The GPU choices named GPUs of the other engine: each page starts again from the new one's default.
    const { trainDraft, predictDraft, evaluateDraft } = get();
    set({
      runEngine: name,
      gpuReport: null,
      gpuError: null,
      pendingConsent: null,
      ...(trainDraft ? { trainDraft: { ...trainDraft, gpus: null } } : {}),
      ...(predictDraft ? { predictDraft: { ...predictDraft, gpus: null } } : {}),
      ...(evaluateDraft ? { evaluateDraft: { ...evaluateDraft, gpus: null } } : {}),
    });
    void get().detectGpus();
  },
  pendingConsent: null,
  takeConsentQuestion(via, item, error) {
    if (error.code !== UPLOAD_CONSENT) return false;
    set({ pendingConsent: { via, item, question: error } });
    return true;
  },
  async confirmUpload() {
    const pending = get().pendingConsent;
    if (!pending) return false;
    set({ pendingConsent: null });
    const item = withUpload(pending.item);
    if (pending.via === 'queue') return get().addToQueue(item);
    if (item.mode === 'training') await get().startTraining(item.request);
    else if (item.mode === 'prediction') await get().startPrediction(item.request);
    else await get().startEvaluation(item.request);
    return false;
  },
  cancelUpload: () => set({ pendingConsent: null }),
  runTransfers: {},
  applyRunTransfer: (runId, progress) => set({ runTransfers: { ...get().runTransfers, [runId]: progress } }),
  settleRunTransfer(runId, state) {
    const transfers = get().runTransfers;
    if (!(runId in transfers)) return;
    // Uploading happens while `preparing`, the outputs come down as the run ends: keep the bar until it has ended.
    const uploading = transfers[runId]!.phase !== 'downloading';
    if ((uploading && state !== 'preparing') || ENDED_STATES.includes(state)) {
      const { [runId]: _settled, ...rest } = transfers;
      set({ runTransfers: rest });
    }
  },
});
