import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLiterals } from './literals';

/**
 * No user-visible text literal in the window or the core's error builders: each sentence comes
 * from src/i18n/locales. Files still being moved to the catalog are listed in
 * untranslated-files.txt; a listed file that has none left must leave the list.
 */
const ROOT = path.resolve(__dirname, '../../..');
const LISTED = new Set(
  readFileSync(path.join(__dirname, 'untranslated-files.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#')),
);

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.startsWith(`src${path.sep}i18n`));
}

const FILES = [...sources('renderer/src'), ...sources('src'), ...sources('electron')].sort();

describe('user-visible text comes from the catalogs', () => {
  it.each(FILES)('%s', (file) => {
    const findings = findLiterals(path.join(ROOT, file)).map((f) => `${file}:${f.line}: ${f.text}`);
    if (LISTED.has(file)) expect(findings.length, `${file} has no literal left: remove it from untranslated-files.txt`).toBeGreaterThan(0);
    else expect(findings).toEqual([]);
  });

  it('lists only files that exist', () => {
    expect([...LISTED].filter((file) => !FILES.includes(file))).toEqual([]);
  });

  it('finds the literals it is meant to find', () => {
    const findings = findLiterals(path.join(__dirname, 'fixtures/literals-sample.tsx')).map((f) => f.text);
    expect(findings).toEqual(['Export diagnostics', 'Close the window', 'Exporting…', 'Export', 'The settings could not be saved.', 'Check that your folder is writable.', 'Type a name']);
  });
});
