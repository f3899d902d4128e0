import type { DatasetReport, DatasetScanProgress, DatasetScanRequest, UserError } from '../../../src/api';
import { invoke, newOperationId } from '../bridge';
import type { DatasetSelection } from './dataset';

/** A folder chosen on a page and checked by the core (`dataset:scan`), with the check's progress while it runs. */
export interface FolderScan {
  selection: DatasetSelection | null;
  report: DatasetReport | null;
  scan: { scanId: string; progress: DatasetScanProgress | null } | null;
  error: UserError | null;
}

export const NO_SCAN: FolderScan = { selection: null, report: null, scan: null, error: null };

/**
 * Checks a folder into one page's slot (`read`/`write`), cancelling the slot's earlier check; a
 * check replaced by a newer one meanwhile leaves no trace.
 */
export async function scanFolder(read: () => FolderScan, write: (slot: FolderScan) => void, selection: DatasetSelection, purpose: DatasetScanRequest['purpose']): Promise<void> {
  const previous = read().scan;
  if (previous) await invoke('operations:cancel', { operationId: previous.scanId });
  const scanId = newOperationId('scan');
  write({ selection, report: null, scan: { scanId, progress: null }, error: null });
  const response = await invoke('dataset:scan', { ...selection, purpose, scanId });
  if (read().scan?.scanId !== scanId) return;
  if (response.ok) write({ ...read(), report: response.data, scan: null });
  else write({ ...read(), error: response.error.code === 'OPERATION_CANCELLED' ? null : response.error, scan: null });
}

export async function cancelFolderScan(slot: FolderScan): Promise<void> {
  if (slot.scan) await invoke('operations:cancel', { operationId: slot.scan.scanId });
}

/** The slot with the progress applied, or null when the progress is another check's. */
export function withScanProgress(slot: FolderScan, progress: DatasetScanProgress): FolderScan | null {
  return slot.scan && slot.scan.scanId === progress.scanId ? { ...slot, scan: { ...slot.scan, progress } } : null;
}
