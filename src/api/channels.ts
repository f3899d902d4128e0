import type { Localized } from '../i18n/message';
import type { AucmediCatalog } from './aucmedi';
import type { DatasetReport, DatasetScanPurpose } from './dataset';
import type { DicomClasses, DicomConvertOptions, DicomConvertReport, DicomScanReport } from './dicom';
import type { GpuReport } from './gpu';
import type { EvaluationRecord, EvaluationRequest, ModelRef, PredictionRecord, PredictionRequest, QueueEntry, QueueItem, RunRecord, RunSummary, SetAsideRecord, TrainingRecord, TrainingRequest } from './runs';
import type { EvaluationResults, PredictionTable } from './results';
import type { OfflineBundle, WeightsDownloadResult, WeightsFileInfo, WeightsImportResult } from './weights';
import type { AppInfo, DockerContext, EngineEntry, EngineListItem, EngineStatus, ImageList, ImageLoadResult, ImageSaveResult, PickedPath, Settings, SettingsPatch, PresentedHostKey, KeptDataset, PathMapping } from './types';

type Empty = Record<string, never>;

/** The one contract between window and core: channel -> request and response. */
export interface ChannelMap {
  'app:info': { request: Empty; response: AppInfo };
  /** The THIRD-PARTY-NOTICES file the build collected (scripts/third-party-notices.mjs). */
  'app:notices': { request: Empty; response: { text: string } };
  /** Asks where to save (a save dialog), then writes the diagnostics archive; `path` null when the dialog was cancelled. */
  'app:export-diagnostics': { request: { includeFolderNames: boolean }; response: { path: string | null; entries: string[] } };
  'engine:status': { request: Empty; response: EngineStatus };
  'engine:diagnose': { request: Empty; response: EngineStatus };
  /** Every engine by name: `local` first, then the remote ones added (src/engine/engines.ts). */
  'engines:list': { request: Empty; response: EngineListItem[] };
  /** A fresh diagnosis of one engine (`local` is the same as engine:diagnose). */
  'engines:diagnose': { request: { name: string }; response: EngineStatus };
  /** Adds a remote engine (ssh://, or tcp:// with its TLS files); its files are checked, nothing is connected yet. */
  'engines:add': { request: EngineEntry; response: EngineListItem[] };
  'engines:remove': { request: { name: string }; response: EngineListItem[] };
  /** The docker CLI's contexts, each with the engine it would be added as (engines:add), or why it cannot be. */
  'engines:docker-contexts': { request: Empty; response: DockerContext[] };
  /** Accepts an SSH server's host key: only when the key it presents has the fingerprint the user restated. */
  'engines:trust-host-key': { request: { name: string; fingerprint: string }; response: PresentedHostKey };
  /** The images kept on an engine for later staged runs on the same data. */
  'engines:kept-datasets': { request: { name: string }; response: KeptDataset[] };
  /** Replaces a server's shared folders (path mappings). */
  'engines:shared-folders': { request: { name: string; pathMappings: PathMapping[] }; response: EngineListItem[] };
  'engines:remove-kept-dataset': { request: { name: string; volume: string }; response: KeptDataset[] };
  'settings:get': { request: Empty; response: Settings };
  'settings:update': { request: SettingsPatch; response: Settings };
  /** The images on an engine (`engine`: a name from engines:list; absent: local). */
  'images:list': { request: { engine?: string }; response: ImageList };
  'images:load': { request: { file: string; operationId: string; engine?: string }; response: ImageLoadResult };
  'images:save': { request: { reference: string; file: string; operationId: string; overwrite?: boolean }; response: ImageSaveResult };
  'images:pull': { request: { reference: string; operationId: string }; response: { id: string } };
  'images:remove': { request: { reference: string }; response: { removed: string } };
  'gpu:detect': { request: { engine?: string | null }; response: GpuReport };
  'aucmedi:catalog': { request: Empty; response: AucmediCatalog };
  /** The weights folder and its files (name, size, SHA-256). */
  'weights:list': { request: Empty; response: { dir: string; files: WeightsFileInfo[] } };
  /** Copies weights from a folder or a .zip/.tar into the weights folder (progress: `weights:progress`, cancellable). */
  'weights:import': { request: { source: string; operationId: string }; response: WeightsImportResult };
  /**
   * On a connected machine: fetches the architectures' pretrained weights by running the AUCMEDI
   * image once each WITH network access (the only containers that get one; `allowNetwork` is the
   * user's explicit consent), then imports them into the weights folder.
   */
  /**
   * Fetches pretrained weights with network access, one AUCMEDI container per architecture
   * (progress: `weights:download-progress`; cancellable, keeping what was fetched before).
   */
  'weights:download': { request: { architectures: string[]; threeDim: boolean; allowNetwork: true; operationId: string }; response: WeightsDownloadResult };
  /** Asks where to save (native dialog) and writes the weights folder as one .tar with FILE.sha256 beside it, for the offline bundle. */
  'weights:export': { request: { operationId: string }; response: { file: string | null; sha256?: string; bytes?: number } };
  /** The offline bundle next to the installer or in its resources (image tarball, weights archive), or null. */
  'bundle:find': { request: Empty; response: OfflineBundle | null };
  'runs:start-training': { request: TrainingRequest; response: TrainingRecord };
  'runs:start-prediction': { request: PredictionRequest; response: PredictionRecord };
  /** Prediction on a labelled set, then AUCMEDI's evaluation of it: one run, two containers. */
  'runs:start-evaluation': { request: EvaluationRequest; response: EvaluationRecord };
  /** A finished prediction's table (`preds.csv` as read) and which samples have a heat map. */
  'runs:predictions': { request: { runId: string }; response: PredictionTable };
  /** A finished evaluation's metrics, confusion matrix, ROC curves and AUCMEDI's plots. */
  'runs:evaluation': { request: { runId: string }; response: EvaluationResults };
  /** An input image or heat map of a prediction or evaluation, by sample name (downscaled by the window). */
  'runs:image': { request: { runId: string; sample: string; kind: 'image' | 'heatmap' }; response: { dataUrl: string | null; reason?: string } & Localized<'reason'> };
  /** Asks where to save the (filtered) predictions as CSV and writes them there; `preds.csv` itself stays as AUCMEDI wrote it. */
  'runs:export-predictions': { request: { runId: string; predictedClass?: string | null; below?: number | null }; response: PickedPath };
  /** Asks where to save the one-page HTML report of an evaluation and writes it there. */
  'runs:export-report': { request: { runId: string }; response: PickedPath };
  'runs:stop': { request: { runId: string }; response: RunRecord };
  /** What a model folder holds (analysis, architectures, classes), checked as a prediction would check it. */
  'models:check': { request: { dir: string }; response: ModelRef };
  /** The run queue, next first. */
  'queue:list': { request: Empty; response: QueueEntry[] };
  /** Queues a training, prediction or evaluation (options checked now, data when it starts). */
  'queue:add': { request: QueueItem; response: QueueEntry };
  /** Moves a queued run to a position (1 = next). */
  'queue:move': { request: { id: string; position: number }; response: QueueEntry[] };
  'queue:remove': { request: { id: string }; response: QueueEntry[] };
  'runs:list': { request: Empty; response: RunSummary[] };
  /** Run records that could not be read and were set aside since the last call (each is reported once). */
  'runs:set-aside': { request: Empty; response: SetAsideRecord[] };
  'runs:get': { request: { runId: string }; response: RunRecord };
  /** Forgets an ended run; its output folder too only with `deleteFiles` (after a second confirmation in the window). */
  'runs:delete': { request: { runId: string; deleteFiles: boolean }; response: { deleted: string; filesDeleted: boolean } };
  /** The run's console log from byte `offset` on (at most 256 KB a call); `nextOffset` continues it. */
  'runs:log': { request: { runId: string; offset: number }; response: { text: string; nextOffset: number; size: number } };
  /** Asks where to save the run's console log (native dialog) and copies it there; null when the user cancelled. */
  'runs:save-log': { request: { runId: string }; response: PickedPath };
  /** Asks where to save a training's learning curves (every epoch's metrics) as CSV and writes them there. */
  'runs:export-curves': { request: { runId: string }; response: PickedPath };
  /** Opens the run's output folder in the system's file manager. */
  'runs:open-folder': { request: { runId: string }; response: { opened: string } };
  /** Reads a folder of DICOM files: what it holds and what can become an AUCMEDI dataset (progress: `dicom:progress`, cancellable). */
  'dicom:scan': { request: { path: string; classes?: DicomClasses; operationId: string }; response: DicomScanReport };
  /** Converts it into a new dataset of PNGs in `out` (new or empty; never the source); a cancel removes what it wrote. */
  'dicom:convert': { request: { source: string; out: string; options: DicomConvertOptions; operationId: string }; response: DicomConvertReport };
  'dataset:scan': { request: { path: string; gtFile?: string | null; ohe?: boolean; purpose?: DatasetScanPurpose; scanId: string }; response: DatasetReport };
  'dataset:preview': { request: { path: string; file: string }; response: { dataUrl: string | null; reason?: string } & Localized<'reason'> };
  'operations:cancel': { request: { operationId: string }; response: { cancelled: boolean } };
  'dialog:open-file': { request: { purpose: FilePurpose }; response: PickedPath };
  'dialog:save-file': { request: { purpose: FilePurpose; defaultName: string }; response: PickedPath };
  'dialog:open-folder': { request: { purpose: FolderPurpose }; response: PickedPath };
}

