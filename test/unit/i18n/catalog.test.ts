import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NAMESPACES, RESOURCES } from '../../../src/i18n/resources';

/** Both languages hold the same keys with the same parameters, and every key the code names exists. */
const ROOT = path.resolve(__dirname, '../../..');
type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(name, value);
    else for (const [k, v] of flatten(value, name)) out.set(k, v);
  }
  return out;
}

/** `{{count}}`, `{{size, size}}` -> count, size; `$t(...)` nesting is not used. */
const params = (text: string) => [...new Set([...text.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]!))].sort();
/** i18next's plural suffixes: German and English both have `one` and `other`. */
const base = (key: string) => key.replace(/_(zero|one|two|few|many|other)$/, '');

const catalogs = Object.fromEntries((['en', 'de'] as const).map((language) => [language, new Map(NAMESPACES.map((ns) => [ns, flatten(RESOURCES[language][ns] as Tree)]))]));

describe.each(NAMESPACES)('namespace %s', (ns) => {
  const en = catalogs.en!.get(ns)!;
  const de = catalogs.de!.get(ns)!;
  it('has the same keys in German and English', () => {
    expect([...de.keys()].sort()).toEqual([...en.keys()].sort());
  });
  it('has the same parameters in German and English', () => {
    const differing = [...en].filter(([key, text]) => de.has(key) && params(text).join() !== params(de.get(key)!).join()).map(([key]) => key);
    // A plural's `one` form may leave out {{count}} ("eine Datei"): compare each with its `other`.
    expect(differing.filter((key) => !/_one$/.test(key))).toEqual([]);
  });
  it('has no empty or untranslated-looking text', () => {
    expect([...en, ...de].filter(([, text]) => text.trim() === '').map(([key]) => key)).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx|mjs)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('keys named in the code', () => {
  const all = new Set<string>();
  for (const ns of NAMESPACES) for (const key of catalogs.en!.get(ns)!.keys()) all.add(`${ns}:${base(key)}`);
  const used: { file: string; key: string }[] = [];
  for (const file of [...sourceFiles('src'), ...sourceFiles('renderer/src'), ...sourceFiles('electron')]) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\b(?:t|msg|tMessage|localizedError|localizedException)\(\s*(?:'[A-Z_]+',\s*(?:msg\()?)?(['"`])([a-zA-Z]+:[\w.${}-]+)\1/g)) used.push({ file: path.relative(ROOT, file), key: match[2]! });
  }

  it('finds the keys in use', () => {
    expect(used.length).toBeGreaterThan(10);
  });

  it('each exists in the English catalog (a `${...}` part matches any key segment)', () => {
    const missing = used.filter(({ key }) => {
      if (!key.includes('${')) return !all.has(key);
      const pattern = new RegExp(`^${key.split(/\$\{[^}]*\}/).map((part) => part.replace(/[.*+?^()|[\]\\]/g, '\\$&')).join('[\\w]+')}`);
      return ![...all].some((k) => pattern.test(k));
    });
    expect(missing.map(({ file, key }) => `${file}: ${key}`)).toEqual([]);
  });
});
