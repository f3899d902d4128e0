import type { StateCreator } from 'zustand';
import type { AppState } from './index';

export const PAGES = [
  { id: 'setup', label: 'Setup' },
  { id: 'dataset', label: 'Dataset' },
  { id: 'train', label: 'Train' },
  { id: 'runs', label: 'Runs' },
  { id: 'predict', label: 'Predict' },
  { id: 'evaluate', label: 'Evaluate' },
] as const;

export type PageId = (typeof PAGES)[number]['id'];

export interface NavigationSlice {
  page: PageId;
  goTo(page: PageId): void;
}

export const createNavigationSlice: StateCreator<AppState, [], [], NavigationSlice> = (set) => ({
  page: 'setup',
  goTo: (page) => set({ page }),
});
