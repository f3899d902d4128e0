import type { DatasetScanProgress } from './dataset';
import type { GpuSampleBatch } from './gpu';
import type { EpochMetrics, ProgressState } from './progress';
import type { QueueEntry, RunSummary, StagingProgress } from './runs';
import type { EngineStatus, TransferProgress } from './types';
import type { WeightsDownloadProgress, WeightsProgress } from './weights';

/** Everything the core pushes to the window, on one stream. */
export type CoreEvent =
  | { type: 'engine:status'; status: EngineStatus }
  | { type: 'image:progress'; progress: TransferProgress }
  | { type: 'weights:progress'; progress: WeightsProgress }
  | { type: 'weights:download-progress'; progress: WeightsDownloadProgress }
  | { type: 'dataset:scan-progress'; progress: DatasetScanProgress }
  /** A DICOM scan or conversion under way: files read so far, images written (0 for a scan). */
  | { type: 'dicom:progress'; progress: { operationId: string; filesSeen: number; written: number } }
  | { type: 'run:state'; run: RunSummary }
  | { type: 'run:deleted'; runId: string }
  /** A staged run's upload of its inputs, or download of its outputs. */
  | { type: 'run:transfer'; runId: string; progress: StagingProgress }
  /** The queue after any change (added, moved, removed, started, refused). */
  | { type: 'queue:changed'; queue: QueueEntry[] }
  /** The parser's state; `epoch` when an epoch just finished (append it to the charts). */
  | { type: 'run:progress'; runId: string; progress: ProgressState; epoch?: EpochMetrics }
  /** GPU utilisation and memory every few seconds while a run uses GPUs. */
  | { type: 'run:gpu'; runId: string; sample: GpuSampleBatch };

export type CoreEventType = CoreEvent['type'];
