/**
 * The annotation CSV of AUCMEDI's CSV interface: `SAMPLE,CLASS` (one class per image) or one-hot
 * `SAMPLE,c1,c2,...` (multi-label). Header line required; UTF-8 with or without BOM; `,` or `;`;
 * CRLF or LF; quoted fields ("" inside quotes). Samples are image names without extension.
 * AUCMEDI itself reads only `,` (io_csv.py `sep=","`): a run never gets this file but a
 * comma-separated copy of what was read here (src/runs/dataset-view.ts).
 */
import type { DatasetProblem } from '../api/dataset';
import { MAX_LINE_BYTES, MAX_LINE_TEXT } from './annotation-file';
import { pandasChanges, pandasSortedClasses } from './pandas';
import { msg, type Message } from '../i18n/message';
import { t } from '../i18n/translate';
import { compareNames, problem } from './problems';

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

export { decodeAnnotationFile } from './annotation-file';

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

/**
 * Where the parser stopped: a quote never closed, or a quoted record spread over lines that grew
 * past `MAX_RECORD_CHARS` (each line is bounded when the file is read; a record must be too).
 */
export interface CsvStop {
  line: number;
  reason: 'unterminated' | 'too-long';
}

/** The longest record, in characters: a quoted record may span lines, but not hold more than a line may. */
const MAX_RECORD_CHARS = MAX_LINE_BYTES;

/** RFC 4180 records; blank lines skipped. `unterminated` is the line of a quote never closed, `tooLong` that of a record past the limit. */
export function parseCsv(text: string, separator: Separator): { records: CsvRecord[]; unterminated: number | null; tooLong: number | null } {
  const records: CsvRecord[] = [];
  for (const step of parseCsvSteps(text, separator, records)) {
    if (step !== null) return { records, unterminated: step.reason === 'unterminated' ? step.line : null, tooLong: step.reason === 'too-long' ? step.line : null };
  }
  return { records, unterminated: null, tooLong: null };
}

/**
 * The parser, in steps: yields null every few thousand records (so a caller can let the event loop
 * run), or where it stopped (and stops). Lines without quotes, nearly all of them, are split at
 * once; a line with quotes is read character by character, across line breaks.
 */
export function* parseCsvSteps(input: string, separator: Separator, records: CsvRecord[]): Generator<CsvStop | null> {
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
    if (record.stop) {
      yield { line, reason: record.stop };
      return;
    }
    records.push({ cells: record.cells, line });
    pos = record.end;
    line += record.lines;
  }
}

