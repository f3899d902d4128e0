import type { TrainingOptions } from './aucmedi';
import type { DatasetFingerprint } from './dataset';
import type { UserError } from './errors';
import type { EpochMetrics, ProgressState } from './progress';

export type RunMode = 'training' | 'prediction' | 'evaluation';

/**
 * preparing: preflight and container creation; running: the container runs; stopping: the user
 * asked to stop; then one of the ends. interrupted: the container vanished (engine lost it).
 */
export type RunState = 'preparing' | 'running' | 'stopping' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export const FINISHED_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** GPUs for a run: all, some by id (index or UUID), or none (CPU). */
export type GpuChoice = { kind: 'all' } | { kind: 'ids'; ids: string[] } | { kind: 'none' };

export interface DatasetRef {
  path: string;
  gtFile: string | null;
  ohe: boolean;
}

export interface TrainingRequest {
  dataset: DatasetRef;
  options: Omit<TrainingOptions, 'ohe' | 'gt'>;
  gpus: GpuChoice;
  /** A new folder for this run's outputs; default: a new folder under the runs folder. */
  outputDir?: string | null;
  /** The image to run; default: the image in use (settings). */
  imageRef?: string | null;
}

export interface RunRecord {
  id: string;
  mode: RunMode;
  state: RunState;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  imageRef: string;
  /** The image id the run was started with, resolved before start. */
  imageId: string | null;
  containerId: string | null;
  outputDir: string;
  /** The exact AUCMEDI command: the arguments after the entrypoint, the mode first. */
  command: string[];
  dataset: DatasetRef & { fingerprint: DatasetFingerprint | null };
  options: TrainingOptions;
  gpus: GpuChoice;
  progress: ProgressState | null;
  epochs: EpochMetrics[];
  exitCode: number | null;
  error: UserError | null;
  /** Model files found in the output folder (kept also when the run was stopped). */
  modelFiles: string[];
  classNames: string[];
}

/** What the runs list shows; the full record is one `runs:get` away. */
export type RunSummary = Omit<RunRecord, 'epochs' | 'progress'> & {
  lastEpoch: EpochMetrics | null;
  bestValLoss: number | null;
};
