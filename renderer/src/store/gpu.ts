import type { StateCreator } from 'zustand';
import type { GpuReport, UserError } from '../../../src/api';
import { invoke } from '../bridge';
import type { AppState } from './index';

export interface GpuSlice {
  gpuReport: GpuReport | null;
  gpuChecking: boolean;
  gpuError: UserError | null;
  detectGpus(): Promise<void>;
}

export const createGpuSlice: StateCreator<AppState, [], [], GpuSlice> = (set) => ({
  gpuReport: null,
  gpuChecking: false,
  gpuError: null,
  async detectGpus() {
    set({ gpuChecking: true });
    const response = await invoke('gpu:detect', {});
    if (response.ok) set({ gpuReport: response.data, gpuError: null, gpuChecking: false });
    else set({ gpuError: response.error, gpuChecking: false });
  },
});
