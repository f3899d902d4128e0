/**
 * The run backend: what the run lifecycle (src/runs/service.ts) needs of the place its containers
 * run. Docker implements it (src/engine/docker-run-backend.ts), for this computer's engine and for
 * a server's, over any transport; a Kubernetes Job backend would implement the same (README,
 * "A Kubernetes Job backend, on paper"). Nothing here names Docker.
 */
import type { EngineInfo } from '../api/types';

/** What run.json and the follower need to know of the engine. */
export type EngineFacts = Pick<EngineInfo, 'version' | 'apiVersion' | 'liveRestore'>;
import type { RunPlacement, StagedVolumes, StagingProgress } from '../api/runs';
import type { Message } from '../i18n/message';
import type { RunContainerSpec } from '../engine/run-container';
import type { StageSource } from '../engine/staging';
import type { SharedDigest } from '../engine/shared-folder-check';
import type { EnginePath } from './dataset-view';

export type { StagedVolumes };

/** The images of a staged run; `key` names them on the server (null: staged for this run only). */
export interface DatasetToStage {
  key: string | null;
  folder: string;
  fingerprint: string | null;
  sources: readonly StageSource[];
}

/** A run's container (a Kubernetes Job's pod), by the id the backend gave it. */
export interface RunContainer {
  readonly id: string;
  /** Its output from its start: taken before `start`, so nothing written is missed. */
  attach(): Promise<NodeJS.ReadableStream>;
  start(): Promise<void>;
  /** Its whole log from the start, followed until it ends. */
  logs(): Promise<NodeJS.ReadableStream>;
  /** Its exit code, once it has ended. */
  wait(): Promise<number>;
  /** Whether it still runs; throws when the backend cannot be reached. */
  running(): Promise<boolean>;
  /** Asks it to stop (its stop signal), killed after `graceSeconds`; one already ended or gone is fine. */
  stop(graceSeconds: number): Promise<void>;
  /** Removes it with what it alone held; one already gone is fine. */
  remove(): Promise<void>;
}

export interface FoundRunContainer {
  container: RunContainer;
  runId: string;
  running: boolean;
}

export interface TransferOptions {
  signal?: AbortSignal;
  onProgress?: (progress: StagingProgress) => void;
}

export interface RunBackend {
  /** The engine's name (`local` for this computer's) and the server it is on (null: this computer). */
  readonly engine: string;
  readonly host: string | null;
  /** Throws the user's sentence (with `doing`) when the backend cannot be reached. */
  connect(doing: Message): Promise<void>;
  resolveImageId(reference: string): Promise<string | null>;
  /** Whether the containers see this computer's files (mounted) or the data must be uploaded (staged). */
  dataPlacement(): Promise<Exclude<RunPlacement['data'], 'mapped'>>;
  /** Where the server sees these paths of this computer through its shared folders; null when one of them is not on one. */
  mapPaths(hostPaths: readonly string[]): EnginePath | null;
  /** What the server finds of a run's images in a shared folder (src/engine/shared-folder-check.ts), read as the run's containers read. */
  sharedDigest(image: string, sourceDir: string, specFile: string): Promise<SharedDigest>;
  engineInfo(): Promise<EngineFacts | null>;
  /** The names of a staged run's volumes, known before anything is uploaded. */
  volumesFor(runId: string, datasetKey: string | null): StagedVolumes;
  /**
   * Uploads a run's images (unless kept there already under the same key) and its other inputs into
   * volumes, each checked on the server; the output volume is made empty. Leaves nothing of this run
   * behind when it fails or is cancelled.
   */
  stageIn(runId: string, image: string, dataset: DatasetToStage, inputs: readonly StageSource[], options: TransferOptions): Promise<StagedVolumes & { reused: boolean }>;
  /** Downloads the output volume into `localDir`. */
  stageOut(volumes: StagedVolumes, image: string, localDir: string, options: TransferOptions): Promise<void>;
  /** Removes the run's volumes; its images too unless they are kept (and complete). */
  releaseStaged(volumes: StagedVolumes, image: string): Promise<void>;
  create(spec: RunContainerSpec): Promise<RunContainer>;
  container(id: string): RunContainer;
  /** The app's run containers there (only `runId`'s when given). */
  findRuns(runId?: string): Promise<FoundRunContainer[]>;
}
