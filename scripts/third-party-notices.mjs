// THIRD-PARTY-NOTICES for what the installers ship: the production dependencies (electron-builder
// copies them from node_modules) and the packages Vite bundles into the window (React, zustand),
// each with its version, licence and licence text, collected from the installed packages through
// package-lock.json. Electron's and Chromium's own notices come with the Electron binary
// (LICENSE, LICENSES.chromium.html beside the executable).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Bundled into the renderer from devDependencies (the window's own code): shipped, so noticed too. */
export const RENDERER_BUNDLED = ['react', 'react-dom', 'zustand', 'react-i18next'];

/** The shipped packages, by name, each once: their lockfile dependencies followed from the roots. */
export function shippedPackages(root) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')).packages;
  const found = new Map();
  // npm's resolution: a dependency of node_modules/a lives in node_modules/a/node_modules/b, else further up
  const resolve = (from, name) => {
    for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
      const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (lock[key]) return key;
      if (!dir) return null;
    }
  };
  // From the production roots only production packages (a dev-only optional one, such as a build
  // tool's native binary, is not shipped); from the renderer's roots what the bundle holds.
  const visit = (key, bundled) => {
    if (!key || found.has(key) || (lock[key].dev && !bundled)) return;
    const entry = lock[key];
    found.set(key, entry);
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(resolve(key, name), bundled);
  };
  for (const name of Object.keys(manifest.dependencies ?? {})) visit(resolve('', name), false);
  for (const name of RENDERER_BUNDLED) visit(resolve('', name), true);
  const byName = new Map();
  for (const [key, entry] of found) {
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const id = `${name}@${entry.version}`;
    const dir = path.join(root, key);
    const own = existsSync(path.join(dir, 'package.json')) ? JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) : {};
    // the old `licenses: [{ type }]` form of a few packages (ssh2) is what the lockfile leaves out
    const license = entry.license ?? own.license ?? (Array.isArray(own.licenses) ? own.licenses.map((l) => l.type).join(' OR ') : undefined) ?? 'UNKNOWN';
    if (!byName.has(id)) byName.set(id, { name, version: entry.version, license, dir });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
}

/** The notices file's text. */
export function thirdPartyNotices(root) {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const packages = shippedPackages(root);
  const parts = [
    `${manifest.productName} ${manifest.version} is licensed ${manifest.license}. It ships the following ${packages.length} packages, each under its own licence.`,
    'Electron and Chromium: see LICENSE and LICENSES.chromium.html beside the program.',
  ];
  for (const pkg of packages) {
    const files = existsSync(pkg.dir) ? readdirSync(pkg.dir).filter((name) => /^(licen[cs]e|copying|notice)/i.test(name)).sort() : [];
    const texts = files.map((name) => readFileSync(path.join(pkg.dir, name), 'utf8').trim());
    parts.push(`${'='.repeat(78)}\n${pkg.name} ${pkg.version} (${pkg.license})\n${'-'.repeat(78)}\n${texts.join('\n\n') || `No licence file is included in the package; its package.json names the licence ${pkg.license}.`}`);
  }
  return `${parts.join('\n\n')}\n`;
}
