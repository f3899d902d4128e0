import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, main, parseArguments } from '../../../src/cli/main';

const spec = { flags: ['--json'], options: ['--epochs', '--out'], integers: ['--epochs'] };

describe('option values', () => {
  it('takes a count only in plain decimal digits', () => {
    expect(parseArguments(['/d', '--epochs', '16'], spec)).toEqual({ positional: ['/d'], flags: [], values: { '--epochs': '16' } });
    for (const value of ['0x10', '0b101', '0o20', '1e3', '1.5', '-1', '+4', ' 3', '3 ', '١٢', 'Infinity', 'NaN']) {
      expect(parseArguments(['/d', '--epochs', value], spec), value).toBe(`--epochs takes a whole number in plain digits (like 20), not "${value}"`);
    }
  });

  it('refuses an empty or blank value or argument instead of quietly meaning the default or the working folder', () => {
    expect(parseArguments(['/d', '--out', ''], spec)).toBe('--out needs a value, not an empty one');
    expect(parseArguments(['/d', '--out', ' \t'], spec)).toBe('--out needs a value, not an empty one');
    expect(parseArguments([''], spec)).toBe('an argument is empty');
    expect(parseArguments(['  '], spec)).toBe('an argument is empty');
  });

  it('is a usage error (exit 2) naming the option, before anything runs', async () => {
    for (const argv of [
      ['train', '/d', '--epochs', '0x10'],
      ['train', '/d', '--batch-size', '1e3'],
      ['train', '/d', '--workers', '2.0'],
      ['predict', '/d', '--model', 'run-1', '--batch-size', '0x8'],
      ['evaluate', '/d', '--model', 'run-1', '--workers', '-2'],
      ['train', '/d', '--out', ''],
      ['predict', '/d', '--model', ''],
      ['evaluate', '/d', '--model', 'run-1', '--gt', ' '],
      ['dataset', 'validate', ''],
    ]) {
      const err: string[] = [];
      expect(await main(argv, () => undefined, (t) => void err.push(t)), argv.join(' ')).toBe(EXIT_USAGE);
      const named = argv.find((arg, i) => arg.startsWith('--') && i === argv.length - 2);
      expect(err.join('\n'), argv.join(' ')).toMatch(named ? new RegExp(`^aucmedi-desk: ${named} `) : /^aucmedi-desk: an argument is empty/);
    }
  });
});
