import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportWeights } from '../../../src/weights/export';
import { importWeights, listWeights } from '../../../src/weights/import';
import { tempDir } from '../../helpers/temp';

const HDF5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('exporting the weights folder for the offline bundle', () => {
  it('writes a tar that GNU tar and sha256sum accept and that imports back to the same files', async () => {
    const dir = tempDir('aucmedi-weights-export-');
    const source = path.join(dir, 'source');
    mkdirSync(source);
    writeFileSync(path.join(source, 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5'), Buffer.concat([HDF5, randomBytes(100_001)]));
    writeFileSync(path.join(source, 'efficientnetb0_notop.h5'), Buffer.concat([HDF5, randomBytes(512 - 8)]));
    const weights = path.join(dir, 'weights');
    await importWeights(source, weights);
    const files = await listWeights(weights);
    let reported = 0;
    const target = path.join(dir, 'keras-weights.tar');
    const result = await exportWeights(weights, files, target, { onBytes: (n) => (reported += n) });
    expect(reported).toBe(files.reduce((sum, f) => sum + f.sizeBytes, 0));
    expect(execFileSync('tar', ['-tf', target], { encoding: 'utf8' }).trim().split('\n').sort()).toEqual(files.map((f) => f.name).sort());
    expect(execFileSync('sha256sum', ['-c', path.basename(result.checksumFile)], { cwd: dir, encoding: 'utf8' })).toContain('keras-weights.tar: OK');
    expect(readFileSync(result.checksumFile, 'utf8')).toBe(`${result.sha256}  keras-weights.tar\n`);

    const back = await importWeights(target, path.join(dir, 'air-gapped'));
    expect(back.imported.sort((a, b) => a.name.localeCompare(b.name))).toEqual(files);
    const extracted = path.join(dir, 'extracted');
    mkdirSync(extracted);
    execFileSync('tar', ['-xf', target, '-C', extracted]);
    for (const file of files) expect(readFileSync(path.join(extracted, file.name)).equals(readFileSync(path.join(weights, file.name)))).toBe(true);
  });

  it('refuses an empty folder, and leaves nothing behind when it cannot write', async () => {
    const dir = tempDir('aucmedi-weights-export-bad-');
    await expect(exportWeights(dir, [], path.join(dir, 'x.tar'))).rejects.toMatchObject({ userError: { message: 'The weights folder is empty: there is nothing to export.' } });
    writeFileSync(path.join(dir, 'a.h5'), HDF5);
    await expect(exportWeights(dir, [{ name: 'a.h5', sizeBytes: 8, sha256: 'x', md5: 'y' }], path.join(dir, 'missing', 'x.tar'))).rejects.toMatchObject({ userError: { code: 'FILE_NOT_WRITTEN' } });
  });
});
