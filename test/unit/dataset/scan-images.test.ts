import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserErrorException } from '../../../src/api/errors';
import { scanDataset } from '../../../src/dataset/scan';
import { makeClassDataset, makeVolumeDataset } from '../../helpers/images';
import { tempDir } from '../../helpers/temp';
import { codes, problem, scanChecked } from './support';

const root = tempDir('aucmedi-dataset-images-');

describe('scanning a flat folder of images to classify (prediction)', () => {
  it('counts the images, needs no classes, and says what will be ignored', async () => {
    const dir = path.join(root, 'new');
    makeClassDataset(dir, { classes: { a: 3, b: 4 }, size: 8, layout: 'flat' });
    writeFileSync(path.join(dir, 'notes.txt'), 'reading list');
    mkdirSync(path.join(dir, 'old'));
    makeClassDataset(path.join(dir, 'old'), { classes: { a: 2 }, size: 8, layout: 'flat' });
    const report = await scanChecked({ path: dir, purpose: 'prediction' });
    expect(report).toMatchObject({ interface: 'images', dimensionality: '2D', totalImages: 7, classes: [], errors: 0 });
    expect(report.samples.images).toHaveLength(4);
    expect(codes(report)).toEqual(expect.arrayContaining(['IGNORED_NON_IMAGE', 'NESTED_FOLDERS']));
    expect(problem(report, 'NESTED_FOLDERS').message).toMatch(/sub-folder of the image folder/);
    expect(codes(report)).not.toContain('TOO_FEW_CLASSES');
  });

  it('refuses an empty folder and a folder of class folders with a sentence', async () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    const report = await scanChecked({ path: empty, purpose: 'prediction' });
    expect(problem(report, 'NO_IMAGES')).toMatchObject({ severity: 'error', message: 'This folder holds no images to classify.' });
    const classFolders = path.join(root, 'classes');
    makeClassDataset(classFolders, { classes: { a: 2, b: 2 }, size: 8 });
    expect(codes(await scanChecked({ path: classFolders, purpose: 'prediction' }))).toContain('NO_IMAGES');
  });

  it('finds duplicate sample names (the extension does not count) and tells 3D volumes', async () => {
    const dir = path.join(root, 'dupes');
    makeClassDataset(dir, { classes: { a: 2 }, size: 8, layout: 'flat' });
    writeFileSync(path.join(dir, 'a_000.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]));
    expect(codes(await scanChecked({ path: dir, purpose: 'prediction' }))).toContain('DUPLICATE_NAMES');
    const volumes = path.join(root, 'volumes');
    makeVolumeDataset(volumes, { classes: { x: 2 }, size: 6 });
    expect((await scanChecked({ path: path.join(volumes, 'x'), purpose: 'prediction' })).dimensionality).toBe('3D');
  });

  it('takes no annotation file', async () => {
    const error = await scanDataset({ path: root, gtFile: path.join(root, 'x.csv'), purpose: 'prediction' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserErrorException);
    expect((error as UserErrorException).userError.message).toBe('Images to classify need no annotation file.');
  });
});
