import type { LanguageSetting } from '../i18n/language';
import type { UserError } from './errors';

export interface Settings {
  /** User-set engine endpoint in DOCKER_HOST form (unix://, npipe://, tcp://); null = find it like the docker CLI. */
  engineEndpoint: string | null;
  /** The AUCMEDI image reference in use. */
  imageRef: string;
  /** Datasets scanned lately, newest first (kept by the core, not set by the window). */
  recentDatasets: RecentDataset[];
  /** Where new runs get their output folders; null = `AUCMEDI Desk runs` in the home folder. */
  runsDir: string | null;
  /** The pretrained-weights folder; null = `weights` in the app's data folder. */
  weightsDir: string | null;
  /** The window's language: 'system' follows the operating system's (src/i18n/language.ts). */
  language: LanguageSetting;
}

export interface RecentDataset {
  path: string;
  gtFile: string | null;
  ohe: boolean;
  usedAt: string;
}

/** The settings the window may change with `settings:update`. */
export type SettingsPatch = Partial<Pick<Settings, 'engineEndpoint' | 'imageRef' | 'runsDir' | 'weightsDir' | 'language'>>;

export const DEFAULT_SETTINGS: Settings = {
  engineEndpoint: null,
  imageRef: 'ghcr.io/frankkramer-lab/aucmedi:latest',
  recentDatasets: [],
  runsDir: null,
  weightsDir: null,
  language: 'system',
};

export interface EngineInfo {
  version: string;
  apiVersion: string;
  os: string;
  osType: string;
  arch: string;
  kernelVersion: string;
  cpus: number;
  memoryBytes: number;
  storageDriver: string;
  rootDir: string;
  /** Free bytes where the engine stores images; null when the engine's disk is not visible from here (remote engine, Docker Desktop VM). */
  freeDiskBytes: number | null;
  runtimes: string[];
  /** The engine keeps containers running while it restarts (`live-restore` in daemon.json). */
  liveRestore: boolean;
}

export type EngineStatusCode =
  | 'ENGINE_OK'
  | 'ENGINE_NOT_INSTALLED'
  | 'ENGINE_NOT_RUNNING'
  | 'ENGINE_PERMISSION_DENIED'
  | 'ENGINE_TOO_OLD'
  | 'ENGINE_UNHEALTHY'
  | 'ENGINE_UNREACHABLE';

export interface EngineStatus {
  ok: boolean;
  code: EngineStatusCode;
  /** One plain sentence for the user. */
  message: string;
  /** What to do next ('' when nothing is needed). */
  action: string;
  detail?: string;
  /** The endpoint that was tried, in DOCKER_HOST form, and where it came from. */
  endpoint: string;
  endpointSource: EndpointSource;
  info?: EngineInfo;
  checkedAt: string;
}

export type EndpointSource = 'settings' | 'DOCKER_HOST' | 'default' | 'rootless' | 'docker-desktop';

export interface AppInfo {
  name: string;
  version: string;
  /** The git commit of the build ('development' when run from the sources). */
  commit: string;
  license: string;
  platform: string;
  arch: string;
  /** The runtime's versions: node, v8, and in the app electron and chrome. */
  versions: Record<string, string>;
}

export type { UserError };

export interface ImageSummary {
  id: string;
  references: string[];
  created: string;
  sizeBytes: number;
  /** Read from the image itself (the image check: the installed `aucmedi` package); null when it cannot say. */
  aucmediVersion: string | null;
  /** What the image check found: whether AUCMEDI's AutoML imports in this image, and its software versions. */
  check: ImageCheck;
  /** The test stand-in, not AUCMEDI (label org.aucmedi-desk.stand-in). */
  standIn: boolean;
  inUse: boolean;
}

/**
 * The image check (src/engine/image-check.ts): a no-network container imports what the `aucmedi` command
 * imports (aucmedi.automl.main, tensorflow, classification_models_3D.tfkeras) and reports the versions.
 */
export interface ImageCheck {
  /** ok: everything imported; broken: an import failed (problem says which); unknown: the check could not run. */
  state: 'ok' | 'broken' | 'unknown';
  aucmedi: string | null;
  tensorflow: string | null;
  /** The Keras that `tensorflow.keras` is (what AUCMEDI imports). */
  keras: string | null;
  /** 2 (TensorFlow up to 2.15, as AUCMEDI's requirements.txt pins) or 3 (TensorFlow 2.16 and later). */
  kerasGeneration: 2 | 3 | null;
  classificationModels3D: string | null;
  python: string | null;
  /** For broken and unknown: what happened and what to do (IT, for a broken image). */
  problem: Pick<UserError, 'message' | 'action' | 'detail'> | null;
}

export interface ImageList {
  images: ImageSummary[];
  /** The reference in use (a setting), and whether that image is present. */
  inUse: string;
  inUsePresent: boolean;
}

export type TransferKind = 'load' | 'save' | 'pull';

export interface TransferProgress {
  operationId: string;
  kind: TransferKind;
  /** reading/writing: bytes move; registering: the engine unpacks what it received. */
  phase: 'reading' | 'registering' | 'writing' | 'pulling' | 'done';
  bytesDone: number;
  bytesTotal: number | null;
  bytesPerSecond: number;
  secondsLeft: number | null;
}

export interface ImageLoadResult {
  references: string[];
  imageIds: string[];
  sha256: string;
  /** 'verified' when a NAME.sha256 beside the file matched; 'none' when there was none. */
  checksum: 'verified' | 'none';
  /** The image check of each loaded image, by image id. */
  checks: Record<string, ImageCheck>;
}

export interface ImageSaveResult {
  file: string;
  checksumFile: string;
  sha256: string;
  bytes: number;
}

export interface PickedPath {
  /** null when the user cancelled the dialog. */
  path: string | null;
}
