/**
 * The annotation CSV of AUCMEDI's CSV interface: `SAMPLE,CLASS` (one class per image) or one-hot
 * `SAMPLE,c1,c2,...` (multi-label). Header line required; UTF-8 with or without BOM; `,` or `;`;
 * CRLF or LF; quoted fields ("" inside quotes). Samples are image names without extension.
 * AUCMEDI itself reads only `,` (io_csv.py `sep=","`): a run never gets this file but a
 * comma-separated copy of what was read here (src/runs/dataset-view.ts).
 */
import { UserErrorException } from '../api/errors';
import type { DatasetProblem } from '../api/dataset';
import { pandasChanges, pandasSortedClasses } from './pandas';
import { agree, compareNames, plural, problem } from './problems';

export type Separator = ',' | ';';

export interface CsvRecord {
  cells: string[];
  /** 1-based line number where the record starts. */
  line: number;
}

export interface AnnotationRow {
  sample: string;
  line: number;
  /** Indices into `Annotations.classes`. */
  labels: number[];
}

export interface Annotations {
  separator: Separator;
  oneHot: boolean;
  /** Sorted class names (single-label), or the one-hot columns in file order. */
  classes: string[];
  rows: AnnotationRow[];
  problems: DatasetProblem[];
  /** The header makes the file unusable: no rows were read. */
  unusable: boolean;
}

/** Turns the file's bytes into text, or throws ANNOTATION_FILE_INVALID for what is not a UTF-8 text file. */
export function decodeAnnotationFile(bytes: Uint8Array, fileName: string): string {
  const invalid = (message: string, action: string, detail?: string): never => {
    throw new UserErrorException({ code: 'ANNOTATION_FILE_INVALID', message, action, ...(detail ? { detail } : {}) });
  };
  const saveAsCsv = 'Open it in your spreadsheet program and save it again as "CSV UTF-8 (comma delimited)".';
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    invalid(`The annotation file ${fileName} is saved as UTF-16 text, which AUCMEDI cannot read.`, saveAsCsv);
  }
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    invalid(`The annotation file ${fileName} is a spreadsheet workbook (such as .xlsx), not a CSV file.`, saveAsCsv);
  }
  if (bytes.includes(0)) invalid(`The annotation file ${fileName} is not a text file.`, 'Choose the CSV file that lists each image and its class.');
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (error) {
    return invalid(`The annotation file ${fileName} is not UTF-8 text (perhaps saved with a regional encoding).`, saveAsCsv, String(error));
  }
}

/** The separator of the header line: the more frequent of `,` and `;` outside quotes (`,` on a tie). */
export function detectSeparator(text: string): Separator {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** RFC 4180 records; blank lines skipped. `unterminated` is the line of a quote never closed. */
export function parseCsv(text: string, separator: Separator): { records: CsvRecord[]; unterminated: number | null } {
  const records: CsvRecord[] = [];
  for (const step of parseCsvSteps(text, separator, records)) if (step !== null) return { records, unterminated: step };
  return { records, unterminated: null };
}

/**
 * The parser, in steps: yields null every few thousand records (so a caller can let the event loop
 * run), or the line of a quote that is never closed (and stops). Lines without quotes, nearly all of
 * them, are split at once; a line with quotes is read character by character, across line breaks.
 */
export function* parseCsvSteps(input: string, separator: Separator, records: CsvRecord[]): Generator<number | null> {
  // old Mac files end lines with CR alone
  const text = input.includes('\n') || !input.includes('\r') ? input : input.replace(/\r/g, '\n');
  let pos = 0;
  let line = 1;
  let sinceYield = 0;
  let nextQuote = -1;
  while (pos < text.length) {
    if (++sinceYield >= 5000) {
      sinceYield = 0;
      yield null;
    }
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    // the next quote, searched again only once passed (a search per line would scan the whole file)
    if (nextQuote < pos) {
      nextQuote = text.indexOf('"', pos);
      if (nextQuote < 0) nextQuote = text.length;
    }
    if (nextQuote >= end) {
      const raw = text.charCodeAt(end - 1) === 13 /* \r */ ? text.slice(pos, end - 1) : text.slice(pos, end);
      const cells = raw.split(separator);
      if (cells.some((c) => c.trim() !== '')) records.push({ cells, line });
      pos = end + 1;
      line += 1;
      continue;
    }
    const record = readQuotedRecord(text, pos, separator);
    if (record.unterminated) {
      yield line;
      return;
    }
    records.push({ cells: record.cells, line });
    pos = record.end;
    line += record.lines;
  }
}

/** One record that holds quotes, from `start` to the end of its (last) line. */
function readQuotedRecord(text: string, start: number, separator: Separator): { cells: string[]; end: number; lines: number; unterminated: boolean } {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  let lines = 1;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') lines++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === separator) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      cells.push(cell);
      return { cells, end: ch === '\r' ? i + 2 : i + 1, lines, unterminated: false };
    } else cell += ch;
  }
  if (quoted) return { cells, end: text.length, lines, unterminated: true };
  cells.push(cell);
  return { cells, end: text.length, lines, unterminated: false };
}

