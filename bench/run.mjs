// Runs a benchmark: `node bench/run.mjs NAME [args]` bundles bench/NAME/*.ts with esbuild and runs main.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { build } from 'esbuild';

const [name, ...args] = process.argv.slice(2);
if (!name) {
  console.error(`usage: node bench/run.mjs NAME   (one of: ${readdirSync('bench', { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'out').map((d) => d.name).join(', ')})`);
  process.exit(2);
}
const entries = readdirSync(`bench/${name}`).filter((f) => f.endsWith('.ts'));
await build({
  entryPoints: entries.map((f) => `bench/${name}/${f}`),
  outdir: `bench/out/${name}`,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, [`bench/out/${name}/main.mjs`, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
