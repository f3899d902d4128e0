import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(name) ? [full] : [];
  });
}
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({ typeOnly: Boolean(m[1]), from: m[2]! }));

describe('module boundaries of DESIGN.md', () => {
  it('src/ imports nothing from electron, react or the other layers', () => {
    const offenders = sourceFiles('src').flatMap((file) =>
      imports(file)
        .filter(({ from }) => /^(electron|react|react-dom|zustand)(\/|$)/.test(from) || /(^|\/)(electron|renderer)\//.test(from))
        .map(({ from }) => `${file}: ${from}`),
    );
    expect(offenders).toEqual([]);
  });

  it('renderer/ takes only types from src/, and the pure helpers it shares with the core', () => {
    const pure = ['src/api/format', 'src/api/errors', 'src/api/model-classes', 'src/api/stopped-training', 'src/api/epochs', 'src/api/repeatability', 'src/api/dicom-window', 'src/api/dicom', 'src/i18n'];
    const offenders = sourceFiles('renderer').flatMap((file) =>
      imports(file)
        .filter(({ typeOnly, from }) => /(\.\.\/)+src\//.test(from) && !typeOnly && !pure.some((module) => from.endsWith(module)))
        .map(({ from }) => `${file}: ${from}`),
    );
    expect(offenders).toEqual([]);
    // the shared helpers stay pure: values only from each other, their catalogs and i18next
    const files = (module: string) => (existsSync(`${module}.ts`) ? [`${module}.ts`] : sourceFiles(module));
    const isPure = (file: string, from: string) => {
      if (from === 'i18next' || from.endsWith('.json')) return true;
      const target = path.relative('.', path.resolve(path.dirname(file), from)).split(path.sep).join('/');
      return pure.some((module) => target === module || target.startsWith(`${module}/`));
    };
    const impure = pure.flatMap((module) => files(module).flatMap((file) => imports(file).filter(({ typeOnly, from }) => !typeOnly && !isPure(file, from)).map(({ from }) => `${file}: ${from}`)));
    expect(impure).toEqual([]);
    expect(sourceFiles('renderer').length).toBeGreaterThan(5);
  });
});
