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
  /** Engines on other machines, by name (the local engine, `local`, is found as `engineEndpoint` says). */
  engines: EngineEntry[];
  /** The data-protection yes per engine and address (a run's images may be copied to that server), with when it was given. */
  uploadConsents: UploadConsent[];
}

/** A Docker engine on another machine, as the user added it. No password or passphrase is kept. */
export interface EngineEntry {
  name: string;
  /** `ssh://USER@HOST[:PORT]` or `tcp://HOST:PORT` */
  url: string;
  /** For tcp://: the CA that signed the engine's certificate, and this computer's client certificate and key. Always verified. */
  tls: { ca: string; cert: string; key: string } | null;
  /** For ssh://: a private key file; null: the SSH agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa. */
  identityFile: string | null;
  /** Folders shared with the server (IT mounts the same share on both): runs there use their files in place. */
  pathMappings?: PathMapping[];
}

/** `local` on this computer is `remote` on the server. */
export interface PathMapping {
  local: string;
  remote: string;
}

/** Images kept on a server for the next staged run on the same data (src/engine/kept-datasets.ts). */
export interface KeptDataset {
  volume: string;
  /** The folder on this computer they came from. */
  folder: string;
  fingerprint: string | null;
  createdAt: string | null;
}

export interface UploadConsent {
  engine: string;
  url: string;
  at: string;
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
  engines: [],
  uploadConsents: [],
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
  | 'ENGINE_UNREACHABLE'
  /** An SSH server whose host key is not listed in known_hosts: shown by its fingerprint, to accept once. */
  | 'ENGINE_HOST_KEY_UNKNOWN'
  /** An SSH server listed with another key (or a revoked one): refused, with a warning. */
  | 'ENGINE_HOST_KEY_CHANGED'
  /** The SSH server accepted none of the keys offered. */
  | 'ENGINE_AUTH_FAILED'
  /** A TLS certificate refused: the engine's is not from the CA given, or the engine refused ours. */
  | 'ENGINE_TLS_REFUSED';

/** One line of the engine list: the local engine first, then the ones added, in the order added. */
export interface EngineListItem {
  name: string;
  kind: 'local' | 'ssh' | 'tcp';
  /** The address (for `local`: where it was found, or '' when it cannot be said). */
  url: string;
  /** The entry as added (null for `local`). */
  entry: EngineEntry | null;
}

/** A docker CLI context (`docker context ls`), as offered for import (src/engine/docker-contexts.ts). */
export interface DockerContext {
  context: string;
  url: string;
  /** What the app would add; null when it cannot be imported (`reason` says why). */
  entry: EngineEntry | null;
  reason: 'local' | 'skip-tls-verify' | 'no-tls-files' | 'unsupported' | null;
}

/** The host key an SSH server presented, when it is not trusted yet (or changed). */
export interface PresentedHostKey {
  /** The name it is listed under in known_hosts: `host` or `[host]:port`. */
  hostName: string;
  keyType: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

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
  /** With ENGINE_HOST_KEY_UNKNOWN / ENGINE_HOST_KEY_CHANGED: the key the server presented. */
  hostKey?: PresentedHostKey;
  /**
   * Measured with a marker file (src/engine/file-visibility.ts): `sees-files` when the engine's
   * containers see this computer's folders, `own-files` when they do not (a server: runs stage their data).
   * Absent while not measured (engine down, or no image in use there yet).
   */
  files?: 'sees-files' | 'own-files';
  checkedAt: string;
}

/** `engine`: a named engine the user added (Settings.engines). */
export type EndpointSource = 'settings' | 'DOCKER_HOST' | 'default' | 'rootless' | 'docker-desktop' | 'engine';

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
