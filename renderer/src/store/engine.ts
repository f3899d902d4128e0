import type { StateCreator } from 'zustand';
import type { EngineStatus, UserError } from '../../../src/api';
import { invoke } from '../bridge';
import type { AppState } from './index';

export interface EngineSlice {
  engineStatus: EngineStatus | null;
  engineChecking: boolean;
  engineError: UserError | null;
  loadEngineStatus(): Promise<void>;
  checkEngineAgain(): Promise<void>;
  applyEngineStatus(status: EngineStatus): void;
}

export const createEngineSlice: StateCreator<AppState, [], [], EngineSlice> = (set) => {
  const run = async (channel: 'engine:status' | 'engine:diagnose') => {
    set({ engineChecking: true });
    const response = await invoke(channel, {});
    if (response.ok) set({ engineStatus: response.data, engineError: null, engineChecking: false });
    else set({ engineError: response.error, engineChecking: false });
  };
  return {
    engineStatus: null,
    engineChecking: false,
    engineError: null,
    loadEngineStatus: () => run('engine:status'),
    checkEngineAgain: () => run('engine:diagnose'),
    applyEngineStatus: (status) => set({ engineStatus: status }),
  };
};
