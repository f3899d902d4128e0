import type { StateCreator } from 'zustand';
import type { DicomClasses, DicomConvertOptions, DicomConvertReport, DicomScanReport, UserError } from '../../../src/api';
import { parseWindowText } from '../../../src/api/dicom-window';
import { invoke, newOperationId } from '../bridge';
import type { AppState } from './index';

export interface DicomProgress {
  operationId: string;
  filesSeen: number;
  written: number;
}

/** What the user chose on the "Prepare for AUCMEDI" card. */
export interface DicomChoices {
  /** The folder the new dataset goes into (as `<source name> for AUCMEDI`), chosen with the folder dialog. */
  parent: string | null;
  /** Per Modality ('' for files without one): the text of a fixed window, "WIDTH/CENTER"; empty or absent: each file's own. */
  windows: Record<string, string>;
  framesEach: boolean;
  writeMapping: boolean;
  /** One folder per class, or an annotation CSV keyed by a DICOM attribute. */
  classes: DicomClasses;
}

export interface DicomSlice {
  dicomSource: string | null;
  dicomReport: DicomScanReport | null;
  dicomWork: { kind: 'scan' | 'convert'; operationId: string; progress: DicomProgress | null } | null;
  dicomError: UserError | null;
  dicomChoices: DicomChoices;
  dicomConverted: DicomConvertReport | null;
  readDicom(source: string): Promise<void>;
  pickDicomParent(): Promise<void>;
  /** Classes from an annotation CSV (a file dialog), or back to folders; the folder is read again to count them. */
  setDicomClasses(classes: DicomClasses | 'pick-file'): Promise<void>;
  setDicomChoices(patch: Partial<DicomChoices>): void;
  convertDicom(): Promise<void>;
  cancelDicom(): Promise<void>;
  applyDicomProgress(progress: DicomProgress): void;
  closeDicom(): void;
}

/** The new dataset's folder inside `parent`, in the parent's own separator style. */
export function dicomOutFolder(parent: string, source: string): string {
  const separator = parent.includes('\\') && !parent.includes('/') ? '\\' : '/';
  const name = source.split(/[\\/]/).filter(Boolean).pop() ?? 'DICOM';
  return `${parent.replace(/[\\/]+$/, '')}${separator}${name} for AUCMEDI`;
}

/** The window fields as conversion options: the row without a modality is every other image's window; null while a field is not a window. */
export function windowOptions(fields: Record<string, string>): Pick<DicomConvertOptions, 'window' | 'windowsByModality'> | null {
  let window: DicomConvertOptions['window'] = 'auto';
  const windowsByModality: NonNullable<DicomConvertOptions['windowsByModality']> = {};
  for (const [modality, text] of Object.entries(fields)) {
    if (!text.trim()) continue;
    const parsed = parseWindowText(text);
    if (!parsed) return null;
    if (modality) windowsByModality[modality] = parsed;
    else window = parsed;
  }
  return Object.keys(windowsByModality).length ? { window, windowsByModality } : { window };
}

const NO_CHOICES: DicomChoices = { parent: null, windows: {}, framesEach: false, writeMapping: false, classes: { from: 'folders' } };

export const createDicomSlice: StateCreator<AppState, [], [], DicomSlice> = (set, get) => ({
  dicomSource: null,
  dicomReport: null,
  dicomWork: null,
  dicomError: null,
  dicomChoices: NO_CHOICES,
  dicomConverted: null,
  async readDicom(source) {
    const operationId = newOperationId('dicom-scan');
    set({ dicomSource: source, dicomReport: null, dicomError: null, dicomConverted: null, dicomWork: { kind: 'scan', operationId, progress: null } });
    const response = await invoke('dicom:scan', { path: source, classes: get().dicomChoices.classes, operationId });
    if (get().dicomWork?.operationId !== operationId) return;
    set({ dicomWork: null, ...(response.ok ? { dicomReport: response.data } : { dicomError: response.error.code === 'OPERATION_CANCELLED' ? null : response.error }) });
  },
  async pickDicomParent() {
    const picked = await invoke('dialog:open-folder', { purpose: 'run-output' });
    if (!picked.ok) return set({ dicomError: picked.error });
    if (picked.data.path) set({ dicomChoices: { ...get().dicomChoices, parent: picked.data.path } });
  },
  setDicomChoices: (patch) => set({ dicomChoices: { ...get().dicomChoices, ...patch } }),
  async setDicomClasses(classes) {
    const source = get().dicomSource;
    if (classes === 'pick-file') {
      const picked = await invoke('dialog:open-file', { purpose: 'annotation-csv' });
      if (!picked.ok) return set({ dicomError: picked.error });
      if (!picked.data.path) return;
      const current = get().dicomChoices.classes;
      classes = { from: 'csv', file: picked.data.path, attribute: current.from === 'csv' ? current.attribute : 'PatientID' };
    }
    set({ dicomChoices: { ...get().dicomChoices, classes } });
    if (source) await get().readDicom(source);
  },
  async convertDicom() {
    const { dicomSource: source, dicomChoices: choices } = get();
    if (!source || !choices.parent) return;
    const windows = windowOptions(choices.windows);
    if (!windows) return;
    const out = dicomOutFolder(choices.parent, source);
    const operationId = newOperationId('dicom-convert');
    set({ dicomError: null, dicomWork: { kind: 'convert', operationId, progress: null } });
    const response = await invoke('dicom:convert', {
      source,
      out,
      options: { ...windows, frames: choices.framesEach ? 'each' : 'refuse', mappingFile: choices.writeMapping ? `${out} - identifiers.csv` : null, classes: choices.classes },
      operationId,
    });
    if (get().dicomWork?.operationId !== operationId) return;
    if (!response.ok) return set({ dicomWork: null, dicomError: response.error.code === 'OPERATION_CANCELLED' ? null : response.error });
    set({ dicomWork: null, dicomConverted: response.data, dicomReport: null, dicomChoices: NO_CHOICES });
    await get().scanDataset({ path: response.data.out, gtFile: null, ohe: false });
  },
  async cancelDicom() {
    const work = get().dicomWork;
    if (work) await invoke('operations:cancel', { operationId: work.operationId });
  },
  applyDicomProgress(progress) {
    const work = get().dicomWork;
    if (work && work.operationId === progress.operationId) set({ dicomWork: { ...work, progress } });
  },
  closeDicom: () => set({ dicomSource: null, dicomReport: null, dicomError: null, dicomWork: null, dicomChoices: NO_CHOICES }),
});
