/**
 * How pandas reads a column of text, as AUCMEDI meets it: `pd.read_csv(path, sep=",")` with the
 * defaults (aucmedi/data_processing/io_interfaces/io_csv.py for annotations, aucmedi/automl/block_eval.py
 * for preds.csv). pandas turns a column whose every value looks like a number into numbers (`01`
 * becomes 1), whose every value is True/False into booleans, and reads its NA tokens (`NA`, `null`,
 * an empty cell, ...) as missing in any column. AUCMEDI then sorts and compares those values, not
 * the text: a class `01` is recorded as 1, and image names made of digits no longer match.
 */

/** pandas' default `na_values` (pandas/_libs/parsers.pyx STR_NA_VALUES), with the empty cell. */
export const PANDAS_NA_VALUES: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'None',
  'n/a',
  'nan',
  'null',
]);

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity)$/i;
const BOOLEAN = new Set(['True', 'TRUE', 'true', 'False', 'FALSE', 'false']);

/** What pandas makes of a column: text kept as it is, or numbers, or booleans. */
export type PandasColumnKind = 'text' | 'integer' | 'float' | 'boolean';

export interface PandasColumn {
  kind: PandasColumnKind;
  /** The values pandas reads as missing (NaN). */
  missing: string[];
}

/** How pandas' C parser types one column of (unquoted or quoted: it types both alike) values. */
export function pandasColumn(values: readonly string[]): PandasColumn {
  const missing = values.filter((v) => PANDAS_NA_VALUES.has(v));
  const present = values.filter((v) => !PANDAS_NA_VALUES.has(v));
  if (present.length === 0) return { kind: 'float', missing };
  if (present.every((v) => INTEGER.test(v))) return { kind: missing.length > 0 ? 'float' : 'integer', missing };
  if (present.every((v) => FLOAT.test(v))) return { kind: 'float', missing };
  if (missing.length === 0 && present.every((v) => BOOLEAN.has(v))) return { kind: 'boolean', missing };
  return { kind: 'text', missing };
}

/** The integer text pandas would print back unchanged (`10`, `-3`; not `01`, `+1`, `007`). */
export function isCanonicalInteger(value: string): boolean {
  return /^(0|-?[1-9]\d*)$/.test(value);
}

/** Why pandas would not give back `values` as the same text (with up to 5 examples), or null when it would. */
export function pandasChanges(values: readonly string[]): { reason: 'missing' | 'number' | 'boolean'; examples: string[] } | null {
  const column = pandasColumn(values);
  if (column.missing.length > 0) return { reason: 'missing', examples: unique(column.missing) };
  if (column.kind === 'integer') {
    const changed = values.filter((v) => !isCanonicalInteger(v));
    return changed.length > 0 ? { reason: 'number', examples: unique(changed) } : null;
  }
  if (column.kind === 'float') return { reason: 'number', examples: unique(values) };
  if (column.kind === 'boolean') return { reason: 'boolean', examples: unique(values) };
  return null;
}

/** Class names in the order AUCMEDI gives them (`np.unique` of the parsed column): numbers by value, text by code point. */
export function pandasSortedClasses(names: readonly string[], compareText: (a: string, b: string) => number): string[] {
  const kind = pandasColumn(names).kind;
  if (kind !== 'integer') return [...names].sort(compareText);
  return [...names].sort((a, b) => {
    const difference = BigInt(a) - BigInt(b);
    return difference > 0n ? 1 : difference < 0n ? -1 : 0;
  });
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].slice(0, 5);
}
