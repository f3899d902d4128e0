/** The pretrained-weights folder: what is in it, and what an import brought in. */
import type { Localized } from '../i18n/message';
import type { WeightsHash } from './aucmedi';

export interface WeightsFileInfo {
  name: string;
  sizeBytes: number;
  sha256: string;
  /** Keras declares MD5 for most of its files; computed in the same pass as the SHA-256. */
  md5: string;
  /** The file compared with what Keras checks under its name (`weights:list` only). */
  keras?: WeightsFileVerdict;
}

/**
 * `matches`: the hash Keras checks is this file's; `wrong-file`: Keras checks another hash, so it
 * would download the file again (offline: fails); `no-hash`: Keras checks only the name;
 * `not-in-catalog`: no architecture of the catalog uses this name.
 */
export interface WeightsFileVerdict {
  state: 'matches' | 'wrong-file' | 'no-hash' | 'not-in-catalog';
  /** The hash Keras checks (matches, wrong-file). */
  expected?: WeightsHash;
}

export interface WeightsImportResult {
  source: string;
  weightsDir: string;
  imported: WeightsFileInfo[];
  /** Already there with the same content. */
  skipped: WeightsEntryReason[];
  /** Not weights, damaged, or a different file under a name already taken; each with the reason. */
  refused: WeightsEntryReason[];
}

/** One entry an import skipped or refused: the English reason, and (`i18n.reason`) the same as a message for the window. */
export type WeightsEntryReason = { name: string; reason: string } & Localized<'reason'>;

export interface WeightsProgress {
  operationId: string;
  bytesDone: number;
  bytesTotal: number | null;
  bytesPerSecond: number;
  secondsLeft: number | null;
  /** The file being copied. */
  file: string;
}

export interface OfflineBundleFile {
  file: string;
  sizeBytes: number;
  /** A `FILE.sha256` lies beside it (verified while importing). */
  hasChecksum: boolean;
  /** Weights archive only: every weights file in it is already in the weights folder. */
  alreadyImported?: boolean;
}

/** What was found next to the installer: the AUCMEDI image tarball and/or a weights archive. */
export interface OfflineBundle {
  dir: string;
  image: OfflineBundleFile | null;
  weights: OfflineBundleFile | null;
}

/** "Prepare offline bundle": which architectures' weights were fetched, were there already, or failed (with the reason). */
export interface WeightsDownloadResult {
  downloaded: string[];
  alreadyThere: string[];
  failed: ({ architecture: string; reason: string } & Localized<'reason'>)[];
  /** Not downloaded because the user cancelled (what was downloaded before is kept and imported). */
  cancelled: string[];
  imported?: WeightsImportResult;
}

/** "Prepare offline bundle": the architecture whose weights are being fetched now, the `index`-th of `total`. */
export interface WeightsDownloadProgress {
  operationId: string;
  architecture: string;
  index: number;
  total: number;
}
