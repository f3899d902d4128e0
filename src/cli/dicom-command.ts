import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DICOM_CLASS_ATTRIBUTES, type DicomClasses, type DicomConvertOptions, type DicomConvertReport, type DicomScanReport } from '../api/dicom';
import { parseWindowList } from '../api/dicom-window';
import { plural } from '../dataset/problems';
import type { Core } from '../core';
import { finish, type CliIo } from './image-command';
import { onFirstInterrupt } from './interrupts';

export function formatDicomScan(report: DicomScanReport): string {
  const modalities = Object.entries(report.modalities).map(([name, count]) => `${name || '(none)'} ${count}`).join(', ');
  const lines = [
    `DICOM folder: ${report.path}`,
    `  ${plural(report.files, 'file')}, ${report.dicomFiles} DICOM${report.notDicom.count ? `, ${report.notDicom.count} not DICOM (e.g. ${report.notDicom.examples.join(', ')})` : ''}`,
    `  ${plural(report.studies, 'study', 'studies')}, ${plural(report.series, 'series', 'series')}${modalities ? `; modalities: ${modalities}` : ''}`,
    `  2D images: ${report.images2d}${report.multiFrameFiles ? ` (${plural(report.multiFrameFiles, 'multi-frame file')}: converted one image per frame with --frames each)` : ''}`,
    `  3D series: ${report.series3d.series} (${plural(report.series3d.slices, 'slice')}; each becomes one NIfTI volume)`,
  ];
  const classes = Object.entries(report.classes);
  lines.push(classes.length ? `  images and volumes to convert, per class: ${classes.map(([name, count]) => `${name} ${count}`).join(', ')}` : '  classes: none (put the images of each class in a folder of its own, or give an annotation CSV)');
  if (report.annotationRowsUnused) lines.push(`  ${plural(report.annotationRowsUnused, 'row')} of the annotation file matched no DICOM file`);
  for (const { file, reason } of report.unusable) lines.push(`  cannot use ${file}: ${reason}`);
  for (const file of report.skipped) lines.push(`  left out ${file}: a link or special file, never opened`);
  return lines.join('\n');
}

export function formatDicomConvert(report: DicomConvertReport): string {
  const written = Object.entries(report.written);
  const total = written.reduce((sum, [, count]) => sum + count, 0);
  const lines = [`Converted ${plural(total, 'image')} (2D images and 3D volumes) into ${report.out}${written.length ? ` (${written.map(([name, count]) => `${name} ${count}`).join(', ')})` : ''}`];
  for (const { file, reason } of report.skipped) lines.push(`  not converted ${file}: ${reason}`);
  if (report.annotationRowsUnused) lines.push(`  ${plural(report.annotationRowsUnused, 'row')} of the annotation file matched no DICOM file`);
  if (report.threads > 0) lines.push(`  pixels decoded and encoded on ${plural(report.threads, 'worker thread')}`);
  lines.push(`  settings: ${report.settingsFile}`);
  if (report.mappingFile) lines.push(`  mapping to the sources (holds identifiers, keep it safe): ${report.mappingFile}`);
  lines.push(total ? `Next: aucmedi-desk dataset validate ${report.out}` : 'Nothing was converted: see the reasons above.');
  return lines.join('\n');
}

/** `--classes-from folders|csv:FILE:ATTRIBUTE` (FILE may hold colons itself, as C:\ does: the attribute follows the last one). */
export function parseClassesFrom(value: string | undefined): DicomClasses | null {
  if (value === undefined || value === 'folders') return { from: 'folders' };
  const match = /^csv:(.+):([A-Za-z]+)$/.exec(value);
  const attribute = DICOM_CLASS_ATTRIBUTES.find((name) => name === match?.[2]);
  return match && attribute ? { from: 'csv', file: path.resolve(match[1]!), attribute } : null;
}

/** `aucmedi-desk dicom scan DIR` and `dicom convert DIR --out DIR [--window auto|W/L|MODALITY=W/L,...] [--frames refuse|each] [--mapping FILE]`. */
export async function dicomCommand(core: Core, action: 'scan' | 'convert', folder: string, values: Record<string, string>, json: boolean, io: CliIo): Promise<number> {
  const operationId = `cli-${randomUUID().slice(0, 8)}`;
  const unsubscribe = core.subscribe((event) => {
    if (event.type !== 'dicom:progress' || event.progress.operationId !== operationId) return;
    const { filesSeen, written } = event.progress;
    io.status?.(action === 'scan' ? `Reading… ${plural(filesSeen, 'file')}` : `Converting… ${plural(filesSeen, 'file')} read, ${plural(written, 'image')} written`);
  });
  const cancel = () => void core.handlers['operations:cancel']({ operationId });
  const stopListening = onFirstInterrupt(cancel);
  try {
    const usage = (message: string) => {
      io.err(`aucmedi-desk: ${message}. See aucmedi-desk --help.`);
      return 2;
    };
    const classes = parseClassesFrom(values['--classes-from']);
    if (!classes) return usage(`--classes-from takes folders or csv:FILE:ATTRIBUTE, with ATTRIBUTE one of ${DICOM_CLASS_ATTRIBUTES.join(', ')}; not "${values['--classes-from']}"`);
    if (action === 'scan') return finish(await core.handlers['dicom:scan']({ path: path.resolve(folder), classes, operationId }), json, io, formatDicomScan);
    const windows = parseWindowList(values['--window'] ?? 'auto');
    const frames = values['--frames'] ?? 'refuse';
    if (!values['--out']) return usage('dicom convert needs --out DIR, a new or empty folder for the dataset');
    if (windows === null) return usage(`--window takes auto, WIDTH/CENTER (e.g. 400/40) or per modality MODALITY=auto|WIDTH/CENTER, comma-separated (e.g. CR=2000/1000,DX=auto), not "${values['--window']}"`);
    if (frames !== 'refuse' && frames !== 'each') return usage(`--frames takes refuse or each, not "${frames}"`);
    const options: DicomConvertOptions = { window: windows.window, ...(Object.keys(windows.windowsByModality).length ? { windowsByModality: windows.windowsByModality } : {}), frames, classes, mappingFile: values['--mapping'] ? path.resolve(values['--mapping']) : null };
    const response = await core.handlers['dicom:convert']({ source: path.resolve(folder), out: path.resolve(values['--out']), options, operationId });
    return finish(response, json, io, formatDicomConvert);
  } finally {
    stopListening();
    unsubscribe();
  }
}
