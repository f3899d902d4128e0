/**
 * Dataset scan and validation: what the window asks (`DatasetScanRequest`) and what it gets back
 * (`DatasetReport`). Types only, plain JSON-serialisable values.
 */
import type { Message } from '../i18n/message';

/** Absolute host paths, as a folder picker or a drop gives them. */
export interface DatasetScanRequest {
  /** The image folder: class sub-folders (directory interface) or flat images (with `gtFile`). */
  path: string;
  /** Annotation CSV; its presence selects AUCMEDI's CSV interface. */
  gtFile?: string | null;
  /** The CSV is one-hot encoded (`SAMPLE,c1,c2,...`): multi-label. */
  ohe?: boolean;
  /**
   * `prediction`: a flat folder of images to classify (no classes). `evaluation`: a labelled set to
   * score a model on: a class without images is a warning there (AUCMEDI scores it as empty), and
   * one class with images is enough; which classes it needs, the model says. Default `training`.
   */
  purpose?: DatasetScanPurpose;
}

export type DatasetScanPurpose = 'training' | 'prediction' | 'evaluation';

/** `images`: a flat folder of images to classify, as prediction takes it. */
export type DatasetInterface = 'directory' | 'csv' | 'images';
export type DatasetDimensionality = '2D' | '3D' | 'mixed' | 'unknown';
export type DatasetProblemSeverity = 'error' | 'warning';

/** Errors: AUCMEDI would fail or learn nonsense. Warnings: it works, but the user should know. */
export type DatasetProblemCode =
  // errors
  | 'TOO_FEW_CLASSES'
  | 'EMPTY_CLASS'
  | 'DUPLICATE_NAMES'
  | 'CSV_INVALID'
  | 'CSV_MISSING_FILE'
  | 'FILE_NOT_IN_CSV'
  | 'UNKNOWN_CLASS_COLUMN'
  | 'ONEHOT_INVALID_VALUE'
  | 'UNREADABLE_FILE'
  | 'UNREADABLE_FOLDER'
  | 'NOT_AN_IMAGE'
  | 'FORMAT_MISMATCH'
  | 'MIXED_DIMENSIONS'
  | 'NO_IMAGES'
  | 'UNSUPPORTED_FORMAT'
  | 'MIXED_VOLUME_FORMATS'
  | 'NAMES_READ_AS_NUMBERS'
  // warnings
  | 'CLASS_IMBALANCE'
  | 'SMALL_CLASS'
  | 'UNLABELLED_SAMPLES'
  | 'FILES_OUTSIDE_CLASSES'
  | 'HIDDEN_CLASS_FOLDER'
  | 'IGNORED_NON_IMAGE'
  | 'SPECIAL_FILES'
  | 'IMAGE_WITHOUT_EXTENSION'
  | 'HIDDEN_FILES'
  | 'NESTED_FOLDERS'
  | 'SYMLINKS'
  | 'SIZE_VARIATION'
  | 'EXTENSION_MISMATCH';

export interface DatasetProblem {
  severity: DatasetProblemSeverity;
  code: DatasetProblemCode;
  /** One plain sentence: what is wrong. */
  message: string;
  /** What to do about it. */
  action: string;
  /** Relative paths ('/'-separated) of the files, folders or CSV lines concerned, at most 20. */
  files: string[];
  /** How many are concerned in all (may exceed `files.length`). */
  fileCount: number;
  /** The same sentences as catalog messages, rendered by the window in the user's language. */
  i18n?: { message: Message; action?: Message };
}

export interface DatasetFingerprint {
  fileCount: number;
  totalBytes: number;
  /** sha256 (hex) of the sorted `relativePath\tsize\tmtimeMs\n` lines of the dataset's files. */
  sha256: string;
}

export interface DatasetClass {
  name: string;
  count: number;
}

export interface DatasetReport {
  path: string;
  interface: DatasetInterface;
  dimensionality: DatasetDimensionality;
  multiLabel: boolean;
  /** In the order AUCMEDI numbers them (sorted names, or the CSV's one-hot columns). */
  classes: DatasetClass[];
  totalImages: number;
  /** Bytes of the images AUCMEDI will read (volume companions such as .raw included). */
  totalBytes: number;
  /**
   * How many files and folders are left out of what AUCMEDI gets (hidden and system files, notes,
   * sub-folders, files outside the class folders or not in the annotation file): a run sees only
   * the images, through a clean view of the folder (src/runs/dataset-view.ts).
   */
  leftOut: number;
  /** Image format (png, jpeg, tiff, bmp, gif, webp, nii, nii.gz, mha, mhd, nrrd, dcm, dcm-series) -> count. */
  formats: Record<string, number>;
  /** Files with the DICOM preamble among those probed (AUCMEDI reads none; `dicom:convert` makes a dataset of them). */
  dicomFiles: number;
  problems: DatasetProblem[];
  errors: number;
  warnings: number;
  fingerprint: DatasetFingerprint;
  scannedAt: string;
  durationMs: number;
  /** class name -> relative paths of up to 4 images of that class, for previews. */
  samples: Record<string, string[]>;
}

export interface DatasetScanProgress {
  scanId: string;
  filesSeen: number;
  bytesSeen: number;
  /** Relative path of the folder being listed ('' for the dataset folder itself). */
  currentFolder: string;
}
