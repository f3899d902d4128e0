/** Building `DatasetProblem` values: files sorted and capped, counts kept, errors before warnings. */
import type { DatasetProblem, DatasetProblemCode, DatasetProblemSeverity } from '../api/dataset';
import { msg, type Message } from '../i18n/message';
import { text } from '../i18n/translate';

/** At most this many files are named per problem; `fileCount` says how many there are. */
export const MAX_LISTED_FILES = 20;

export function problem(
  severity: DatasetProblemSeverity,
  code: DatasetProblemCode,
  message: Message,
  action: Message,
  files: readonly string[],
  fileCount = files.length,
): DatasetProblem {
  return { severity, code, message: text(message), action: text(action), files: files.slice(0, MAX_LISTED_FILES), fileCount, i18n: { message, action } };
}

/** Messages joined into one: "a; b; c" (`separator` 'semicolon') or "a, b, c" ('comma'). */
export function joinMessages(parts: readonly Message[], separator: 'semicolon' | 'comma'): Message {
  if (parts.length === 0) return msg('dataset:list.empty');
  return parts.slice(1).reduce((first, rest) => (separator === 'semicolon' ? msg('dataset:list.semicolon', { first, rest }) : msg('dataset:list.comma', { first, rest })), parts[0]!);
}

/** Collects the paths concerned by one kind of problem; lists the first ones in name order. */
export class Bucket {
  private readonly items: string[] = [];
  add(item: string): void {
    this.items.push(item);
  }
  get size(): number {
    return this.items.length;
  }
  /** The `limit` first items in name order (a single pass: buckets may hold 100 000 names). */
  first(limit = MAX_LISTED_FILES): string[] {
    const best: string[] = [];
    for (const item of this.items) {
      if (best.length >= limit && compareNames(item, best[best.length - 1]!) >= 0) continue;
      let i = best.length;
      while (i > 0 && compareNames(item, best[i - 1]!) < 0) i--;
      best.splice(i, 0, item);
      if (best.length > limit) best.pop();
    }
    return best;
  }
}

/** Code-point order, as Python's `sorted()` (AUCMEDI numbers its classes that way). */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** UTF-16 code units reordered so surrogates (characters above U+FFFF) sort after U+E000-U+FFFF. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/** "1 image", "3 images" (for the CLI's own lines; the problems' sentences use the catalog's plurals). */
export { plural } from '../api/format';

const ORDER: DatasetProblemCode[] = [
  'CSV_INVALID',
  'UNKNOWN_CLASS_COLUMN',
  'ONEHOT_INVALID_VALUE',
  'TOO_FEW_CLASSES',
  'EMPTY_CLASS',
  'DUPLICATE_NAMES',
  'NAMES_READ_AS_NUMBERS',
  'CSV_MISSING_FILE',
  'FILE_NOT_IN_CSV',
  'UNREADABLE_FOLDER',
  'UNREADABLE_FILE',
  'NOT_AN_IMAGE',
  'FORMAT_MISMATCH',
  'UNSUPPORTED_FORMAT',
  'MIXED_DIMENSIONS',
  'MIXED_VOLUME_FORMATS',
  'CLASS_IMBALANCE',
  'SMALL_CLASS',
  'UNLABELLED_SAMPLES',
  'SIZE_VARIATION',
  'EXTENSION_MISMATCH',
  'IMAGE_WITHOUT_EXTENSION',
  'FILES_OUTSIDE_CLASSES',
  'HIDDEN_CLASS_FOLDER',
  'NESTED_FOLDERS',
  'IGNORED_NON_IMAGE',
  'SPECIAL_FILES',
  'HIDDEN_FILES',
  'SYMLINKS',
];

export function sortProblems(problems: DatasetProblem[]): DatasetProblem[] {
  const rank = (p: DatasetProblem) => (p.severity === 'error' ? 0 : 1000) + ORDER.indexOf(p.code);
  return [...problems].sort((a, b) => rank(a) - rank(b));
}
