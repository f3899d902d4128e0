import { PAGES, type PageId } from './store/navigation';

/** Where the last page is kept: the window's own storage (the app's origin, in the app data folder). */
const KEY = 'aucmedi-desk.last-page';
const SIDEBAR = new Set<string>(PAGES.map((page) => page.id));

export function rememberPage(page: PageId, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    // A run's page belongs to Runs: the run may be gone by the next start.
    storage?.setItem(KEY, page === 'run' ? 'runs' : page);
  } catch {
    // storage refused (full, disabled): the app opens on Setup next time, nothing else is lost
  }
}

export function rememberedPage(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): PageId | null {
  try {
    const page = storage?.getItem(KEY) ?? null;
    return page !== null && SIDEBAR.has(page) ? (page as PageId) : null;
  } catch {
    return null;
  }
}

/**
 * The page to open on: Setup while the engine or the AUCMEDI image is missing (or on the first start),
 * else the page the user was on last time.
 */
export function startPage({ engineOk, imagePresent, lastPage }: { engineOk: boolean; imagePresent: boolean; lastPage: PageId | null }): PageId {
  if (!engineOk || !imagePresent || lastPage === null) return 'setup';
  return lastPage;
}
