/**
 * Weights archives made to mislead, built byte by byte (test/helpers/hostile-archives.ts): ZIP
 * entries with a wrong CRC or lying sizes, a real zip bomb, tar entries whose pax size disagrees
 * with their header, link entries; and folders deeper than four levels or with a link loop. Each
 * bad entry is refused by name, alone, and leaves nothing in the weights folder.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UserErrorException } from '../../../src/api/errors';
import { importWeights, type ImportProgress } from '../../../src/weights/import';
import { deflatedZeros, HDF5_SIGNATURE, paxHeader, TAR_END, tarFile, tarHeader, zipArchive } from '../../helpers/hostile-archives';
import { tempDir } from '../../helpers/temp';

const h5 = (size: number) => Buffer.concat([HDF5_SIGNATURE, randomBytes(size - HDF5_SIGNATURE.length)]);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** The weights folder holds exactly these files (and SHA256SUMS when any), no partial file. */
const folderOf = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

function archive(dir: string, name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('weights archives that lie: each bad entry refused by name, the rest imported', () => {
  it('refuses a stored ZIP entry whose CRC-32 does not match, and keeps it out of SHA256SUMS', async () => {
    const dir = tempDir('aucmedi-hostile-crc-');
    const good = h5(5000);
    const bad = h5(4000);
    const zip = archive(dir, 'w.zip', zipArchive([
      { name: 'models/bad_notop.h5', data: bad, method: 0, crc: crc32(bad) ^ 1 },
      { name: 'models/good_notop.h5', data: good, method: 0 },
    ]));
    const weights = path.join(dir, 'weights');
    const result = await importWeights(zip, weights);
    expect(result.refused).toMatchObject([{ name: 'models/bad_notop.h5', reason: 'its content does not match its CRC-32 checksum: the archive is damaged' }]);
    expect(result.imported.map((f) => [f.name, f.sha256])).toEqual([['good_notop.h5', sha(good)]]);
    expect(folderOf(weights)).toEqual(['SHA256SUMS', 'good_notop.h5']);
    expect(readFileSync(path.join(weights, 'SHA256SUMS'), 'utf8')).not.toContain('bad_notop.h5');
  });

  it('never copies past an entry: a compressed size reaching into the central directory is refused or read only as far as the data goes', async () => {
    const dir = tempDir('aucmedi-hostile-csize-');
    const data = h5(3000);
    const next = h5(2000);
    // Stored, the compressed size 200 bytes too large (the sizes disagree): refused before reading.
    const lyingStored = archive(dir, 'a.zip', zipArchive([{ name: 'a_notop.h5', data, method: 0, compressedSize: data.length + 200 }, { name: 'n_notop.h5', data: next, method: 0 }]));
    // Stored, both sizes 200 bytes too large: the copy would take the next entry's header; the CRC says no.
    const bothLie = archive(dir, 'b.zip', zipArchive([{ name: 'a_notop.h5', data, method: 0, compressedSize: data.length + 200, size: data.length + 200 }, { name: 'n_notop.h5', data: next, method: 0 }]));
    // Deflated, the compressed size too large: the deflate stream ends where it ends, nothing more is written.
    const deflated = archive(dir, 'c.zip', zipArchive([{ name: 'a_notop.h5', data, compressedSize: 4000 }, { name: 'n_notop.h5', data: next }]));

    const a = await importWeights(lyingStored, path.join(dir, 'wa'));
    expect(a.refused).toMatchObject([{ name: 'a_notop.h5', reason: `the archive declares ${data.length + 200} stored bytes for a file of ${data.length} bytes: it is damaged or made to mislead` }]);
    expect(folderOf(path.join(dir, 'wa'))).toEqual(['SHA256SUMS', 'n_notop.h5']);

    const b = await importWeights(bothLie, path.join(dir, 'wb'));
    expect(b.refused.map((r) => r.name)).toEqual(['a_notop.h5']);
    expect(b.refused[0]!.reason).toMatch(/CRC-32/);
    expect(folderOf(path.join(dir, 'wb'))).toEqual(['SHA256SUMS', 'n_notop.h5']);

    const c = await importWeights(deflated, path.join(dir, 'wc'));
    expect(c.refused.map((r) => r.name)).toEqual([]);
    expect(readFileSync(path.join(dir, 'wc', 'a_notop.h5')).equals(data)).toBe(true);
  });

  it('stops a real zip bomb (about 1 MB inflating to 1 GiB, declared 1008 bytes) at its declared size, writing nothing, in little memory', async () => {
    const dir = tempDir('aucmedi-hostile-bomb-');
    const { packed, crc } = await deflatedZeros(2 ** 30);
    expect(packed.length).toBeLessThan(1.2 * 2 ** 20);
    const good = h5(3000);
    const zip = archive(dir, 'bomb.zip', zipArchive([{ name: 'bomb_notop.h5', data: Buffer.alloc(0), packed, crc, size: 1008 }, { name: 'good_notop.h5', data: good }]));
    const weights = path.join(dir, 'weights');
    const progress: ImportProgress[] = [];
    const rssBefore = process.memoryUsage.rss();
    const started = performance.now();
    const result = await importWeights(zip, weights, { onProgress: (p) => progress.push(p) });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(process.memoryUsage.rss() - rssBefore).toBeLessThan(100 * 2 ** 20);
    expect(result.refused).toMatchObject([{ name: 'bomb_notop.h5', reason: 'it unpacks to more than the 1008 bytes the archive declares for it (a damaged archive or a zip bomb)' }]);
    expect(result.imported.map((f) => f.name)).toEqual(['good_notop.h5']);
    expect(Math.max(0, ...progress.filter((p) => p.file === 'bomb_notop.h5').map((p) => p.bytesDone))).toBeLessThanOrEqual(1008);
    expect(folderOf(weights)).toEqual(['SHA256SUMS', 'good_notop.h5']);
  });

  it('checks the content on the first bytes: a large entry that is not HDF5 is refused before anything is written', async () => {
    const dir = tempDir('aucmedi-hostile-head-');
    const { packed, crc } = await deflatedZeros(64 * 2 ** 20);
    // The same bytes, but without the HDF5 signature in front: deflate a fresh 64 MiB of zeros instead.
    const zeros = zipArchive([{ name: 'zeros_notop.h5', data: Buffer.alloc(0), packed: (await import('node:zlib')).deflateRawSync(Buffer.alloc(64 * 2 ** 20)), crc: crc32(Buffer.alloc(64 * 2 ** 20)), size: 64 * 2 ** 20 }, { name: 'ok_notop.h5', data: Buffer.alloc(0), packed, crc, size: 64 * 2 ** 20 }]);
    const weights = path.join(dir, 'weights');
    const progress: ImportProgress[] = [];
    const result = await importWeights(archive(dir, 'z.zip', zeros), weights, { onProgress: (p) => progress.push(p) });
    expect(result.refused).toMatchObject([{ name: 'zeros_notop.h5', reason: 'named like weights, but its content is not HDF5 data' }]);
    expect(progress.filter((p) => p.file === 'zeros_notop.h5')).toEqual([]);
    expect(result.imported.map((f) => [f.name, f.sizeBytes])).toEqual([['ok_notop.h5', 64 * 2 ** 20]]);
  });

  it('refuses a tar entry whose pax size disagrees with where its data ends, and imports none of the next entry\'s bytes', async () => {
    const dir = tempDir('aucmedi-hostile-pax-');
    const first = h5(1000);
    const second = h5(2008);
    const bigger = archive(dir, 'bigger.tar', Buffer.concat([tarFile('ok_notop.h5', h5(600)), paxHeader({ size: '3000' }), tarFile('first_notop.h5', first), tarFile('second_notop.h5', second), TAR_END]));
    const smaller = archive(dir, 'smaller.tar', Buffer.concat([paxHeader({ size: '500' }), tarFile('first_notop.h5', first), tarFile('second_notop.h5', second), TAR_END]));
    for (const [tar, weights] of [[bigger, path.join(dir, 'w1')], [smaller, path.join(dir, 'w2')]] as const) {
      const result = await importWeights(tar, weights);
      expect(result.refused.map((r) => r.name)).toEqual(['first_notop.h5']);
      expect(result.refused[0]!.reason).toMatch(/^the archive is damaged right after it \(the next tar header does not check out: (checksum failure|invalid base256 encoding|parsed number outside of javascript safe integer range)\), so its size cannot be trusted; nothing after it was read$/);
      expect(folderOf(weights).filter((name) => name !== 'SHA256SUMS' && name !== 'ok_notop.h5')).toEqual([]);
    }
  });

  it('reads a tar whose pax size is not a number by its header size, and never advises about free space for a damaged archive', async () => {
    const dir = tempDir('aucmedi-hostile-pax-nan-');
    const first = h5(1000);
    const second = h5(2008);
    const tar = archive(dir, 'nan.tar', Buffer.concat([paxHeader({ size: 'abc' }), tarFile('first_notop.h5', first), tarFile('second_notop.h5', second), TAR_END]));
    const result = await importWeights(tar, path.join(dir, 'w'));
    expect(result.refused).toEqual([]);
    expect(result.imported.map((f) => [f.name, f.sha256])).toEqual([['first_notop.h5', sha(first)], ['second_notop.h5', sha(second)]]);

    const garbage = archive(dir, 'garbage.tar', Buffer.concat([paxHeader({ size: 'x' }), Buffer.alloc(1024, 7)]));
    const error = await importWeights(garbage, path.join(dir, 'w2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserErrorException);
    expect((error as UserErrorException).userError).toMatchObject({ code: 'WEIGHTS_SOURCE_UNUSABLE', message: 'garbage.tar is damaged or cut short.' });
    expect((error as UserErrorException).userError.action).not.toMatch(/space/);
    // Cut inside the second file: the first is imported, the second refused as cut short.
    const cut = archive(dir, 'cut.tar', Buffer.concat([tarFile('first_notop.h5', first), tarFile('second_notop.h5', second)]).subarray(0, 512 * 3 + 1024));
    const partial = await importWeights(cut, path.join(dir, 'w3'));
    expect(partial.imported.map((f) => f.name)).toEqual(['first_notop.h5']);
    expect(partial.refused.map((r) => r.name)).toEqual(['second_notop.h5', 'cut.tar']);
    expect(JSON.stringify(partial.refused)).not.toMatch(/space/);
    expect(folderOf(path.join(dir, 'w3'))).toEqual(['SHA256SUMS', 'first_notop.h5']);
  });

  it('names link entries of a tar and a zip as refused, with where they point', async () => {
    const dir = tempDir('aucmedi-hostile-links-');
    const real = h5(1500);
    const tar = archive(dir, 'links.tar', Buffer.concat([tarHeader('models/sym_notop.h5', 0, '2', '/etc/passwd'), tarFile('models/real_notop.h5', real), tarHeader('models/hard_notop.h5', 0, '1', 'models/real_notop.h5'), TAR_END]));
    const result = await importWeights(tar, path.join(dir, 'w1'));
    expect(result.imported.map((f) => f.name)).toEqual(['real_notop.h5']);
    expect(result.refused).toMatchObject([
      { name: 'models/sym_notop.h5', reason: 'a symbolic link to /etc/passwd: links are not followed; put the file itself in the archive' },
      { name: 'models/hard_notop.h5', reason: 'a hard link to models/real_notop.h5: links are not followed; put the file itself in the archive' },
    ]);
    const zip = archive(dir, 'links.zip', zipArchive([{ name: 'sym_notop.h5', data: Buffer.from('/etc/passwd'), method: 0, unixMode: 0o120777 }, { name: 'real_notop.h5', data: real }]));
    const fromZip = await importWeights(zip, path.join(dir, 'w2'));
    expect(fromZip.refused).toMatchObject([{ name: 'sym_notop.h5', reason: 'a symbolic link: links are not followed; put the file itself in the archive' }]);
    expect(fromZip.imported.map((f) => f.name)).toEqual(['real_notop.h5']);
  });

  it('searches a folder to any depth, follows links once (a link loop ends), and names what is not a regular file', async () => {
    const dir = tempDir('aucmedi-hostile-deep-');
    const source = path.join(dir, 'src');
    const deep = path.join(source, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
    mkdirSync(deep, { recursive: true });
    const deepFile = h5(2000);
    writeFileSync(path.join(deep, 'deep_notop.h5'), deepFile);
    symlinkSync(source, path.join(source, 'a', 'b', 'loop'));
    const elsewhere = path.join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const linked = h5(1200);
    writeFileSync(path.join(elsewhere, 'linked_notop.h5'), linked);
    symlinkSync(path.join(elsewhere, 'linked_notop.h5'), path.join(source, 'linked_notop.h5'));
    symlinkSync(path.join(dir, 'nowhere'), path.join(source, 'dangling_notop.h5'));
    execFileSync('mkfifo', [path.join(source, 'fifo_notop.h5')]);
    const result = await importWeights(source, path.join(dir, 'weights'));
    expect(result.imported.map((f) => [f.name, f.sha256]).sort()).toEqual([['deep_notop.h5', sha(deepFile)], ['linked_notop.h5', sha(linked)]]);
    expect(result.refused.sort((x, y) => x.name.localeCompare(y.name))).toMatchObject([
      { name: 'dangling_notop.h5', reason: 'a link that points nowhere' },
      { name: 'fifo_notop.h5', reason: 'not a regular file (a pipe, socket or device)' },
    ]);
  });

  it('writes nothing outside the weights folder for entry names with ../ or an absolute path', async () => {
    const dir = tempDir('aucmedi-hostile-traversal-');
    const weights = path.join(dir, 'deep', 'weights');
    const one = h5(900);
    const two = h5(700);
    const zip = archive(dir, 't.zip', zipArchive([{ name: '../../../escaped_notop.h5', data: one }, { name: '/tmp/absolute_notop.h5', data: two }, { name: '..\\..\\backslash_notop.h5', data: h5(500) }]));
    const tar = archive(dir, 't.tar', Buffer.concat([tarFile('../../../escaped_notop.h5', one), tarFile('/tmp/absolute_notop.h5', two), TAR_END]));
    for (const source of [zip, tar]) {
      const result = await importWeights(source, weights);
      expect(result.refused).toEqual([]);
    }
    expect(folderOf(weights)).toEqual(['SHA256SUMS', 'absolute_notop.h5', 'backslash_notop.h5', 'escaped_notop.h5']);
    expect(readdirSync(dir).sort()).toEqual(['deep', 't.tar', 't.zip']);
    expect(readdirSync(path.join(dir, 'deep'))).toEqual(['weights']);
    expect(existsSync('/tmp/absolute_notop.h5')).toBe(false);
  });
});
