import { UserErrorException } from './api/errors';
import type { FilePurpose, FolderPurpose } from './api/channels';

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

export const FILE_PURPOSES: Record<FilePurpose, { openTitle: string; saveTitle: string; filters: FileFilter[] }> = {
  'image-tarball': {
    openTitle: 'Load the AUCMEDI image from a file',
    saveTitle: 'Export the image to a file',
    filters: [
      { name: 'Docker image files', extensions: ['tar', 'gz', 'tgz', 'xz', 'bz2', 'zst'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  'annotation-csv': {
    openTitle: 'Choose the annotation file (CSV)',
    saveTitle: 'Save the annotation file',
    filters: [
      { name: 'CSV files', extensions: ['csv', 'txt'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  'predictions-csv': {
    openTitle: 'Open predictions',
    saveTitle: 'Export the predictions table (CSV)',
    filters: [
      { name: 'CSV files', extensions: ['csv'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  'report-html': {
    openTitle: 'Open a report',
    saveTitle: 'Save the evaluation report (HTML)',
    filters: [
      { name: 'HTML files', extensions: ['html', 'htm'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  'weights-archive': {
    openTitle: 'Import pretrained weights from an archive (.zip, .tar or .tar.gz)',
    saveTitle: 'Save the weights archive',
    filters: [
      { name: 'Archives', extensions: ['zip', 'tar', 'gz', 'tgz'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  diagnostics: {
    openTitle: 'Open a diagnostics archive',
    saveTitle: 'Export diagnostics for IT support',
    filters: [
      { name: 'Diagnostics archive (.tar.gz)', extensions: ['gz', 'tgz'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  'run-log': {
    openTitle: 'Open a run log',
    saveTitle: 'Save the run log',
    filters: [
      { name: 'Log files', extensions: ['log', 'txt'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
};

export const FOLDER_PURPOSES: Record<FolderPurpose, { title: string }> = {
  dataset: { title: 'Choose the dataset folder' },
  'run-output': { title: 'Choose a new or empty folder for this run\'s results' },
  model: { title: 'Choose a trained model folder (with meta.training.json)' },
  'prediction-images': { title: 'Choose the folder of images to classify' },
  'weights-folder': { title: 'Import pretrained weights from a folder (such as a copy of ~/.keras/models)' },
};

export function noDialogs(): UserErrorException {
  return new UserErrorException({
    code: 'DIALOG_UNAVAILABLE',
    message: 'No file dialog is available here.',
    action: 'Give the file path on the command line instead.',
  });
}
