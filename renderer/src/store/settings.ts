import type { StateCreator } from 'zustand';
import type { Settings, UserError } from '../../../src/api';
import { invoke } from '../bridge';
import { applyLanguageSetting } from '../i18n';
import type { AppState } from './index';

export interface SettingsSlice {
  settings: Settings | null;
  settingsError: UserError | null;
  loadSettings(): Promise<void>;
  /** Returns true when saved; otherwise `settingsError` says why. */
  updateSettings(patch: Partial<Settings>): Promise<boolean>;
}

export const createSettingsSlice: StateCreator<AppState, [], [], SettingsSlice> = (set) => ({
  settings: null,
  settingsError: null,
  async loadSettings() {
    const response = await invoke('settings:get', {});
    if (response.ok) applyLanguageSetting(response.data.language);
    if (response.ok) set({ settings: response.data, settingsError: null });
    else set({ settingsError: response.error });
  },
  async updateSettings(patch) {
    const response = await invoke('settings:update', patch);
    if (response.ok) set({ settings: response.data, settingsError: null });
    else set({ settingsError: response.error });
    return response.ok;
  },
});