const ONE = new Set(['1', '1.0']);
const ZERO = new Set(['0', '0.0']);

export interface AnnotationOptions {
  ohe: boolean;
  /** How CSV lines are cited in problems (`labels.csv:12`). */
  fileName: string;
}

/** Reads the annotation text into classes and rows, with the problems of the file itself. */
export function readAnnotations(text: string, options: AnnotationOptions): Annotations {
  const steps = readAnnotationsSteps(text, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The same, in short steps that let the event loop run between them (a CSV may list 100 000 images). */
export async function readAnnotationsAsync(text: string, options: AnnotationOptions, signal?: AbortSignal): Promise<Annotations> {
  const steps = readAnnotationsSteps(text, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  }
}

/** Rows handled between two yields. */
const ROWS_PER_STEP = 5000;

function* readAnnotationsSteps(text: string, options: AnnotationOptions): Generator<void, Annotations> {
  const { ohe, fileName } = options;
  const separator = detectSeparator(text);
  const where = (line: number, sample?: string) => `${fileName}:${line}${sample ? `: ${sample}` : ''}`;
  const result: Annotations = { separator, oneHot: ohe, classes: [], rows: [], problems: [], unusable: true };
  const fail = (code: DatasetProblem['code'], message: string, action: string, files: string[] = []) => {
    result.problems.push(problem('error', code, message, action, files));
    return result;
  };
  const headerExample = ohe ? 'SAMPLE,<class 1>,<class 2>,...' : 'SAMPLE,CLASS';

  const records: CsvRecord[] = [];
  let unterminated: number | null = null;
  for (const step of parseCsvSteps(text, separator, records)) {
    if (step !== null) {
      unterminated = step;
      break;
    }
    yield;
  }
  if (unterminated !== null) {
    return fail('CSV_INVALID', `The annotation file has a quote (") on line ${unterminated} that is never closed.`, 'Close the quote, or remove it, then check again.', [where(unterminated)]);
  }
  const header = records[0];
  if (!header) return fail('CSV_INVALID', 'The annotation file is empty.', `Write one line per image under a header line "${headerExample}".`, [fileName]);
  const names = header.cells.map((c) => c.trim());
  if (names.length < 2) {
    return fail(
      'CSV_INVALID',
      'The annotation file has only one column: AUCMEDI needs the image name and its class, separated by commas.',
      `Start the file with the header line "${headerExample}" and separate the columns with commas.`,
      [where(header.line)],
    );
  }
  const sampleColumn = names.indexOf('SAMPLE');
  if (sampleColumn < 0) {
    const lower = names.findIndex((n) => n.toLowerCase() === 'sample');
    if (lower >= 0) {
      return fail('CSV_INVALID', `The image-name column is called "${names[lower]}", but AUCMEDI needs it to be called SAMPLE, in capitals.`, `Rename that column to SAMPLE.`, [where(header.line)]);
    }
    return fail(
      'CSV_INVALID',
      'The annotation file has no header line: its first line must name the columns, starting with SAMPLE.',
      `Add the header line "${headerExample}" at the top of the file.`,
      [where(header.line, header.cells.join(separator).slice(0, 60))],
    );
  }

  const body = records.slice(1);
  const isBinary = (value: string) => ONE.has(value) || ZERO.has(value);
  const otherColumns = names.map((_, i) => i).filter((i) => i !== sampleColumn);
  let classColumns: number[];
  if (ohe) {
    classColumns = otherColumns;
    const badValues: string[] = [];
    let badCount = 0;
    let k = 0;
    for (const record of body) {
      if (++k % ROWS_PER_STEP === 0) yield;
      const bad = classColumns.find((i) => !isBinary((record.cells[i] ?? '').trim()));
      if (bad !== undefined) {
        badCount++;
        badValues.push(where(record.line, `${names[bad]} = "${(record.cells[bad] ?? '').trim()}"`));
      }
    }
    if (badCount > 0) {
      const looksSingleLabel = names.includes('CLASS') && classColumns.length === 1;
      result.problems.push(
        problem(
          'error',
          'ONEHOT_INVALID_VALUE',
          looksSingleLabel
            ? 'The annotation file has one CLASS column with class names, but it was read as one-hot (multi-label), where every class column holds 0 or 1.'
            : `${plural(badCount, 'line')} of the annotation file ${agree(badCount, 'holds', 'hold')} a value other than 0 or 1 in a class column.`,
          looksSingleLabel ? 'Switch off "one-hot (multi-label)" for this file.' : 'Write 1 where the image shows the class and 0 where it does not.',
          badValues,
          badCount,
        ),
      );
      return result;
    }
  } else {
    const classColumn = names.indexOf('CLASS');
    if (classColumn < 0) {
      const looksOneHot = body.length > 0 && body.every((r) => otherColumns.every((i) => isBinary((r.cells[i] ?? '').trim())));
      return fail(
        'UNKNOWN_CLASS_COLUMN',
        looksOneHot
          ? `The annotation file has no CLASS column; its columns ${otherColumns.map((i) => names[i]).join(', ')} hold 0 and 1, as in a one-hot (multi-label) file.`
          : `The annotation file has no CLASS column (its columns are ${names.join(', ')}).`,
        looksOneHot ? 'Switch on "one-hot (multi-label)" for this file.' : 'Name the column that holds the class of each image CLASS.',
        [where(header.line)],
      );
    }
    classColumns = [classColumn];
  }

  // rows: shape, empty cells, duplicates
  const ragged: string[] = [];
  const noSample: string[] = [];
  const noClass: string[] = [];
  const seen = new Map<string, number>();
  const duplicates: string[] = [];
  let duplicateCount = 0;
  const parsed: { sample: string; line: number; values: string[] }[] = [];
  let k = 0;
  for (const record of body) {
    if (++k % ROWS_PER_STEP === 0) yield;
    const sample = (record.cells[sampleColumn] ?? '').trim();
    // a line of the wrong length is reported once, as such, even when it also lacks a value
    const isRagged = record.cells.length !== names.length;
    if (isRagged) ragged.push(where(record.line, sample));
    if (sample === '') {
      if (!isRagged) noSample.push(where(record.line));
      continue;
    }
    const values = classColumns.map((i) => (record.cells[i] ?? '').trim());
    if (!ohe && values[0] === '') {
      if (!isRagged) noClass.push(where(record.line, sample));
      continue;
    }
    const first = seen.get(sample);
    if (first !== undefined) {
      duplicateCount++;
      duplicates.push(where(record.line, `${sample} (also on line ${first})`));
      continue;
    }
    seen.set(sample, record.line);
    parsed.push({ sample, line: record.line, values });
  }
  if (ragged.length > 0) {
    result.problems.push(
      problem('error', 'CSV_INVALID', `${plural(ragged.length, 'line')} of the annotation file ${agree(ragged.length, 'has', 'have')} a different number of columns than its header (${names.length}).`, `Give every line exactly ${names.length} values, separated by "${separator}".`, ragged),
    );
  }
  if (noSample.length > 0) {
    result.problems.push(problem('error', 'CSV_INVALID', `${plural(noSample.length, 'line')} of the annotation file ${agree(noSample.length, 'names', 'name')} no image.`, 'Fill in the image name (SAMPLE) on those lines, or delete them.', noSample));
  }
  if (noClass.length > 0) {
    result.problems.push(problem('error', 'CSV_INVALID', `${plural(noClass.length, 'image')} in the annotation file ${agree(noClass.length, 'has', 'have')} no class.`, 'Fill in the CLASS of those images, or delete their lines.', noClass));
  }
  if (duplicateCount > 0) {
    result.problems.push(
      problem('error', 'DUPLICATE_NAMES', `${plural(duplicateCount, 'image')} ${agree(duplicateCount, 'is', 'are')} listed more than once in the annotation file: AUCMEDI needs each image once.`, 'Keep one line per image and delete the repeated lines.', duplicates, duplicateCount),
    );
  }

  yield;
  if (ohe) {
    result.classes = classColumns.map((i) => names[i]!);
    result.rows = parsed.map(({ sample, line, values }) => ({ sample, line, labels: values.flatMap((v, k) => (ONE.has(v) ? [k] : [])) }));
    const unlabelled = result.rows.filter((r) => r.labels.length === 0);
    if (unlabelled.length > 0) {
      result.problems.push(
        problem(
          'warning',
          'UNLABELLED_SAMPLES',
          `${plural(unlabelled.length, 'image')} in the annotation file ${agree(unlabelled.length, 'has', 'have')} 0 in every class column.`,
          'Check those lines: an image with no class teaches the model that it shows none of them.',
          unlabelled.map((r) => where(r.line, r.sample)),
        ),
      );
    }
  } else {
    const names = [...new Set(parsed.map((p) => p.values[0]!))];
    const changed = pandasChanges(names);
    if (changed) {
      const examples = changed.examples.map((name) => `"${name}"`).join(', ');
      const read = { missing: 'as missing values', number: 'as numbers', boolean: 'as True/False' }[changed.reason];
      result.problems.push(
        problem(
          'error',
          'CSV_INVALID',
          `AUCMEDI reads the CSV with pandas, which takes the class ${changed.examples.length === 1 ? 'name' : 'names'} ${examples} ${read}, so the classes would not be the ones written in the file.`,
          changed.reason === 'number'
            ? 'Give the classes names that start with a letter (for example c01 instead of 01), or write whole numbers without leading zeros, signs or decimals.'
            : 'Give the classes names that start with a letter (for example class_NA).',
          [fileName],
        ),
      );
      return result;
    }
    // AUCMEDI numbers the classes as np.unique sorts the parsed column: whole numbers by value (2 before 10)
    result.classes = pandasSortedClasses(names, compareNames);
    const index = new Map(result.classes.map((name, i) => [name, i]));
    result.rows = parsed.map(({ sample, line, values }) => ({ sample, line, labels: [index.get(values[0]!)!] }));
  }
  result.unusable = false;
  return result;
}
