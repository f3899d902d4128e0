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
import { UserErrorException } from '../api/errors';
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

/** A class name that can be a folder of the new dataset on every system, or why not. */
export function classNameProblem(name: string): string | null {
  if (!name) return 'it is empty';
  if (name.length > 100) return 'it is longer than 100 characters';
  if (name === '.' || name === '..' || name.startsWith('.')) return 'it starts with a dot (a hidden folder)';
  if (/[\\/:*?"<>|\u0000-\u001f]/.test(name)) return 'it holds a character a folder name cannot have (\\ / : * ? " < > | or a control character)';
  if (/[. ]$/.test(name)) return 'it ends with a dot or a space';
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(name)) return 'it is a name Windows reserves';
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

const invalid = (message: string, action: string) => new UserErrorException({ code: 'ANNOTATION_FILE_INVALID', message, action });
const FORMAT = 'Write one line per key under a header line, e.g. "PatientID,class", then "P001,pneumonia".';

/** Reads and checks the annotation CSV: two columns, no empty cell, one class per key, class names fit for folders. */
export async function readClassTable(file: string, attribute: DicomClassAttribute): Promise<ClassTable> {
  const { text } = await readAnnotationFile(file, path.basename(file));
  const { records, unterminated, tooLong } = parseCsv(text, detectSeparator(text));
  const name = path.basename(file);
  if (unterminated !== null) throw invalid(`The annotation file ${name} has a quote that is never closed (line ${unterminated}).`, FORMAT);
  if (tooLong !== null) throw invalid(`The annotation file ${name} has a record that is too long (line ${tooLong}).`, FORMAT);
  const [header, ...rows] = records;
  if (!header || header.cells.length < 2) throw invalid(`The annotation file ${name} needs two columns, the ${attribute} and the class, under a header line.`, FORMAT);
  if (rows.length === 0) throw invalid(`The annotation file ${name} lists no ${attribute}.`, FORMAT);
  const classes = new Map<string, string>();
  const lineOf = new Map<string, number>();
  for (const { cells, line } of rows) {
    const key = (cells[0] ?? '').trim();
    const label = (cells[1] ?? '').trim();
    if (!key || !label) throw invalid(`Line ${line} of the annotation file ${name} has an empty ${key ? 'class' : attribute}.`, FORMAT);
    const problem = classNameProblem(label);
    if (problem) throw invalid(`The class on line ${line} of ${name} cannot be a folder name: ${problem}.`, 'Rename the class in the annotation file.');
    const earlier = classes.get(key);
    if (earlier !== undefined && earlier !== label) {
      throw invalid(`Lines ${lineOf.get(key)} and ${line} of ${name} give the same ${attribute} two classes ("${earlier}" and "${label}").`, `Give each ${attribute} one class.`);
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
  classOf(classFolder: string, key: string | null): { name: string } | { reason: string };
  /** Rows of the table that matched no file (null for folders). */
  unusedRows(): number | null;
  /** For the settings file: how classes were assigned, without the table's contents. */
  describe(): DicomClasses | { from: 'csv'; attribute: DicomClassAttribute; file: string; rows: number };
}

export async function classAssigner(classes: DicomClasses | undefined): Promise<ClassAssigner> {
  if (!classes || classes.from === 'folders') {
    return {
      keyTag: null,
      classOf: (classFolder) => (classFolder ? { name: classFolder } : { reason: 'it is not in a class folder (one folder per class)' }),
      unusedRows: () => null,
      describe: () => ({ from: 'folders' }),
    };
  }
  const table = await readClassTable(classes.file, classes.attribute);
  return {
    keyTag: CLASS_ATTRIBUTE_TAGS[classes.attribute],
    classOf: (_folder, key) => {
      if (!key) return { reason: `it has no ${classes.attribute}` };
      const name = table.classes.get(key);
      if (name === undefined) return { reason: `its ${classes.attribute} is not listed in ${path.basename(classes.file)}` };
      table.used.add(key);
      return { name };
    },
    unusedRows: () => table.classes.size - table.used.size,
    describe: () => ({ from: 'csv', attribute: classes.attribute, file: path.basename(classes.file), rows: table.classes.size }),
  };
}
