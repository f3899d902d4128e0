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
