import type { StateCreator } from 'zustand';
import type { AppState } from './index';

export const PAGES = [
  { id: 'setup' },
  { id: 'dataset' },
  { id: 'train' },
  { id: 'runs' },
  { id: 'predict' },
  { id: 'evaluate' },
] as const;

/** The pages of the sidebar, and 'run': one run's page (reached from Train or Runs; the sidebar marks Runs). */
export type PageId = (typeof PAGES)[number]['id'] | 'run';

export interface NavigationSlice {
  page: PageId;
  /** The run the 'run' page shows. */
  openRunId: string | null;
  goTo(page: PageId): void;
  showRun(runId: string): void;
}

export const createNavigationSlice: StateCreator<AppState, [], [], NavigationSlice> = (set) => ({
  page: 'setup',
  openRunId: null,
  goTo: (page) => set({ page }),
  showRun: (runId) => set({ page: 'run', openRunId: runId }),
});
