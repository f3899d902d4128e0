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
  /** Whether the user has moved since the start (then the start page no longer decides). */
  navigated: boolean;
  goTo(page: PageId): void;
  showRun(runId: string): void;
  /** Opens the start page once the engine and image checks are in, unless the user has moved already. */
  openStartPage(page: PageId): void;
}

export const createNavigationSlice: StateCreator<AppState, [], [], NavigationSlice> = (set) => ({
  page: 'setup',
  openRunId: null,
  navigated: false,
  goTo: (page) => set({ page, navigated: true }),
  showRun: (runId) => set({ page: 'run', openRunId: runId, navigated: true }),
  openStartPage: (page) => set((state) => (state.navigated ? {} : { page })),
});
