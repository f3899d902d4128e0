import { create } from 'zustand';
import { createEngineSlice, type EngineSlice } from './engine';
import { createNavigationSlice, type NavigationSlice } from './navigation';
import { createSettingsSlice, type SettingsSlice } from './settings';

export type AppState = EngineSlice & SettingsSlice & NavigationSlice;

export const useAppStore = create<AppState>()((...args) => ({
  ...createEngineSlice(...args),
  ...createSettingsSlice(...args),
  ...createNavigationSlice(...args),
}));
