/**
 * Where a DICOM file's class comes from: its first-level folder (one folder per class), or an
 * annotation CSV keyed by a DICOM attribute the user picks (PatientID, AccessionNumber,
 * StudyInstanceUID, SeriesInstanceUID), as a PACS export rarely sorts images by diagnosis. The CSV
 * is `KEY,CLASS` under a header line, read like the dataset's annotation files (UTF-8, `,` or `;`,
 * quoted fields; src/dataset/csv.ts). The key's value is used for the lookup alone: it is never
 * written anywhere, nor put into a sentence.
 */
import path from 'node:path';
import { DICOM_CLASS_ATTRIBUTES, type DicomClassAttribute, type DicomClasses } from '../api/dicom';
import { localizedException } from '../api/errors';
import { msg, type Message } from '../i18n/message';
import { text as coreText } from '../i18n/translate';
import { readAnnotationFile } from '../dataset/annotation-file';
import { detectSeparator, parseCsv } from '../dataset/csv';

/** The attribute tags, as dicom-parser names them. */
export const CLASS_ATTRIBUTE_TAGS: Record<DicomClassAttribute, string> = {
  PatientID: 'x00100020',
  AccessionNumber: 'x00080050',
  StudyInstanceUID: 'x0020000d',
  SeriesInstanceUID: 'x0020000e',
};

export { DICOM_CLASS_ATTRIBUTES };

/**
 * Why a file cannot be used, as `DicomUnusable` carries it: the sentence in the core's language
 * (English for the app) and the same as a message for the window.
 */
export interface UnusableReason {
  reason: string;
  i18n: { reason: Message };
}

export function unusableReason(message: Message): UnusableReason {
  return { reason: coreText(message), i18n: { reason: message } };
}

/** A class name that can be a folder of the new dataset on every system, or why not. */
export function classNameProblem(name: string): Message | null {
  if (!name) return msg('dicom:className.empty');
  if (name.length > 100) return msg('dicom:className.tooLong', { max: 100 });
  if (name === '.' || name === '..' || name.startsWith('.')) return msg('dicom:className.dot');
  if (/[\\/:*?"<>|\u0000-\u001f]/.test(name)) return msg('dicom:className.character');
  if (/[. ]$/.test(name)) return msg('dicom:className.trailing');
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(name)) return msg('dicom:className.reserved');
  return null;
}

export interface ClassTable {
  attribute: DicomClassAttribute;
  file: string;
  /** Key value -> class. */
  classes: Map<string, string>;
  /** Keys some file had: the rest of the rows matched nothing. */
  used: Set<string>;
}

const invalid = (message: Message, action: Message) => localizedException('ANNOTATION_FILE_INVALID', message, action);
const FORMAT = msg('dicom:annotation.format');

/** Reads and checks the annotation CSV: two columns, no empty cell, one class per key, class names fit for folders. */
export async function readClassTable(file: string, attribute: DicomClassAttribute): Promise<ClassTable> {
  const { text } = await readAnnotationFile(file, path.basename(file));
  const { records, unterminated, tooLong } = parseCsv(text, detectSeparator(text));
  const name = path.basename(file);
  if (unterminated !== null) throw invalid(msg('dicom:annotation.unterminated', { name, line: unterminated }), FORMAT);
  if (tooLong !== null) throw invalid(msg('dicom:annotation.tooLong', { name, line: tooLong }), FORMAT);
  const [header, ...rows] = records;
  if (!header || header.cells.length < 2) throw invalid(msg('dicom:annotation.columns', { name, attribute }), FORMAT);
  if (rows.length === 0) throw invalid(msg('dicom:annotation.noRows', { name, attribute }), FORMAT);
  const classes = new Map<string, string>();
  const lineOf = new Map<string, number>();
  for (const { cells, line } of rows) {
    const key = (cells[0] ?? '').trim();
    const label = (cells[1] ?? '').trim();
    if (!key || !label) throw invalid(key ? msg('dicom:annotation.emptyClass', { line, name }) : msg('dicom:annotation.emptyKey', { line, name, attribute }), FORMAT);
    const problem = classNameProblem(label);
    if (problem) throw invalid(msg('dicom:annotation.badClassName', { line, name, problem }), msg('dicom:annotation.badClassNameAction'));
    const earlier = classes.get(key);
    if (earlier !== undefined && earlier !== label) {
      throw invalid(msg('dicom:annotation.conflict', { first: lineOf.get(key) ?? '', line, name, attribute, earlier, label }), msg('dicom:annotation.conflictAction', { attribute }));
    }
    classes.set(key, label);
    lineOf.set(key, line);
  }
  return { attribute, file, classes, used: new Set() };
}

/** What decides a visited file's class. */
export interface ClassAssigner {
  /** The tag the header reader must keep for the lookup (none for folders). */
  keyTag: string | null;
  /** The class of a file: its folder's, or its key's in the table; or why it has none. */
  classOf(classFolder: string, key: string | null): { name: string } | UnusableReason;
  /** Rows of the table that matched no file (null for folders). */
  unusedRows(): number | null;
  /** For the settings file: how classes were assigned, without the table's contents. */
  describe(): DicomClasses | { from: 'csv'; attribute: DicomClassAttribute; file: string; rows: number };
}

export async function classAssigner(classes: DicomClasses | undefined): Promise<ClassAssigner> {
  if (!classes || classes.from === 'folders') {
    return {
      keyTag: null,
      classOf: (classFolder) => (classFolder ? { name: classFolder } : unusableReason(msg('dicom:reason.notInClassFolder'))),
      unusedRows: () => null,
      describe: () => ({ from: 'folders' }),
    };
  }
  const table = await readClassTable(classes.file, classes.attribute);
  return {
    keyTag: CLASS_ATTRIBUTE_TAGS[classes.attribute],
    classOf: (_folder, key) => {
      if (!key) return unusableReason(msg('dicom:reason.noKey', { attribute: classes.attribute }));
      const name = table.classes.get(key);
      if (name === undefined) return unusableReason(msg('dicom:reason.notListed', { attribute: classes.attribute, file: path.basename(classes.file) }));
      table.used.add(key);
      return { name };
    },
    unusedRows: () => table.classes.size - table.used.size,
    describe: () => ({ from: 'csv', attribute: classes.attribute, file: path.basename(classes.file), rows: table.classes.size }),
  };
}
