import type { StateCreator } from 'zustand';
import type { GpuReport, UserError } from '../../../src/api';
import { invoke } from '../bridge';
import type { AppState } from './index';
import { LOCAL_ENGINE } from './placement';

export interface GpuSlice {
  /** The GPUs of the engine runs go to (`runEngine`); null while not detected yet. */
  gpuReport: GpuReport | null;
  gpuChecking: boolean;
  gpuError: UserError | null;
  detectGpus(): Promise<void>;
}

export const createGpuSlice: StateCreator<AppState, [], [], GpuSlice> = (set, get) => ({
  gpuReport: null,
  gpuChecking: false,
  gpuError: null,
  async detectGpus() {
    const engine = get().runEngine;
    set({ gpuChecking: true });
    // This computer's engine is asked as before (no engine named); a server by its name.
    const response = await invoke('gpu:detect', engine === LOCAL_ENGINE ? {} : { engine });
    // Another engine was chosen meanwhile: its own detection is under way, this answer is not about it.
    if (get().runEngine !== engine) return;
    if (response.ok) set({ gpuReport: response.data, gpuError: null, gpuChecking: false });
    else set({ gpuError: response.error, gpuChecking: false });
  },
});
