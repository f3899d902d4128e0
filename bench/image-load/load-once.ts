// One load of an image tarball through the core's loader, in its own process so its memory is its own.
// Prints {"ms": ..., "maxRssMiB": ..., "baselineRssMiB": ..., "checksum": ...}.
import Docker from 'dockerode';
import { loadImageTarball } from '../../src/engine/image-load';

const file = process.argv[2]!;
const docker = new Docker();
await docker.ping();
const baselineRssMiB = process.memoryUsage().rss / 2 ** 20;
let peak = baselineRssMiB;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20)), 20);
const started = performance.now();
const result = await loadImageTarball(docker, file);
const ms = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20);
console.log(JSON.stringify({ ms, maxRssMiB: peak, baselineRssMiB, checksum: result.checksum }));
