import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { ArchiveBody } from '../../../src/engine/archive-packer';
import { tarHeader } from '../../../src/engine/tar-header';
import { tempDir } from '../../helpers/temp';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A request body's sink as docker-modem gives it (write with a callback, end), keeping what it was given. */
class Collect extends Writable {
  readonly parts: Buffer[] = [];
  constructor(private readonly slow = false) {
    super({ highWaterMark: 1 });
  }
  override _write(chunk: Buffer, _encoding: string, callback: () => void) {
    this.parts.push(Buffer.from(chunk)); // a copy: the packer reuses the buffer once the callback ran
    if (this.slow) setTimeout(callback, 1);
    else callback();
  }
  get data() {
    return Buffer.concat(this.parts);
  }
}

async function extract(archive: Buffer): Promise<Map<string, { type: string; data: Buffer }>> {
  const found = new Map<string, { type: string; data: Buffer }>();
  const reader = tar.extract();
  reader.on('entry', (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (chunk) => parts.push(chunk as Buffer));
    stream.on('end', () => {
      found.set(header.name, { type: header.type ?? 'file', data: Buffer.concat(parts) });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    reader.on('finish', resolve).on('error', reject);
    reader.end(archive);
  });
  return found;
}

describe('tar headers', () => {
  const names = [
    'plain.png',
    `${'deep/'.repeat(30)}image.png`, // over 100 bytes: ustar prefix + name
    `${'x'.repeat(120)}.png`, // no split fits: pax path
    'Röntgen/Thorax ä 肺.png', // not ASCII: pax path
  ];

  it('are read back as written, by tar-stream and by GNU tar', async () => {
    const parts: Buffer[] = [];
    for (const [i, name] of names.entries()) {
      const data = Buffer.from(`content ${i}`);
      parts.push(tarHeader({ name, type: 'file', size: data.length, mode: 0o644, mtime: 1_700_000_000 }), data, Buffer.alloc(512 - data.length));
    }
    parts.push(tarHeader({ name: 'folder', type: 'directory', size: 0, mode: 0o755, mtime: 1_700_000_000 }), Buffer.alloc(1024));
    const archive = Buffer.concat(parts);
    const found = await extract(archive);
    for (const [i, name] of names.entries()) expect(found.get(name)?.data.toString()).toBe(`content ${i}`);
    expect(found.get('folder/')?.type ?? found.get('folder')?.type).toBe('directory');

    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.tar'), archive);
    const listed = spawnSync('tar', ['-tf', path.join(dir, 'a.tar')], { encoding: 'utf8' });
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n')).toEqual([...names, 'folder/']);
  });

  it('say a size of 8 GiB or more in a pax record', () => {
    const size = 10 * 1024 ** 3;
    const header = tarHeader({ name: 'model.keras', type: 'file', size, mode: 0o644, mtime: 0 });
    expect(header.length).toBe(3 * 512);
    const record = header.subarray(512, 1024).toString('utf8').replace(/\0+$/, '');
    expect(record).toBe(`${record.length} size=${size}\n`);
  });
});

describe('ArchiveBody', () => {
  it('packs every file across buffer boundaries, with each file\'s SHA-256', async () => {
    const dir = tempDir();
    const sizes = [0, 1, 511, 512, 513, 3 * 1024 * 1024 + 7, ...Array.from({ length: 300 }, (_, i) => (i * 7919) % 60_000)];
    const expected = new Map<string, Buffer>();
    for (const [i, size] of sizes.entries()) {
      const rel = `class${i % 3}/image${i}.png`;
      mkdirSync(path.join(dir, `class${i % 3}`), { recursive: true });
      const data = randomBytes(size);
      writeFileSync(path.join(dir, rel), data);
      expected.set(`dataset/${rel}`, data);
    }
    const body = await ArchiveBody.open([{ hostPath: dir, at: 'dataset' }]);
    expect(body.files.length).toBe(sizes.length);
    expect(body.dirs).toEqual(['dataset', 'dataset/class0', 'dataset/class1', 'dataset/class2']);
    const sink = new Collect(true);
    body.pipe(sink);
    const hashes = await body.hashes;
    await finished(sink);
    expect(new Map(hashes)).toEqual(new Map([...expected].map(([rel, data]) => [rel, sha256(data)])));
    const found = await extract(sink.data);
    for (const [rel, data] of expected) expect(found.get(rel)?.data.equals(data), rel).toBe(true);
    expect(found.get('dataset/class1/')?.type ?? found.get('dataset/class1')?.type).toBe('directory');
  });

  it('fails when a file changed size after it was listed', async () => {
    for (const change of ['grew', 'shrank'] as const) {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'a.png'), randomBytes(5000));
      const body = await ArchiveBody.open([{ hostPath: dir, at: '' }]);
      if (change === 'grew') appendFileSync(path.join(dir, 'a.png'), 'more');
      else truncateSync(path.join(dir, 'a.png'), 100);
      const errors: Error[] = [];
      body.on('error', (error: Error) => errors.push(error));
      body.pipe(new Collect());
      await expect(body.hashes).rejects.toThrow(/a\.png changed while it was sent/);
      expect(errors).toHaveLength(1);
    }
  });

  it('stops when destroyed halfway, and says so once', async () => {
    const dir = tempDir();
    for (let i = 0; i < 50; i++) writeFileSync(path.join(dir, `f${i}`), randomBytes(200_000));
    const body = await ArchiveBody.open([{ hostPath: dir, at: '' }]);
    const errors: Error[] = [];
    body.on('error', (error: Error) => errors.push(error));
    const sink = new Collect(true);
    body.pipe(sink);
    await new Promise((resolve) => setTimeout(resolve, 5));
    body.destroy(new Error('cancelled'));
    await expect(body.hashes).rejects.toThrow('cancelled');
    await body.close();
    expect(errors.map((error) => error.message)).toEqual(['cancelled']);
    expect(sink.data.length).toBeLessThan(50 * 200_000);
  });

  it('refuses a source that is not there', async () => {
    await expect(ArchiveBody.open([{ hostPath: path.join(tempDir(), 'missing'), at: '' }])).rejects.toThrow(/ENOENT/);
  });

  it('keeps a file given as the source under its own name', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'weights.h5'), 'w');
    const body = await ArchiveBody.open([{ hostPath: path.join(dir, 'weights.h5'), at: 'weights/x.h5' }]);
    const sink = new Collect();
    body.pipe(sink);
    expect(await body.hashes).toEqual([['weights/x.h5', sha256(readFileSync(path.join(dir, 'weights.h5')))]]);
  });
});
