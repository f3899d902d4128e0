// Builds the three parts without needing the Electron binary: renderer (Vite), Electron main and
// preload (esbuild, electron external), and the command line (esbuild, dependencies external).
import { chmodSync, rmSync } from 'node:fs';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

rmSync('dist', { recursive: true, force: true });

await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });

const node = { bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' };
await Promise.all([
  esbuild({ ...node, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.mjs', format: 'esm', external: ['electron'] }),
  // A sandboxed preload is a classic script: CommonJS, everything but electron bundled in.
  esbuild({ ...node, packages: undefined, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'] }),
  // The DICOM conversion worker thread, beside each bundle that starts it (src/dicom/threads.ts).
  ...['dist/cli', 'dist/electron'].map((dir) => esbuild({ ...node, entryPoints: ['src/dicom/worker.ts'], outfile: `${dir}/dicom-worker.mjs`, format: 'esm' })),
  esbuild({
    ...node,
    entryPoints: ['src/cli/bin.ts'],
    outfile: 'dist/cli/aucmedi-desk.mjs',
    format: 'esm',
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
chmodSync('dist/cli/aucmedi-desk.mjs', 0o755);
console.log('built dist/renderer, dist/electron/main.mjs, dist/electron/preload.cjs, dist/cli/aucmedi-desk.mjs, dist/{cli,electron}/dicom-worker.mjs');