/** What a folder dialog is for. */
export type FolderPurpose = 'dataset' | 'run-output' | 'model' | 'prediction-images' | 'weights-folder' | 'shared-folder';

/** What a file dialog is for; the core turns it into a title and file filters. */
export type FilePurpose = 'image-tarball' | 'annotation-csv' | 'run-log' | 'predictions-csv' | 'curves-csv' | 'report-html' | 'weights-archive' | 'diagnostics' | 'engine-credential';

export type Channel = keyof ChannelMap;
export type RequestOf<C extends Channel> = ChannelMap[C]['request'];
export type ResponseOf<C extends Channel> = ChannelMap[C]['response'];

export const CHANNELS = [
  'app:info',
  'app:notices',
  'app:export-diagnostics',
  'engine:status',
  'engine:diagnose',
  'engines:list',
  'engines:diagnose',
  'engines:add',
  'engines:remove',
  'engines:docker-contexts',
  'engines:trust-host-key',
  'engines:kept-datasets',
  'engines:shared-folders',
  'engines:remove-kept-dataset',
  'settings:get',
  'settings:update',
  'images:list',
  'images:load',
  'images:save',
  'images:pull',
  'images:remove',
  'gpu:detect',
  'aucmedi:catalog',
  'weights:list',
  'weights:import',
  'weights:export',
  'weights:download',
  'bundle:find',
  'models:check',
  'runs:start-training',
  'runs:start-prediction',
  'runs:start-evaluation',
  'runs:predictions',
  'runs:evaluation',
  'runs:image',
  'runs:export-predictions',
  'runs:export-report',
  'runs:stop',
  'queue:list',
  'queue:add',
  'queue:move',
  'queue:remove',
  'runs:list',
  'runs:set-aside',
  'runs:get',
  'runs:delete',
  'runs:log',
  'runs:save-log',
  'runs:export-curves',
  'runs:open-folder',
  'dataset:scan',
  'dataset:preview',
  'dicom:scan',
  'dicom:convert',
  'operations:cancel',
  'dialog:open-file',
  'dialog:save-file',
  'dialog:open-folder',
] as const satisfies readonly Channel[];

/** The Electron channel that carries core events to the window. */
export const EVENT_CHANNEL = 'core:event';

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}
