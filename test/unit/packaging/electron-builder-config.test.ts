import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { requireBuild } from '../../helpers/requirements';
import { CONFIG_FILE, parseYaml, readBuilderConfig, ROOT, schemaErrors, SCHEME_FILE } from './builder-config';

// minimatch is a TRANSITIVE dependency (of app-builder-lib, which matches `files` patterns with it).

const config = readBuilderConfig();
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const rel = (...parts: string[]) => path.join(ROOT, ...parts);

describe("electron-builder.yml against electron-builder's own schema", () => {
  it('is valid for the installed electron-builder', () => {
    expect(SCHEME_FILE).toContain(`${path.sep}app-builder-lib${path.sep}`);
    expect(schemaErrors(config)).toEqual([]);
  });

  it('is rejected with a misspelled key, at the top and nested (the check is not blind)', () => {
    const text = readFileSync(CONFIG_FILE, 'utf8');
    const topLevel = text.replace(/^productName:/m, 'prodcutName:');
    expect(topLevel).not.toBe(text);
    expect(schemaErrors(parseYaml(topLevel))).toContain("(root): must NOT have additional properties 'prodcutName'");

    const nested = text.replace(/^ {2}oneClick:/m, '  oneClik:');
    expect(nested).not.toBe(text);
    expect(schemaErrors(parseYaml(nested))).toContain("/nsis: must NOT have additional properties 'oneClik'");
  });

  it("is loaded and accepted by electron-builder's own configuration code (what `electron-builder` runs before packaging)", async () => {
    // app-builder-lib and builder-util: TRANSITIVE dependencies of the electron-builder devDependency.
    // Loading and validating reads files only: no Electron, no download.
    const requireCjs = createRequire(import.meta.url);
    const { getConfig, validateConfiguration } = requireCjs('app-builder-lib/out/util/config/config') as {
      getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<Record<string, unknown>>;
      validateConfiguration(config: unknown, debugLogger: unknown): Promise<void>;
    };
    const { DebugLogger } = requireCjs('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    const loaded = await getConfig(ROOT, CONFIG_FILE, null);
    expect(loaded).toMatchObject({ appId: config.appId, electronVersion: config.electronVersion, afterPack: config.afterPack, publish: null });
    await expect(validateConfiguration(loaded, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...loaded, nsis: { ...config.nsis, oneClik: false } }, new DebugLogger(false))).rejects.toThrow(/configuration\.nsis/);
  });

  it('is rejected with a value of the wrong kind', () => {
    expect(schemaErrors({ ...config, directories: 'release' }).join('\n')).toMatch(/^\/directories: must be object/m);
    expect(schemaErrors({ ...config, nsis: { ...config.nsis, perMachine: 'maybe' } }).join('\n')).toMatch(/^\/nsis\/perMachine: must be boolean/m);
  });
});

describe('what the installers are', () => {
  it('names the app as package.json does, and writes into release/ (git-ignored)', () => {
    expect(config).toMatchObject({ appId: 'org.aucmedi-desk.app', productName: 'AUCMEDI Desk', directories: { output: 'release', buildResources: 'build' } });
    expect(config.productName).toBe(pkg.productName);
    expect(readFileSync(rel('.gitignore'), 'utf8').split(/\r?\n/)).toContain('release/');
  });

  it('packs an asar with only the built app, and publishes nothing (no update feed: air-gapped)', () => {
    expect(config.asar).toBe(true);
    expect(config.files).toEqual(['dist/electron/**', 'dist/renderer/**', 'dist/THIRD-PARTY-NOTICES', 'package.json']);
    expect(config.publish).toBeNull();
    for (const platform of ['win', 'mac', 'linux', 'nsis', 'dmg', 'deb', 'appImage']) expect(config[platform]?.publish ?? null).toBeNull();
    expect(JSON.stringify(config)).not.toMatch(/electron-updater|"provider"/);
  });

  it('registers no file types and no URL schemes', () => {
    for (const scope of [config, config.win, config.mac, config.linux, config.nsis, config.deb]) {
      expect(scope?.fileAssociations).toBeUndefined();
      expect(scope?.protocols).toBeUndefined();
      expect(scope?.mimeTypes).toBeUndefined();
    }
  });

  it('builds an assisted NSIS installer that offers "only for me" or "for all users"', () => {
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false, allowElevation: true, allowToChangeInstallationDirectory: true, license: 'build/license.txt' });
    expect(readFileSync(rel(config.nsis.license), 'utf8')).toMatch(/GNU GENERAL PUBLIC LICENSE\s+Version 3/);
  });

  it('builds AppImage and deb (Science / medical) for Linux and a dmg for macOS', () => {
    expect(config.linux.target.map((t: { target: string }) => t.target)).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toBe('Science');
    expect(config.linux.desktop.entry.Categories).toBe('Science;MedicalSoftware;');
    expect(config.linux.maintainer).toEqual(expect.any(String)); // the deb target refuses to build without one
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }]);
    expect(config.mac.category).toBe('public.app-category.medical');
  });

  it('has an icon electron-builder can convert: a PNG of at least 512 x 512', () => {
    for (const icon of new Set([config.win.icon, config.mac.icon, config.linux.icon])) {
      const png = readFileSync(rel(icon));
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // IHDR width
      expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(512); // IHDR height
    }
  });

  it('ships an optional offline bundle (image tarball, weights archive, checksums) from build/offline-bundle', () => {
    expect(config.extraResources).toEqual([{ from: 'build/offline-bundle', to: 'offline-bundle', filter: ['*.tar*', '*.sha256', '*.zip'] }]);
    const picked = (name: string) => config.extraResources[0].filter.some((pattern: string) => minimatch(name, pattern));
    for (const name of ['aucmedi.tar', 'aucmedi.tar.gz', 'aucmedi.tar.zst', 'aucmedi.tar.sha256', 'keras-weights.tar.gz', 'keras-weights.zip']) expect(picked(name), name).toBe(true);
    for (const name of ['README.md', '.gitignore', 'notes.txt']) expect(picked(name), name).toBe(false);
    expect(existsSync(rel('build/offline-bundle/README.md'))).toBe(true);
  });

  it('pins the Electron version that package-lock.json installs, so reading it needs no download', () => {
    const lock = JSON.parse(readFileSync(rel('package-lock.json'), 'utf8'));
    expect(config.electronVersion).toBe(lock.packages['node_modules/electron'].version);
    expect(pkg.devDependencies.electron).toBeDefined();
    expect(pkg.dependencies.electron).toBeUndefined(); // electron-builder refuses electron among dependencies
  });

  it('runs the fuse hook from build/', () => {
    expect(config.afterPack).toBe('./build/after-pack.cjs');
    expect(existsSync(rel(config.afterPack))).toBe(true);
  });
});

