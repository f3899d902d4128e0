// One upload (`in`) or download (`out`) through src/engine/staging.ts, in its own process so its memory is its own.
// Prints {"ms": ..., "uploadMs": ..., "maxRssMiB": ...}.
import { createDockerClient } from '../../src/engine/client';
import { endpointForEntry } from '../../src/engine/engines';
import { stageIn, stageOut } from '../../src/engine/staging';

const [mode, entryJson, image, volume, dir] = process.argv.slice(2) as [string, string, string, string, string];
const docker = createDockerClient(endpointForEntry(JSON.parse(entryJson), { env: process.env, platform: process.platform, homedir: '/nonexistent' }));
await docker.ping();
let peak = process.memoryUsage().rss / 2 ** 20;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20)), 20);
const started = performance.now();
let uploadMs = 0;
if (mode === 'in') {
  await stageIn(docker, [{ hostPath: dir, at: 'dataset' }], { image, volume, onProgress: (p) => void (p.phase === 'verifying' && !uploadMs && (uploadMs = performance.now() - started)) });
} else {
  await stageOut(docker, dir, { image, volume });
}
const ms = performance.now() - started;
clearInterval(sampler);
console.log(JSON.stringify({ ms, uploadMs: uploadMs || ms, maxRssMiB: Math.max(peak, process.memoryUsage().rss / 2 ** 20) }));
