import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOfflineBundle } from '../../../src/weights/bundle';
import { tempDir } from '../../helpers/temp';

describe('finding the offline bundle next to the installer', () => {
  it('takes the first folder that holds one: the image tarball and the weights archive, each with or without a .sha256', async () => {
    const dir = tempDir('aucmedi-bundle-');
    const empty = path.join(dir, 'empty');
    const bundle = path.join(dir, 'offline-bundle');
    mkdirSync(empty);
    mkdirSync(bundle);
    writeFileSync(path.join(bundle, 'aucmedi-0.11.0.tar.gz'), 'image');
    writeFileSync(path.join(bundle, 'aucmedi-0.11.0.tar.gz.sha256'), 'x');
    writeFileSync(path.join(bundle, 'keras-weights.zip'), 'weights');
    writeFileSync(path.join(bundle, 'README.txt'), 'notes');
    expect(await findOfflineBundle([path.join(dir, 'missing'), empty, bundle])).toEqual({
      dir: bundle,
      image: { file: path.join(bundle, 'aucmedi-0.11.0.tar.gz'), sizeBytes: 5, hasChecksum: true },
      weights: { file: path.join(bundle, 'keras-weights.zip'), sizeBytes: 7, hasChecksum: false },
    });
  });

  it('tells a weights .tar from the image tarball by its name, and finds nothing where there is nothing', async () => {
    const dir = tempDir('aucmedi-bundle-tar-');
    writeFileSync(path.join(dir, 'weights.tar'), 'w');
    expect(await findOfflineBundle([dir])).toMatchObject({ image: null, weights: { file: path.join(dir, 'weights.tar') } });
    // the name build/offline-bundle/README.md tells IT to ship, beside the image tarball
    const both = tempDir('aucmedi-bundle-tgz-');
    writeFileSync(path.join(both, 'aucmedi-0.11.0.tar'), 'image');
    writeFileSync(path.join(both, 'keras-weights.tar.gz'), 'w');
    expect(await findOfflineBundle([both])).toMatchObject({ image: { file: path.join(both, 'aucmedi-0.11.0.tar') }, weights: { file: path.join(both, 'keras-weights.tar.gz') } });
    expect(await findOfflineBundle([tempDir('aucmedi-bundle-none-')])).toBeNull();
    expect(await findOfflineBundle([])).toBeNull();
  });
});

describe('the bundle weights already imported', () => {
  it('are not offered again once every weights file of the archive is in the weights folder', async () => {
    const { writeZip } = await import('../../helpers/zip');
    const dir = tempDir('aucmedi-bundle-imported-');
    const weights = path.join(dir, 'weights');
    mkdirSync(weights);
    writeZip(path.join(dir, 'keras-weights.zip'), { 'models/a_notop.h5': Buffer.from('x'), 'models/b_notop.h5': Buffer.from('y'), 'notes.txt': Buffer.from('z') });
    expect((await findOfflineBundle([dir], weights))?.weights?.alreadyImported).toBe(false);
    writeFileSync(path.join(weights, 'a_notop.h5'), 'x');
    expect((await findOfflineBundle([dir], weights))?.weights?.alreadyImported).toBe(false);
    writeFileSync(path.join(weights, 'b_notop.h5'), 'y');
    expect((await findOfflineBundle([dir], weights))?.weights?.alreadyImported).toBe(true);
    // and a .tar.gz is read through for its names the same way
    const tgz = tempDir('aucmedi-bundle-imported-tgz-');
    mkdirSync(path.join(tgz, 'models'));
    writeFileSync(path.join(tgz, 'models', 'a_notop.h5'), 'x');
    execFileSync('tar', ['-czf', path.join(tgz, 'keras-weights.tar.gz'), '-C', tgz, 'models']);
    expect((await findOfflineBundle([tgz], weights))?.weights).toMatchObject({ file: path.join(tgz, 'keras-weights.tar.gz'), alreadyImported: true });
  });
});
