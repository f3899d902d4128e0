/** The pretrained-weights folder: what is in it, and what an import brought in. */
export interface WeightsFileInfo {
  name: string;
  sizeBytes: number;
  sha256: string;
}

export interface WeightsImportResult {
  source: string;
  weightsDir: string;
  imported: WeightsFileInfo[];
  /** Already there with the same content. */
  skipped: { name: string; reason: string }[];
  /** Not weights, damaged, or a different file under a name already taken; each with the reason. */
  refused: { name: string; reason: string }[];
}

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
  failed: { architecture: string; reason: string }[];
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
