// Exploration: the loader before and after, on one tarball, for the figures in src/engine/hashed-upload.ts.
// `node bench/run.mjs image-load` does not run this file; after it has bundled it, run
//   node bench/out/image-load/variants.mjs FILE core|pipe|pipe-hash     (then `docker rmi` the image)
// and `sync` before each, as the bench does.
//   core:      the loader (shared buffers, own request with Content-Length, hashing in a worker)
//   pipe:      a read stream piped into dockerode's loadImage, no hashing
//   pipe-hash: the same through a hashing Transform on the main thread (the loader before)
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import Docker from 'dockerode';
import { loadImageTarball } from '../../src/engine/image-load';

const [file, variant] = process.argv.slice(2) as [string, string];
const docker = new Docker();
const drain = (response: NodeJS.ReadableStream) => new Promise((resolve) => response.on('data', () => {}).on('end', resolve));
const source = () => createReadStream(file, { highWaterMark: 1 << 20 });
const started = performance.now();
if (variant === 'core') await loadImageTarball(docker, file);
else if (variant === 'pipe') await drain(await docker.loadImage(source()));
else if (variant === 'pipe-hash') {
  const hash = createHash('sha256');
  const hashing = new Transform({ transform: (chunk: Buffer, _encoding, callback) => callback(null, hash.update(chunk) && chunk) });
  await drain(await docker.loadImage(source().pipe(hashing) as unknown as NodeJS.ReadableStream));
} else throw new Error(`unknown variant ${variant}`);
console.log(variant, Math.round(performance.now() - started), 'ms');
