import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { shippedPackages, thirdPartyNotices } from '../../../scripts/third-party-notices.mjs';
import { requireBuild } from '../../helpers/requirements';

type Shipped = { name: string; version: string; license: string };

describe('THIRD-PARTY-NOTICES (collected at build time from the installed packages)', () => {
  const shipped = (shippedPackages('.') as Shipped[]).map((pkg) => pkg.name);

  it('lists the production dependencies and what the window bundles, with their dependencies, and no build or test tool', () => {
    for (const name of ['dockerode', 'ssh2', 'zod', 'yauzl', 'tar', 'pngjs', 'electron-store', '@cornerstonejs/codec-openjpeg', 'react', 'react-dom', 'scheduler', 'zustand']) expect(shipped, name).toContain(name);
    for (const name of ['vitest', 'typescript', 'vite', 'esbuild', 'electron', 'electron-builder', 'playwright-core', '@doyensec/electronegativity']) expect(shipped, name).not.toContain(name);
    expect((shippedPackages('.') as Shipped[]).filter((pkg) => pkg.license === 'UNKNOWN').map((pkg) => pkg.name)).toEqual([]); // each names its licence
  });

  it('carries each package\'s licence text', () => {
    const text: string = thirdPartyNotices('.');
    expect(text).toMatch(/^AUCMEDI Desk \d+\.\d+\.\d+ is licensed GPL-3\.0-or-later\./);
    const section = (name: string) => text.slice(text.indexOf(`\n${name} `), text.indexOf('='.repeat(78), text.indexOf(`\n${name} `)));
    expect(section('dockerode')).toMatch(/\(Apache-2\.0\)[\s\S]*Apache License/);
    expect(section('react')).toMatch(/\(MIT\)[\s\S]*Permission is hereby granted/);
    expect(section('ssh2')).toMatch(/\(MIT\)/); // the old `licenses` array form, which the lockfile leaves out
  });

  it.runIf(requireBuild())('is written by npm run build as dist/THIRD-PARTY-NOTICES', () => {
    expect(existsSync('dist/THIRD-PARTY-NOTICES')).toBe(true);
    expect(readFileSync('dist/THIRD-PARTY-NOTICES', 'utf8')).toBe(thirdPartyNotices('.'));
  });
});
