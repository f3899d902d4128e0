// Builds the three parts without needing the Electron binary: renderer (Vite), Electron main and
// preload (esbuild, electron external), and the command line (esbuild, dependencies external).
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { thirdPartyNotices } from './third-party-notices.mjs';

rmSync('dist', { recursive: true, force: true });

await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });

// The commit the About card names; a build outside a git checkout (a source tarball) says so.
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  // not a git checkout
}
const node = { bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning', define: { __AUCMEDI_DESK_COMMIT__: JSON.stringify(commit) } };
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
writeFileSync('dist/THIRD-PARTY-NOTICES', thirdPartyNotices('.'));
console.log('built dist/renderer, dist/electron/main.mjs, dist/electron/preload.cjs, dist/cli/aucmedi-desk.mjs, dist/{cli,electron}/dicom-worker.mjs, dist/THIRD-PARTY-NOTICES');
