/**
 * The scan as AUCMEDI's readers see a folder (issue 14, points 3-7): what a run's clean view leaves
 * out is a warning, what AUCMEDI cannot read or would read otherwise is an error, and the images
 * the view gets are exactly the accepted ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanDatasetForRun } from '../../../src/dataset/scan';
import { dicomBytes, jpegBytes, mhaBytes, niftiGzBytes, pngBytes, writeBytes } from '../../helpers/image-bytes';
import { makeClassDataset, makeVolumeDataset } from '../../helpers/images';
import { tempDir } from '../../helpers/temp';
import { codes, problem, scanChecked } from './support';

const root = tempDir('aucmedi-dataset-readers-');
let counter = 0;
const fresh = () => path.join(root, `ds-${++counter}`);

describe('the scan as AUCMEDI reads a folder', () => {
  it('leaves hidden files (even ._x.png), notes, sub-folders and a hidden top folder out, counted in leftOut, with warnings only', async () => {
    const dir = fresh();
    makeClassDataset(dir, { classes: { a: 3, b: 3 }, size: 8 });
    writeFileSync(path.join(dir, 'a', '.DS_Store'), 'x');
    writeBytes(path.join(dir, 'a', '._a_000.png'), Buffer.from('\0\x05\x16\x07AppleDouble'));
    writeFileSync(path.join(dir, 'b', 'notes.txt'), 'notes');
    writeBytes(path.join(dir, 'b', 'old', 'x.png'), pngBytes(8, 8));
    mkdirSync(path.join(dir, '__MACOSX'));
    const report = await scanChecked({ path: dir });
    expect(report.errors).toBe(0);
    expect(report.leftOut).toBe(5);
    expect(problem(report, 'HIDDEN_CLASS_FOLDER')).toMatchObject({ severity: 'warning', files: ['__MACOSX/'] });
    expect(report.classes).toEqual([{ name: 'a', count: 3 }, { name: 'b', count: 3 }]);

    const scanned = await scanDatasetForRun({ path: dir });
    expect(scanned.images().map((image) => image.rel).sort()).toEqual(['a/a_000.png', 'a/a_001.png', 'a/a_002.png', 'b/b_000.png', 'b/b_001.png', 'b/b_002.png']);
  });

  it('refuses WebP, .mhd, .nrrd and DICOM (files and series) as formats AUCMEDI cannot read, naming the files', async () => {
    const dir = fresh();
    makeClassDataset(dir, { classes: { a: 3, b: 3 }, size: 8 });
    writeBytes(path.join(dir, 'a', 'photo.webp'), Buffer.concat([Buffer.from('RIFF'), Buffer.from([26, 0, 0, 0]), Buffer.from('WEBPVP8L'), Buffer.alloc(14)]));
    writeBytes(path.join(dir, 'b', 'IM1.dcm'), dicomBytes());
    const report = await scanChecked({ path: dir });
    expect(problem(report, 'UNSUPPORTED_FORMAT')).toMatchObject({ severity: 'error', files: ['a/photo.webp', 'b/IM1.dcm'] });
    expect(problem(report, 'UNSUPPORTED_FORMAT')!.action).toContain('DICOM must be converted first');
  });

  it('refuses volumes of several formats in a folder read flat (prediction, CSV, evaluation), not in class folders for training', async () => {
    const dir = fresh();
    makeVolumeDataset(dir, { classes: { a: 2, b: 2 }, size: 4 });
    writeBytes(path.join(dir, 'a', 'v.nii.gz'), niftiGzBytes([4, 4, 4]));
    writeBytes(path.join(dir, 'b', 'w.mha'), mhaBytes([4, 4, 4]));
    expect(codes(await scanChecked({ path: dir }))).not.toContain('MIXED_VOLUME_FORMATS');
    const evaluation = await scanChecked({ path: dir, purpose: 'evaluation' });
    expect(problem(evaluation, 'MIXED_VOLUME_FORMATS')).toMatchObject({ severity: 'error', files: ['a/v.nii.gz', 'b/w.mha'] });
  });

  it('mixed 2D formats in a flat folder are fine (the view names them alike); names of digits only are refused for an evaluation', async () => {
    const flat = fresh();
    makeClassDataset(flat, { classes: { a: 2 }, size: 8, layout: 'flat' });
    writeBytes(path.join(flat, 'b.jpg'), jpegBytes(8, 8));
    expect((await scanChecked({ path: flat, purpose: 'prediction' })).errors).toBe(0);

    const numbered = fresh();
    for (const [cls, names] of [['a', ['0001', '0002']], ['b', ['0003', '12']]] as const) for (const name of names) writeBytes(path.join(numbered, cls, `${name}.png`), pngBytes(8, 8));
    expect(codes(await scanChecked({ path: numbered }))).not.toContain('NAMES_READ_AS_NUMBERS');
    expect(problem(await scanChecked({ path: numbered, purpose: 'evaluation' }), 'NAMES_READ_AS_NUMBERS')).toMatchObject({ severity: 'error', files: ['0001', '0002', '0003', '12'] });
    // one name with a letter makes pandas keep the whole column as text
    writeBytes(path.join(numbered, 'b', 'x1.png'), pngBytes(8, 8));
    expect(codes(await scanChecked({ path: numbered, purpose: 'evaluation' }))).not.toContain('NAMES_READ_AS_NUMBERS');
  });

  it('CSV: images not listed are left out (a warning), and only the listed ones reach the view', async () => {
    const dir = fresh();
    const set = makeClassDataset(dir, { classes: { a: 3, b: 3 }, size: 8, layout: 'flat' });
    writeBytes(path.join(dir, 'stray.png'), pngBytes(8, 8));
    const gt = path.join(root, `labels-${counter}.csv`);
    writeFileSync(gt, `SAMPLE;CLASS\n${Object.entries(set.labels).map(([s, c]) => `${s};${c}`).join('\n')}\n`);
    const report = await scanChecked({ path: dir, gtFile: gt });
    expect(report.errors).toBe(0);
    expect(problem(report, 'FILE_NOT_IN_CSV')).toMatchObject({ severity: 'warning', files: ['stray.png'] });
    const scanned = await scanDatasetForRun({ path: dir, gtFile: gt });
    expect(scanned.images().map((image) => image.name)).not.toContain('stray.png');
    expect(scanned.images()).toHaveLength(6);
  });
});
