import { localizedException, type UserErrorException } from './api/errors';
import type { FilePurpose, FolderPurpose } from './api/channels';
import { msg, text, type Message } from './i18n';

export interface FileFilter {
  name: string;
  extensions: string[];
}

/** Native file dialogs, provided by the shell (Electron) or by the e2e harness; the CLI has none. */
export interface Dialogs {
  openFile(options: { title: string; filters: FileFilter[] }): Promise<string | null>;
  saveFile(options: { title: string; defaultName: string; filters: FileFilter[] }): Promise<string | null>;
  openFolder(options: { title: string }): Promise<string | null>;
  /** Shows a folder in the system's file manager. */
  showFolder(folder: string): Promise<void>;
}

interface MessageFilter {
  name: Message;
  extensions: string[];
}

const ALL_FILES: MessageFilter = { name: msg('core:dialogs.filters.all'), extensions: ['*'] };

const FILE_MESSAGES: Record<FilePurpose, { openTitle: Message; saveTitle: Message; filters: MessageFilter[] }> = {
  'image-tarball': {
    openTitle: msg('core:dialogs.imageTarball.open'),
    saveTitle: msg('core:dialogs.imageTarball.save'),
    filters: [{ name: msg('core:dialogs.filters.dockerImages'), extensions: ['tar', 'gz', 'tgz', 'xz', 'bz2', 'zst'] }, ALL_FILES],
  },
  'annotation-csv': {
    openTitle: msg('core:dialogs.annotationCsv.open'),
    saveTitle: msg('core:dialogs.annotationCsv.save'),
    filters: [{ name: msg('core:dialogs.filters.csv'), extensions: ['csv', 'txt'] }, ALL_FILES],
  },
  'predictions-csv': {
    openTitle: msg('core:dialogs.predictionsCsv.open'),
    saveTitle: msg('core:dialogs.predictionsCsv.save'),
    filters: [{ name: msg('core:dialogs.filters.csv'), extensions: ['csv'] }, ALL_FILES],
  },
  'curves-csv': {
    openTitle: msg('core:dialogs.curvesCsv.open'),
    saveTitle: msg('core:dialogs.curvesCsv.save'),
    filters: [{ name: msg('core:dialogs.filters.csv'), extensions: ['csv'] }, ALL_FILES],
  },
  'report-html': {
    openTitle: msg('core:dialogs.reportHtml.open'),
    saveTitle: msg('core:dialogs.reportHtml.save'),
    filters: [{ name: msg('core:dialogs.filters.html'), extensions: ['html', 'htm'] }, ALL_FILES],
  },
  'weights-archive': {
    openTitle: msg('core:dialogs.weightsArchive.open'),
    saveTitle: msg('core:dialogs.weightsArchive.save'),
    filters: [{ name: msg('core:dialogs.filters.archives'), extensions: ['zip', 'tar', 'gz', 'tgz'] }, ALL_FILES],
  },
  diagnostics: {
    openTitle: msg('core:dialogs.diagnostics.open'),
    saveTitle: msg('core:dialogs.diagnostics.save'),
    filters: [{ name: msg('core:dialogs.filters.diagnostics'), extensions: ['gz', 'tgz'] }, ALL_FILES],
  },
  'engine-credential': {
    openTitle: msg('core:dialogs.engineCredential.open'),
    saveTitle: msg('core:dialogs.engineCredential.save'),
    filters: [{ name: msg('core:dialogs.filters.credentials'), extensions: ['pem', 'crt', 'cer', 'key'] }, ALL_FILES],
  },
  'run-log': {
    openTitle: msg('core:dialogs.runLog.open'),
    saveTitle: msg('core:dialogs.runLog.save'),
    filters: [{ name: msg('core:dialogs.filters.logs'), extensions: ['log', 'txt'] }, ALL_FILES],
  },
};

const FOLDER_MESSAGES: Record<FolderPurpose, Message> = {
  dataset: msg('core:dialogs.folders.dataset'),
  'run-output': msg('core:dialogs.folders.runOutput'),
  model: msg('core:dialogs.folders.model'),
  'prediction-images': msg('core:dialogs.folders.predictionImages'),
  'weights-folder': msg('core:dialogs.folders.weightsFolder'),
  'shared-folder': msg('core:dialogs.folders.sharedFolder'),
};

/** A file dialog's titles and filters for `purpose`, in the core's language at the time of asking. */
export function filePurpose(purpose: FilePurpose): { openTitle: string; saveTitle: string; filters: FileFilter[] } {
  const { openTitle, saveTitle, filters } = FILE_MESSAGES[purpose];
  return { openTitle: text(openTitle), saveTitle: text(saveTitle), filters: filters.map((filter) => ({ name: text(filter.name), extensions: [...filter.extensions] })) };
}

/** A folder dialog's title for `purpose`, in the core's language. */
export function folderPurpose(purpose: FolderPurpose): { title: string } {
  return { title: text(FOLDER_MESSAGES[purpose]) };
}

export function noDialogs(): UserErrorException {
  return localizedException('DIALOG_UNAVAILABLE', msg('core:dialogs.unavailable.message'), msg('core:dialogs.unavailable.action'));
}
