import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DICOM_CLASS_ATTRIBUTES, type DicomClasses, type DicomConvertOptions, type DicomConvertReport, type DicomScanReport } from '../api/dicom';
import { parseWindowList } from '../api/dicom-window';
import { t } from '../i18n';
import type { Core } from '../core';
import { finish, type CliIo } from './image-command';
import { onFirstInterrupt } from './interrupts';

export function formatDicomScan(report: DicomScanReport): string {
  const modalities = Object.entries(report.modalities).map(([name, count]) => `${name || t('cli:dicom.noModality')} ${count}`).join(', ');
  const files = t('cli:dicom.files', { count: report.files });
  const studies = t('cli:dicom.studies', { count: report.studies });
  const series = t('cli:dicom.series', { count: report.series });
  const lines = [
    t('cli:dicom.folder', { path: report.path }),
    `  ${report.notDicom.count ? t('cli:dicom.filesNotDicom', { files, dicom: report.dicomFiles, notDicom: report.notDicom.count, examples: report.notDicom.examples.join(', ') }) : t('cli:dicom.filesDicom', { files, dicom: report.dicomFiles })}`,
    `  ${modalities ? t('cli:dicom.studiesModalities', { studies, series, modalities }) : t('cli:dicom.studiesSeries', { studies, series })}`,
    `  ${report.multiFrameFiles ? t('cli:dicom.images2dMultiFrame', { images: report.images2d, multiFrame: t('cli:dicom.multiFrameFiles', { count: report.multiFrameFiles }) }) : t('cli:dicom.images2d', { images: report.images2d })}`,
    `  ${t('cli:dicom.series3d', { series: report.series3d.series, slices: t('cli:dicom.slices', { count: report.series3d.slices }) })}`,
  ];
  const classes = Object.entries(report.classes);
  lines.push(`  ${classes.length ? t('cli:dicom.perClass', { classes: classes.map(([name, count]) => `${name} ${count}`).join(', ') }) : t('cli:dicom.noClasses')}`);
  if (report.annotationRowsUnused) lines.push(`  ${t('cli:dicom.rowsUnused', { count: report.annotationRowsUnused })}`);
  for (const { file, reason } of report.unusable) lines.push(`  ${t('cli:dicom.cannotUse', { file, reason })}`);
  for (const file of report.skipped) lines.push(`  ${t('cli:dicom.leftOut', { file })}`);
  return lines.join('\n');
}

export function formatDicomConvert(report: DicomConvertReport): string {
  const written = Object.entries(report.written);
  const total = written.reduce((sum, [, count]) => sum + count, 0);
  const perClass = written.map(([name, count]) => `${name} ${count}`).join(', ');
  const lines = [written.length ? t('cli:dicom.convertedPerClass', { count: total, out: report.out, perClass }) : t('cli:dicom.converted', { count: total, out: report.out })];
  for (const { file, reason } of report.skipped) lines.push(`  ${t('cli:dicom.notConverted', { file, reason })}`);
  if (report.annotationRowsUnused) lines.push(`  ${t('cli:dicom.rowsUnused', { count: report.annotationRowsUnused })}`);
  if (report.threads > 0) lines.push(`  ${t('cli:dicom.threads', { count: report.threads })}`);
  lines.push(`  ${t('cli:dicom.settings', { file: report.settingsFile })}`);
  if (report.mappingFile) lines.push(`  ${t('cli:dicom.mapping', { file: report.mappingFile })}`);
  lines.push(total ? t('cli:dicom.next', { out: report.out }) : t('cli:dicom.nothingConverted'));
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
    io.status?.(action === 'scan' ? t('cli:dicom.reading', { files: t('cli:dicom.files', { count: filesSeen }) }) : t('cli:dicom.converting', { files: t('cli:dicom.files', { count: filesSeen }), images: t('cli:dicom.images', { count: written }) }));
  });
  const cancel = () => void core.handlers['operations:cancel']({ operationId });
  const stopListening = onFirstInterrupt(cancel);
  try {
    const usage = (message: string) => {
      io.err(`aucmedi-desk: ${t('cli:dicom.usage.seeHelp', { message })}`);
      return 2;
    };
    const classes = parseClassesFrom(values['--classes-from']);
    if (!classes) return usage(t('cli:dicom.usage.classesFrom', { attributes: DICOM_CLASS_ATTRIBUTES.join(', '), value: values['--classes-from'] ?? '' }));
    if (action === 'scan') return finish(await core.handlers['dicom:scan']({ path: path.resolve(folder), classes, operationId }), json, io, formatDicomScan);
    const windows = parseWindowList(values['--window'] ?? 'auto');
    const frames = values['--frames'] ?? 'refuse';
    if (!values['--out']) return usage(t('cli:dicom.usage.out'));
    if (windows === null) return usage(t('cli:dicom.usage.window', { value: values['--window'] ?? '' }));
    if (frames !== 'refuse' && frames !== 'each') return usage(t('cli:dicom.usage.frames', { value: frames }));
    const options: DicomConvertOptions = { window: windows.window, ...(Object.keys(windows.windowsByModality).length ? { windowsByModality: windows.windowsByModality } : {}), frames, classes, mappingFile: values['--mapping'] ? path.resolve(values['--mapping']) : null };
    const response = await core.handlers['dicom:convert']({ source: path.resolve(folder), out: path.resolve(values['--out']), options, operationId });
    return finish(response, json, io, formatDicomConvert);
  } finally {
    stopListening();
    unsubscribe();
  }
}