/**
 * Every file under `dir` (relative to ROOT, with /) that a `files` pattern could select, not following
 * links. Folders no positive pattern can reach are not entered (minimatch `partial`), so a benchmark's
 * 100 000 files in bench/out cost nothing; node_modules (electron-builder adds production dependencies
 * itself, outside `files`), .git and the output folder are never packed from the app folder.
 */
function projectFiles(dir = ''): string[] {
  const positives = (config.files as string[]).filter((pattern) => !pattern.startsWith('!'));
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const relative = dir ? `${dir}/${name}` : name;
    if (!dir && ['node_modules', '.git', config.directories.output].includes(name)) return [];
    const stat = lstatSync(path.join(ROOT, relative));
    if (stat.isSymbolicLink()) return [];
    if (!stat.isDirectory()) return [relative];
    return positives.some((pattern) => minimatch(relative, pattern, { dot: true, partial: true })) ? projectFiles(relative) : [];
  });
}

/** electron-builder's `files` semantics for plain patterns: included when a pattern matches and no later `!pattern` excludes it. */
function selectedBy(patterns: string[], file: string): boolean {
  let selected = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (minimatch(file, pattern.slice(1), { dot: true })) selected = false;
    } else if (minimatch(file, pattern, { dot: true })) {
      selected = true;
    }
  }
  return selected;
}

const built = requireBuild();

describe.runIf(built)('what the `files` patterns pick from the repository after `npm run build`', () => {
  const files = projectFiles();
  const selected = files.filter((file) => selectedBy(config.files, file)).sort();

  it('is exactly main.mjs, preload.cjs, the DICOM worker, the renderer, the third-party notices and package.json', () => {
    const renderer = projectFiles('dist/renderer');
    expect(renderer).toContain('dist/renderer/index.html');
    expect(renderer.some((file) => file.endsWith('.js'))).toBe(true);
    expect(selected).toEqual(['dist/THIRD-PARTY-NOTICES', 'dist/electron/dicom-worker.mjs', 'dist/electron/main.mjs', 'dist/electron/preload.cjs', ...renderer, 'package.json'].sort());
    // and so nothing of the sources, tests, scripts, build resources or the CLI bundle
    expect(files).toEqual(expect.arrayContaining(['README.md', 'electron-builder.yml', 'package-lock.json', 'tsconfig.json']));
    for (const file of ['dist/cli/aucmedi-desk.mjs', 'src/core.ts', 'electron/main.ts', 'renderer/src/App.tsx', 'test/unit/core.test.ts', 'build/after-pack.cjs', 'build/offline-bundle/aucmedi.tar']) {
      expect(selectedBy(config.files, file), file).toBe(false);
    }
  });

  it('includes the file package.json "main" points to, and what main loads beside it', () => {
    expect(selected).toContain(path.posix.normalize(pkg.main));
    const main = readFileSync(rel(pkg.main), 'utf8');
    expect(main).toContain('preload.cjs'); // path.join(here, 'preload.cjs')
    expect(selected).toContain('dist/renderer/index.html'); // path.join(here, '..', 'renderer')
  });

  it('main.mjs imports only Node built-ins, electron and package.json "dependencies" (which electron-builder packs)', () => {
    const main = readFileSync(rel('dist/electron/main.mjs'), 'utf8');
    const specifiers = new Set([...main.matchAll(/(?:^|[;\s])(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?["']([^"'\s]+)["']|import\(\s*["']([^"'\s]+)["']\s*\)/gm)].map((m) => m[1] ?? m[2]!));
    // (a specifier has no white space: text such as "found to import\n" in a bundled string is no import)
    expect(specifiers.size).toBeGreaterThan(0);
    const packageName = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    const outside = [...specifiers].filter(
      (s) => !s.startsWith('node:') && !builtinModules.includes(s) && packageName(s) !== 'electron' && !(packageName(s) in pkg.dependencies),
    );
    expect(outside).toEqual([]);
    expect([...specifiers].some((s) => s.startsWith('.'))).toBe(false); // bundled: no loose relative module
  });

  it('preload.cjs (sandboxed) requires nothing but electron', () => {
    const preload = readFileSync(rel('dist/electron/preload.cjs'), 'utf8');
    const required = new Set([...preload.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]));
    expect([...required]).toEqual(['electron']);
  });
});
