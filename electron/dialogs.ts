import { dialog, shell, type BrowserWindow } from 'electron';
import type { Dialogs } from '../src/dialogs';

/** Native open/save dialogs, attached to the app window. */
export function electronDialogs(window: () => BrowserWindow | null): Dialogs {
  return {
    async openFile({ title, filters }) {
      const parent = window();
      const options = { title, filters, properties: ['openFile' as const] };
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async openFolder({ title }) {
      const parent = window();
      const options = { title, properties: ['openDirectory' as const] };
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    async saveFile({ title, defaultName, filters }) {
      const parent = window();
      const options = { title, defaultPath: defaultName, filters };
      const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
      return result.canceled ? null : (result.filePath ?? null);
    },
    async showFolder(folder) {
      const failure = await shell.openPath(folder);
      if (failure) throw new Error(failure);
    },
  };
}
