import Store from 'electron-store';
import { DEFAULT_SETTINGS, type Settings } from '../src/api/types';
import { sanitizeSettings, type SettingsStore } from '../src/settings/store';

/** electron-store over the same `settings.json` the CLI reads, so both see one configuration; `onWrite` after each save (the menu follows the language). */
export function createElectronSettingsStore(dir: string, onWrite: (settings: Settings) => void = () => undefined): SettingsStore {
  const store = new Store<Settings>({ cwd: dir, name: 'settings', defaults: DEFAULT_SETTINGS, clearInvalidConfig: false });
  return {
    read: () => sanitizeSettings(store.store),
    write: (settings) => {
      store.store = settings;
      onWrite(settings);
    },
  };
}
