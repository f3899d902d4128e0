import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, truncateSync, utimesSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserErrorException } from '../../../src/api/errors';
import { importWeights, listWeights } from '../../../src/weights/import';
import { tempDir } from '../../helpers/temp';
import { writeZip } from '../../helpers/zip';

const HDF5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const h5 = (size = 300_000) => Buffer.concat([HDF5, randomBytes(size)]);
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const errorOf = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  if (!(error instanceof UserErrorException)) throw new Error(`expected a UserError, got ${String(error)}`);
  return error.userError;
};

describe('importing pretrained weights into the weights folder', () => {
  it('copies weights from a folder (any depth), refuses what is not weights, keeps a SHA256SUMS that sha256sum accepts', async () => {
    const dir = tempDir('aucmedi-weights-');
    const source = path.join(dir, 'keras-models');
    mkdirSync(path.join(source, 'sub'), { recursive: true });
    const densenet = h5();
    const effnet = h5(50_000);
    writeFileSync(path.join(source, 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5'), densenet);
    writeFileSync(path.join(source, 'sub', 'efficientnetb0_notop.h5'), effnet);
    writeFileSync(path.join(source, 'readme.txt'), 'notes');
    writeFileSync(path.join(source, 'fake.h5'), 'this is text, not HDF5');
    const weights = path.join(dir, 'weights');
    const progress: number[] = [];
    const result = await importWeights(source, weights, { onProgress: (p) => progress.push(p.bytesDone) });

    expect(result.imported.map((f) => f.name).sort()).toEqual(['densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5', 'efficientnetb0_notop.h5']);
    expect(result.imported.find((f) => f.name.startsWith('densenet'))).toMatchObject({ sizeBytes: densenet.length, sha256: sha(densenet) });
    expect(result.refused).toHaveLength(2);
    expect(result.refused).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'fake.h5', reason: 'named like weights, but its content is not HDF5 data' }),
        expect.objectContaining({ name: 'readme.txt', reason: 'not a weights file (Keras weights end in .h5 or .keras)' }),
      ]),
    );
    expect(readdirSync(weights).sort()).toEqual(['SHA256SUMS', 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5', 'efficientnetb0_notop.h5']);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: weights, encoding: 'utf8' })).toMatch(/densenet121.*: OK\n.*efficientnetb0_notop.h5: OK/);
    expect(progress.at(-1)).toBe(densenet.length + effnet.length + 'this is text, not HDF5'.length);
    expect(progress.every((v, i) => i === 0 || v >= progress[i - 1]!)).toBe(true);
    expect(await listWeights(weights)).toEqual(result.imported.sort((a, b) => a.name.localeCompare(b.name)));

    // again: the same files are skipped; a different file under a taken name is refused, nothing overwritten
    writeFileSync(path.join(source, 'sub', 'efficientnetb0_notop.h5'), h5(1000));
    const again = await importWeights(source, weights);
    expect(again.imported).toEqual([]);
    expect(again.skipped).toMatchObject([{ name: 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5', reason: 'already in the weights folder' }]);
    expect(again.refused.find((r) => r.name.endsWith('efficientnetb0_notop.h5'))?.reason).toMatch(/different file named efficientnetb0_notop.h5 is already/);
    expect(readFileSync(path.join(weights, 'efficientnetb0_notop.h5')).equals(effnet)).toBe(true);
    expect(readdirSync(weights).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('reads a .zip (deflated), a ZIP64 .zip, a plain .tar with long names and a .tar.gz, and refuses a damaged archive and other files with a sentence', async () => {
    const dir = tempDir('aucmedi-weights-archives-');
    const convnext = h5(120_000);
    const keras = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(2000)]);
    writeFileSync(path.join(dir, 'staging-convnext.h5'), convnext);
    const zip = path.join(dir, 'weights.zip');
    writeZip(zip, { 'models/convnext_tiny_notop.h5': convnext, 'models/model.keras': keras, 'models/notes.md': Buffer.from('x') });
    const fromZip = await importWeights(zip, path.join(dir, 'w1'));
    expect(fromZip.imported.map((f) => [f.name, f.sha256])).toEqual([['convnext_tiny_notop.h5', sha(convnext)], ['model.keras', sha(keras)]]);
    expect(fromZip.refused.map((r) => r.name)).toEqual(['models/notes.md']);

    const staging = path.join(dir, 'staging', 'a'.repeat(90), 'b'.repeat(60));
    mkdirSync(staging, { recursive: true });
    const resnet = h5(70_000);
    writeFileSync(path.join(staging, 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5'), resnet);
    const tar = path.join(dir, 'weights.tar');
    execFileSync('tar', ['-cf', tar, '-C', path.join(dir, 'staging'), '.']);
    const fromTar = await importWeights(tar, path.join(dir, 'w2'));
    expect(fromTar.imported).toEqual([{ name: 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5', sizeBytes: resnet.length, sha256: sha(resnet), md5: md5(resnet) }]);

    // keras-weights.tar.gz, as the offline bundle's README names it: read, progress counted without a total known in advance
    execFileSync('gzip', ['-k', tar]);
    const progress: { bytesDone: number; bytesTotal: number | null }[] = [];
    const fromTgz = await importWeights(`${tar}.gz`, path.join(dir, 'w3'), { onProgress: (p) => progress.push(p) });
    expect(fromTgz.imported).toEqual(fromTar.imported);
    expect(progress.slice(0, -1).every((p) => p.bytesTotal === null)).toBe(true);
    expect(progress.at(-1)).toEqual({ bytesDone: resnet.length, bytesTotal: resnet.length, file: '' });
    // cut short: gzip's length and CRC-32 fail, and the file being read is not imported
    const cutTgz = path.join(dir, 'cut.tar.gz');
    writeFileSync(cutTgz, readFileSync(`${tar}.gz`).subarray(0, 40_000));
    const fromCutTgz = await importWeights(cutTgz, path.join(dir, 'w3-cut')).catch((e: unknown) => e);
    const refusedOrError = fromCutTgz instanceof UserErrorException ? fromCutTgz.userError.message : JSON.stringify((fromCutTgz as { refused: unknown }).refused);
    expect(refusedOrError).toMatch(/the compressed archive is cut short or damaged \(zlib: unexpected end of file\)/);
    expect(readdirSync(path.join(dir, 'w3-cut')).filter((name) => name.endsWith('.h5'))).toEqual([]);
    // ZIP64 (Python's zipfile writes the ZIP64 extra fields and end records when told to)
    const zip64 = path.join(dir, 'weights64.zip');
    execFileSync('python3', ['-c', 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n  with z.open("models/convnext_tiny_notop.h5", "w", force_zip64=True) as f: f.write(open(sys.argv[2], "rb").read())', zip64, path.join(dir, 'staging-convnext.h5')], { input: '' });
    const zipBytes = readFileSync(zip64);
    expect(zipBytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])) || zipBytes.includes(Buffer.from([0x01, 0x00, 0x10, 0x00]))).toBe(true); // a ZIP64 end record or extra field
    const fromZip64 = await importWeights(zip64, path.join(dir, 'w3-zip64'));
    expect(fromZip64.imported.map((f) => [f.name, f.sha256])).toEqual([['convnext_tiny_notop.h5', sha(convnext)]]);
    const cut = path.join(dir, 'cut.zip');
    writeFileSync(cut, readFileSync(zip).subarray(0, statSync(zip).size - 30));
    expect(await errorOf(importWeights(cut, path.join(dir, 'w4')))).toMatchObject({ code: 'WEIGHTS_SOURCE_UNUSABLE', message: 'cut.zip is damaged or cut short.' });
    const cutTar = path.join(dir, 'cut.tar');
    writeFileSync(cutTar, readFileSync(tar));
    truncateSync(cutTar, 30_000);
    expect((await errorOf(importWeights(cutTar, path.join(dir, 'w5')))).code).toBe('WEIGHTS_SOURCE_UNUSABLE');
    const text = path.join(dir, 'list.txt');
    writeFileSync(text, 'hello');
    expect((await errorOf(importWeights(text, path.join(dir, 'w6')))).message).toBe('list.txt is neither a folder nor a .zip, .tar or .tar.gz archive.');
    expect((await errorOf(importWeights(path.join(dir, 'missing'), path.join(dir, 'w7')))).code).toBe('WEIGHTS_SOURCE_UNUSABLE');
  });

  it('stops when cancelled, keeping what was copied and leaving no partial file', async () => {
    const dir = tempDir('aucmedi-weights-cancel-');
    const source = path.join(dir, 'src');
    mkdirSync(source);
    for (let i = 0; i < 4; i++) writeFileSync(path.join(source, `w${i}_notop.h5`), h5(4_000_000));
    const controller = new AbortController();
    const weights = path.join(dir, 'weights');
    const error = await errorOf(
      importWeights(source, weights, { signal: controller.signal, onProgress: (p) => (p.bytesDone > 6_000_000 ? controller.abort() : undefined) }),
    );
    expect(error.code).toBe('OPERATION_CANCELLED');
    const left = readdirSync(weights);
    expect(left.filter((name) => name.startsWith('.'))).toEqual([]);
    expect(left).toContain('w0_notop.h5');
    expect(left).not.toContain('w3_notop.h5');
    expect(readFileSync(path.join(weights, 'SHA256SUMS'), 'utf8')).toContain('w0_notop.h5');
  });

  it('hashes a file put into the weights folder by hand once (SHA-256 and MD5), and lists it in SHA256SUMS from then on', async () => {
    const weights = tempDir('aucmedi-weights-by-hand-');
    const name = 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5';
    const file = h5(20_000);
    writeFileSync(path.join(weights, name), file);
    expect(await listWeights(weights)).toEqual([{ name, sizeBytes: file.length, sha256: sha(file), md5: md5(file) }]);
    const mtime = Math.trunc(statSync(path.join(weights, name)).mtimeMs);
    expect(readFileSync(path.join(weights, 'SHA256SUMS'), 'utf8')).toBe(`# md5 ${md5(file)} size ${file.length} mtime ${mtime}  ${name}\n${sha(file)}  ${name}\n`);
    // still what IT checks with sha256sum: the comment line is skipped
    expect(execFileSync('sha256sum', ['--strict', '-c', 'SHA256SUMS'], { cwd: weights, encoding: 'utf8' })).toBe(`${name}: OK\n`);
  });

  it('takes hashes from SHA256SUMS while name, size and modification time match, and hashes a changed file again', async () => {
    const weights = tempDir('aucmedi-weights-cache-');
    const name = 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';
    const first = h5(10_000);
    writeFileSync(path.join(weights, name), first);
    await listWeights(weights);
    // A line that cannot be the file's own hash: used as long as the file looks unchanged (it is not read again).
    const sums = readFileSync(path.join(weights, 'SHA256SUMS'), 'utf8');
    writeFileSync(path.join(weights, 'SHA256SUMS'), sums.replace(md5(first), 'f'.repeat(32)));
    expect((await listWeights(weights))[0]!.md5).toBe('f'.repeat(32));
    // Replaced by hand with the same size and another time: hashed again.
    const second = h5(10_000);
    writeFileSync(path.join(weights, name), second);
    utimesSync(path.join(weights, name), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await listWeights(weights)).toEqual([{ name, sizeBytes: second.length, sha256: sha(second), md5: md5(second) }]);
    // An old SHA256SUMS without the comment line (an earlier version of the app): hashed once.
    writeFileSync(path.join(weights, 'SHA256SUMS'), `${sha(second)}  ${name}\n`);
    expect((await listWeights(weights))[0]!.md5).toBe(md5(second));
    expect(readFileSync(path.join(weights, 'SHA256SUMS'), 'utf8')).toContain(`# md5 ${md5(second)} size ${second.length} mtime `);
    // A folder the app must not write (persist: false) is listed, its SHA256SUMS left alone.
    writeFileSync(path.join(weights, name), first);
    const before = readFileSync(path.join(weights, 'SHA256SUMS'), 'utf8');
    expect((await listWeights(weights, { persist: false }))[0]!.md5).toBe(md5(first));
    expect(readFileSync(path.join(weights, 'SHA256SUMS'), 'utf8')).toBe(before);
  });

  it('records the MD5 of each imported file in the same pass, keyed by its size and time', async () => {
    const dir = tempDir('aucmedi-weights-md5-');
    const source = path.join(dir, 'src');
    mkdirSync(source);
    const bytes = h5(5000);
    writeFileSync(path.join(source, 'efficientnetb0_notop.h5'), bytes);
    const result = await importWeights(source, path.join(dir, 'w'));
    expect(result.imported).toEqual([{ name: 'efficientnetb0_notop.h5', sizeBytes: bytes.length, sha256: sha(bytes), md5: md5(bytes) }]);
    const mtime = Math.trunc(statSync(path.join(dir, 'w', 'efficientnetb0_notop.h5')).mtimeMs);
    expect(readFileSync(path.join(dir, 'w', 'SHA256SUMS'), 'utf8')).toBe(`# md5 ${md5(bytes)} size ${bytes.length} mtime ${mtime}  efficientnetb0_notop.h5\n${sha(bytes)}  efficientnetb0_notop.h5\n`);
  });
});
