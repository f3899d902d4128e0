/**
 * A dataset made by the DICOM conversion says how in its `aucmedi-desk-conversion.json`; a training or
 * evaluation on it copies that into its record and run.json, so the model can be traced back to the
 * DICOM folder (by its fingerprint) and the settings (window, frames, classes) it was made with.
 */
import path from 'node:path';
import { CONVERSION_SETTINGS_FILE, type DicomConversionOrigin } from '../api/dicom';
import { readRegularFile } from './read-file';

const MAX_SETTINGS_BYTES = 1024 * 1024;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The origin of the dataset at `datasetPath`, or null when it was not converted (or its settings file cannot be read). */
export async function conversionOrigin(datasetPath: string): Promise<DicomConversionOrigin | null> {
  let text: string;
  try {
    const bytes = await readRegularFile(path.join(datasetPath, CONVERSION_SETTINGS_FILE), (stat) => {
      if (stat.size > MAX_SETTINGS_BYTES) throw new Error('too large');
    });
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(settings) || typeof settings.convertedBy !== 'string' || typeof settings.source !== 'string') return null;
  const fingerprint = settings.sourceFingerprint;
  const validFingerprint = isRecord(fingerprint) && typeof fingerprint.fileCount === 'number' && typeof fingerprint.totalBytes === 'number' && typeof fingerprint.sha256 === 'string';
  return {
    convertedBy: settings.convertedBy,
    source: settings.source,
    sourceFingerprint: validFingerprint ? { fileCount: fingerprint.fileCount as number, totalBytes: fingerprint.totalBytes as number, sha256: fingerprint.sha256 as string } : null,
    options: isRecord(settings.options) ? settings.options : {},
    windowsUsed: isRecord(settings.windowsUsed) ? (settings.windowsUsed as Record<string, number>) : {},
  };
}
