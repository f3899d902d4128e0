// Exploration: where the loader's time goes. `node bench/run.mjs image-load` does not run this file;
// run bench/out/image-load/variants.mjs FILE after it was bundled.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import Docker from 'dockerode';
import { loadImageTarball } from '../../src/engine/image-load';

const file = process.argv[2]!;
const variant = process.argv[3]!;
const docker = new Docker();
const drain = (res: NodeJS.ReadableStream) => new Promise((r) => { res.on('data', () => {}); res.on('end', r); });
const t = performance.now();
if (variant === 'core') await loadImageTarball(docker, file);
else if (variant === 'raw') await drain(await docker.loadImage(createReadStream(file, { highWaterMark: 1 << 20 })));
else if (variant === 'hash') {
  const h = createHash('sha256');
  const tr = new Transform({ transform(c, _e, cb) { h.update(c); cb(null, c); } });
  createReadStream(file, { highWaterMark: 1 << 20 }).pipe(tr);
  await drain(await docker.loadImage(tr as unknown as NodeJS.ReadableStream));
}
else if (variant === 'worker') {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(`const { parentPort } = require('node:worker_threads'); const h = require('node:crypto').createHash('sha256');
parentPort.on('message', (m) => { if (m === null) parentPort.postMessage(h.digest('hex')); else h.update(m); });`, { eval: true });
  const src = createReadStream(file, { highWaterMark: 1 << 20 });
  src.on('data', (c) => worker.postMessage(c));
  const res = await docker.loadImage(src);
  await drain(res);
  worker.postMessage(null);
  await new Promise((r) => worker.once('message', r));
  await worker.terminate();
} else if (variant === 'tap') {
  const h = createHash('sha256');
  const src = createReadStream(file, { highWaterMark: 1 << 20 });
  src.on('data', (c) => h.update(c));
  await drain(await docker.loadImage(src));
  h.digest('hex');
}
console.log(variant, Math.round(performance.now() - t));
