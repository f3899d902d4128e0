/** What a folder of DICOM files holds, and what a conversion into an AUCMEDI dataset made of it. */

import type { Localized } from '../i18n/message';

/** Written by a conversion into the dataset's own folder: how it was made (no identifier). The dataset check passes over it. */
export const CONVERSION_SETTINGS_FILE = 'aucmedi-desk-conversion.json';

/** How a DICOM file's images can be used for AUCMEDI (src/dicom/header.ts decides). */
export type DicomKind = '2d' | '3d-slice' | 'unusable';

/** `reason` in English; `i18n.reason` the same as a catalog message, for the window's language. */
export interface DicomUnusable extends Localized<'reason'> {
  /** '/'-separated path relative to the scanned folder. */
  file: string;
  reason: string;
}

export interface DicomScanReport {
  path: string;
  /** Regular files looked at. */
  files: number;
  /** Files with the DICM preamble. */
  dicomFiles: number;
  /** Files without it (a `.dcm` extension alone does not make a DICOM file), a few named. */
  notDicom: { count: number; examples: string[] };
  studies: number;
  series: number;
  /** Files per Modality (0008,0060), '' where it is missing. */
  modalities: Record<string, number>;
  /** 2D images (frames of multi-frame files counted one by one). */
  images2d: number;
  /** 2D images per Modality ('' where it is missing): the modalities a window applies to. */
  images2dByModality: Record<string, number>;
  /** Multi-frame 2D files among them (converted one image per frame, or refused). */
  multiFrameFiles: number;
  /** 3D series (CT, MR, PT, NM slices grouped by SeriesInstanceUID) and their slice count. */
  series3d: { series: number; slices: number };
  /** Files that cannot be used, each with why. */
  unusable: DicomUnusable[];
  /** Links, pipes and other non-regular entries: never opened. */
  skipped: string[];
  /** Usable 2D images and 3D series per class (from the folders or the annotation CSV). */
  classes: Record<string, number>;
  /** With classes from an annotation CSV: its rows that matched no DICOM file (else null). */
  annotationRowsUnused: number | null;
}

/** The DICOM attributes an annotation CSV may key classes by. */
export const DICOM_CLASS_ATTRIBUTES = ['PatientID', 'AccessionNumber', 'StudyInstanceUID', 'SeriesInstanceUID'] as const;
export type DicomClassAttribute = (typeof DICOM_CLASS_ATTRIBUTES)[number];

/** Classes from the first-level folders (one per class), or from an annotation CSV (`KEY,CLASS`) keyed by a DICOM attribute. */
export type DicomClasses = { from: 'folders' } | { from: 'csv'; file: string; attribute: DicomClassAttribute };

/** A window as width and center (level), in modality units. */
export interface DicomWindow {
  width: number;
  center: number;
}

export interface DicomConvertOptions {
  /** Where classes come from; folders when left out. */
  classes?: DicomClasses;
  /** `auto`: the file's VOI LUT or first window, else its full range; or a fixed window for every 2D image. */
  window: 'auto' | DicomWindow;
  /** Per Modality (0008,0060): the window of that modality's 2D images (`auto`: each file's own); the others as `window` says. */
  windowsByModality?: Record<string, 'auto' | DicomWindow>;
  /** A multi-frame 2D file: one image per frame, or refused. */
  frames: 'each' | 'refuse';
  /** Where to write the pseudonym -> source mapping (it holds identifiers), or null for none. */
  mappingFile: string | null;
}

/** What a training or evaluation on a converted dataset records of its making (from the settings file), in its run.json. */
export interface DicomConversionOrigin {
  convertedBy: string;
  /** The DICOM folder, and its fingerprint when converted (file count, bytes, sha256 of the files' path, size, mtime lines). */
  source: string;
  sourceFingerprint: { fileCount: number; totalBytes: number; sha256: string } | null;
  options: Record<string, unknown>;
  windowsUsed: Record<string, number>;
}

export interface DicomConvertReport {
  source: string;
  out: string;
  /** PNG images written, per class. */
  written: Record<string, number>;
  /** Files and frames not converted, each with why. */
  skipped: DicomUnusable[];
  mappingFile: string | null;
  /** The settings file written into the dataset (`aucmedi-desk-conversion.json`). */
  settingsFile: string;
  /** With classes from an annotation CSV: its rows that matched no DICOM file (else null). */
  annotationRowsUnused: number | null;
  /** The DICOM folder's fingerprint, as read (also in the settings file). */
  sourceFingerprint: DicomConversionOrigin['sourceFingerprint'];
  /** Worker threads that decoded and encoded the pixels (0: the calling thread did). */
  threads: number;
}

export { parseWindowText } from './dicom-window';