/** One record that holds quotes, from `start` to the end of its (last) line. */
function readQuotedRecord(text: string, start: number, separator: Separator): { cells: string[]; end: number; lines: number; stop: CsvStop['reason'] | null } {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  let lines = 1;
  const limit = Math.min(text.length, start + MAX_RECORD_CHARS);
  for (let i = start; i < text.length; i++) {
    if (i >= limit) return { cells, end: i, lines, stop: 'too-long' };
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
      return { cells, end: ch === '\r' ? i + 2 : i + 1, lines, stop: null };
    } else cell += ch;
  }
  if (quoted) return { cells, end: text.length, lines, stop: 'unterminated' };
  cells.push(cell);
  return { cells, end: text.length, lines, stop: null };
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
  const fail = (code: DatasetProblem['code'], message: Message, action: Message, files: string[] = []) => {
    result.problems.push(problem('error', code, message, action, files));
    return result;
  };
  const header = ohe ? msg('dataset:csv.headerExample.oneHot') : msg('dataset:csv.headerExample.single');

  const records: CsvRecord[] = [];
  let stop: CsvStop | null = null;
  for (const step of parseCsvSteps(text, separator, records)) {
    if (step !== null) {
      stop = step;
      break;
    }
    yield;
  }
  if (stop?.reason === 'unterminated') {
    return fail('CSV_INVALID', msg('dataset:csv.unterminated.message', { line: stop.line }), msg('dataset:csv.unterminated.action'), [where(stop.line)]);
  }
  if (stop?.reason === 'too-long') {
    return fail(
      'CSV_INVALID',
      msg('dataset:csv.tooLong.message', { line: stop.line, limit: MAX_LINE_TEXT }),
      msg('dataset:csv.tooLong.action'),
      [where(stop.line)],
    );
  }
  const headerRecord = records[0];
  if (!headerRecord) return fail('CSV_INVALID', msg('dataset:csv.empty.message'), msg('dataset:csv.empty.action', { header }), [fileName]);
  const names = headerRecord.cells.map((c) => c.trim());
  if (names.length < 2) {
    return fail('CSV_INVALID', msg('dataset:csv.oneColumn.message'), msg('dataset:csv.oneColumn.action', { header }), [where(headerRecord.line)]);
  }
  const sampleColumn = names.indexOf('SAMPLE');
  if (sampleColumn < 0) {
    const lower = names.findIndex((n) => n.toLowerCase() === 'sample');
    if (lower >= 0) {
      return fail('CSV_INVALID', msg('dataset:csv.sampleCase.message', { name: names[lower]! }), msg('dataset:csv.sampleCase.action'), [where(headerRecord.line)]);
    }
    return fail('CSV_INVALID', msg('dataset:csv.noHeader.message'), msg('dataset:csv.noHeader.action', { header }), [where(headerRecord.line, headerRecord.cells.join(separator).slice(0, 60))]);
  }

  const body = records.slice(1);
  const isBinary = (value: string) => ONE.has(value) || ZERO.has(value);
  const otherColumns = names.map((_, i) => i).filter((i) => i !== sampleColumn);
  let classColumns: number[];
  if (ohe) {
    classColumns = otherColumns;
    const repeated = firstRepeated(classColumns.map((i) => names[i]!));
    if (repeated !== null) {
      // pandas would rename the second one ("c.1"), so AUCMEDI's classes would not be the ones written
      return fail('CSV_INVALID', msg('dataset:csv.repeatedColumn.message', { name: repeated }), msg('dataset:csv.repeatedColumn.action'), [where(headerRecord.line, repeated)]);
    }
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
          looksSingleLabel ? msg('dataset:csv.oneHotValue.singleLabel') : msg('dataset:csv.oneHotValue.message', { count: badCount }),
          looksSingleLabel ? msg('dataset:csv.oneHotValue.actionSingleLabel') : msg('dataset:csv.oneHotValue.action'),
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
          ? msg('dataset:csv.noClassColumn.oneHot', { columns: otherColumns.map((i) => names[i]).join(', ') })
          : msg('dataset:csv.noClassColumn.message', { columns: names.join(', ') }),
        looksOneHot ? msg('dataset:csv.noClassColumn.actionOneHot') : msg('dataset:csv.noClassColumn.action'),
        [where(headerRecord.line)],
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
      duplicates.push(where(record.line, t('dataset:csv.alsoOnLine', { sample, line: first })));
      continue;
    }
    seen.set(sample, record.line);
    parsed.push({ sample, line: record.line, values });
  }
  if (ragged.length > 0) {
    result.problems.push(
      problem('error', 'CSV_INVALID', msg('dataset:csv.ragged.message', { count: ragged.length, columns: names.length }), msg('dataset:csv.ragged.action', { columns: names.length, separator }), ragged),
    );
  }
  if (noSample.length > 0) {
    result.problems.push(problem('error', 'CSV_INVALID', msg('dataset:csv.noSample.message', { count: noSample.length }), msg('dataset:csv.noSample.action'), noSample));
  }
  if (noClass.length > 0) {
    result.problems.push(problem('error', 'CSV_INVALID', msg('dataset:csv.noClass.message', { count: noClass.length }), msg('dataset:csv.noClass.action'), noClass));
  }
  if (duplicateCount > 0) {
    result.problems.push(
      problem('error', 'DUPLICATE_NAMES', msg('dataset:csv.duplicates.message', { count: duplicateCount }), msg('dataset:csv.duplicates.action'), duplicates, duplicateCount),
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
          msg('dataset:csv.unlabelled.message', { count: unlabelled.length }),
          msg('dataset:csv.unlabelled.action'),
          unlabelled.map((r) => where(r.line, r.sample)),
        ),
      );
    }
  } else {
    const names = [...new Set(parsed.map((p) => p.values[0]!))];
    const changed = pandasChanges(names);
    if (changed) {
      const examples = changed.examples.map((name) => `"${name}"`).join(', ');
      const count = changed.examples.length;
      result.problems.push(
        problem(
          'error',
          'CSV_INVALID',
          changed.reason === 'missing'
            ? msg('dataset:csv.pandasClasses.missing', { count, examples })
            : changed.reason === 'number'
              ? msg('dataset:csv.pandasClasses.number', { count, examples })
              : msg('dataset:csv.pandasClasses.boolean', { count, examples }),
          changed.reason === 'number' ? msg('dataset:csv.pandasClasses.actionNumber') : msg('dataset:csv.pandasClasses.action'),
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

/** The first name that occurs twice, or null. */
function firstRepeated(names: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return null;
}
