import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../src/dataset/fingerprint';
import { appleDoubleBytes, bmpBytes, dicomBytes, gifBytes, jpegBytes, mhaBytes, niftiGzBytes, nrrdBytes, pngBytes, tiffBytes, writeBytes, writeMhd } from '../../helpers/image-bytes';
import { makeClassDataset, makeVolumeDataset, writeNifti } from '../../helpers/images';
import { tempDir } from '../../helpers/temp';
import { codes, problem, scanChecked } from './support';

const root = tempDir('aucmedi-dataset-dir-');
let counter = 0;
/** A fresh dataset folder with PNG classes (8x8, fast): class name -> image count. */
function dataset(classes: Record<string, number> = {}): string {
  const dir = path.join(root, `ds-${++counter}`);
  makeClassDataset(dir, { classes, size: 8 });
  return dir;
}

/** Every regular file under `dir`, as the fingerprint lists them (independent of the scanner). */
function listFiles(dir: string, rel = ''): { rel: string; size: number; mtimeMs: number }[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const r = rel ? `${rel}/${name}` : name;
    const stat = lstatSync(path.join(dir, r));
    if (stat.isDirectory()) return listFiles(dir, r);
    return stat.isFile() ? [{ rel: r, size: stat.size, mtimeMs: stat.mtimeMs }] : [];
  });
}

describe('scanning a directory-interface dataset', () => {
  it('reports interface, 2D, classes in AUCMEDI order with counts, formats, bytes, samples and fingerprint', async () => {
    const dir = dataset({ Pneumonia: 15, Normal: 12, COVID: 20 });
    const report = await scanChecked({ path: dir });
    expect(report).toMatchObject({ path: dir, interface: 'directory', dimensionality: '2D', multiLabel: false, totalImages: 47, errors: 0, warnings: 0, problems: [] });
    expect(report.classes).toEqual([
      { name: 'COVID', count: 20 },
      { name: 'Normal', count: 12 },
      { name: 'Pneumonia', count: 15 },
    ]);
    expect(report.formats).toEqual({ png: 47 });
    const files = listFiles(dir);
    expect(report.totalBytes).toBe(files.reduce((sum, f) => sum + f.size, 0));
    expect(report.fingerprint).toEqual(fingerprintOf(files));
    expect(report.samples).toEqual({
      COVID: ['COVID/COVID_000.png', 'COVID/COVID_001.png', 'COVID/COVID_002.png', 'COVID/COVID_003.png'],
      Normal: ['Normal/Normal_000.png', 'Normal/Normal_001.png', 'Normal/Normal_002.png', 'Normal/Normal_003.png'],
      Pneumonia: ['Pneumonia/Pneumonia_000.png', 'Pneumonia/Pneumonia_001.png', 'Pneumonia/Pneumonia_002.png', 'Pneumonia/Pneumonia_003.png'],
    });
    expect(Date.parse(report.scannedAt)).not.toBeNaN();
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('accepts every 2D format by its signature and counts them by format', async () => {
    const dir = dataset({ a: 10, b: 10 });
    writeBytes(path.join(dir, 'a', 'x1.jpg'), jpegBytes(8, 8));
    writeBytes(path.join(dir, 'a', 'x2.JPEG'), jpegBytes(8, 8));
    writeBytes(path.join(dir, 'a', 'x3.bmp'), bmpBytes(8, 8));
    writeBytes(path.join(dir, 'b', 'x4.gif'), gifBytes(8, 8));
    writeBytes(path.join(dir, 'b', 'x5.tif'), tiffBytes(8, 8));
    writeBytes(path.join(dir, 'b', 'x6.tiff'), tiffBytes(8, 8, true));
    const report = await scanChecked({ path: dir });
    expect(report.problems).toEqual([]);
    expect(report.dimensionality).toBe('2D');
    expect(report.formats).toEqual({ bmp: 1, gif: 1, jpeg: 2, png: 20, tiff: 2 });
    expect(report.classes).toEqual([
      { name: 'a', count: 13 },
      { name: 'b', count: 13 },
    ]);
  });

  it('recognises 3D volumes: NIfTI, .nii.gz, NRRD, MetaImage (.mha, .mhd + .raw), DICOM files and series; refuses those AUCMEDI cannot read', async () => {
    const dir = path.join(root, `ds-${++counter}`);
    makeVolumeDataset(dir, { classes: { ct_a: 10, ct_b: 10 }, size: 4 });
    writeBytes(path.join(dir, 'ct_a', 'v1.nii.gz'), niftiGzBytes([4, 4, 4]));
    writeBytes(path.join(dir, 'ct_a', 'v2.nrrd'), nrrdBytes([4, 4, 4]));
    writeBytes(path.join(dir, 'ct_b', 'v3.mha'), mhaBytes([4, 4, 4]));
    const mhd = writeMhd(path.join(dir, 'ct_b', 'v4.mhd'), [4, 4, 4]);
    writeBytes(path.join(dir, 'ct_b', 'v5.dcm'), dicomBytes());
    for (let i = 1; i <= 3; i++) writeBytes(path.join(dir, 'ct_a', 'patient 7', `IM${i}`), dicomBytes(4, 4, String(i)));
    const report = await scanChecked({ path: dir });
    // AUCMEDI reads .nii, .nii.gz and .mha in every mode (io_data.py); the others it cannot, or not in every mode
    expect(codes(report)).toEqual(['UNSUPPORTED_FORMAT']);
    expect(problem(report, 'UNSUPPORTED_FORMAT').files).toEqual(['ct_a/patient 7', 'ct_a/v2.nrrd', 'ct_b/v4.mhd', 'ct_b/v5.dcm']);
    expect(report.dimensionality).toBe('3D');
    expect(report.formats).toEqual({ dcm: 1, 'dcm-series': 1, mha: 1, mhd: 1, nii: 20, 'nii.gz': 1, nrrd: 1 });
    expect(report.classes).toEqual([
      { name: 'ct_a', count: 13 },
      { name: 'ct_b', count: 13 },
    ]);
    const files = listFiles(dir);
    expect(report.fingerprint).toEqual(fingerprintOf(files));
    // the .raw data of the .mhd header counts as image bytes
    expect(report.totalBytes).toBe(files.reduce((sum, f) => sum + f.size, 0));
    expect(files.map((f) => f.rel)).toContain(path.relative(dir, mhd.data));
  });

  it('TOO_FEW_CLASSES: one class folder, a folder of images without class folders, an empty folder', async () => {
    const one = await scanChecked({ path: dataset({ only: 12 }) });
    expect(problem(one, 'TOO_FEW_CLASSES')).toMatchObject({ severity: 'error', files: ['only/'] });
    expect(problem(one, 'TOO_FEW_CLASSES').message).toMatch(/Only one class \("only"\)/);

    const flat = path.join(root, `ds-${++counter}`);
    makeClassDataset(flat, { classes: { a: 3, b: 3 }, size: 8, layout: 'flat' });
    const flatReport = await scanChecked({ path: flat });
    expect(problem(flatReport, 'TOO_FEW_CLASSES').message).toMatch(/images but no class folders/);
    expect(problem(flatReport, 'TOO_FEW_CLASSES').action).toMatch(/annotation CSV/);
    expect(problem(flatReport, 'FILES_OUTSIDE_CLASSES')).toMatchObject({ severity: 'warning', fileCount: 6 });
    expect(flatReport.dimensionality).toBe('unknown');

    const empty = path.join(root, `ds-${++counter}`);
    mkdirSync(empty);
    const emptyReport = await scanChecked({ path: empty });
    expect(codes(emptyReport)).toEqual(['TOO_FEW_CLASSES']);
    expect(emptyReport).toMatchObject({ totalImages: 0, classes: [], dimensionality: 'unknown', fingerprint: { fileCount: 0, totalBytes: 0 } });
  });

  it('EMPTY_CLASS names the empty class folders', async () => {
    const dir = dataset({ a: 12, b: 12 });
    mkdirSync(path.join(dir, 'c'));
    mkdirSync(path.join(dir, 'd'));
    writeFileSync(path.join(dir, 'd', 'readme.txt'), 'nothing here yet');
    const report = await scanChecked({ path: dir });
    expect(problem(report, 'EMPTY_CLASS')).toMatchObject({ severity: 'error', files: ['c/', 'd/'], fileCount: 2 });
    expect(report.classes.map((c) => c.count)).toEqual([12, 12, 0, 0]);
    expect(problem(report, 'IGNORED_NON_IMAGE').files).toEqual(['d/readme.txt']);
  });

  it('a labelled set to score a model on: an empty class folder is an error (AUCMEDI cannot score it), one class with images is enough, no training advice', async () => {
    const dir = dataset({ a: 3, b: 40 });
    mkdirSync(path.join(dir, 'c'));
    const asTraining = await scanChecked({ path: dir });
    expect(codes(asTraining)).toEqual(expect.arrayContaining(['EMPTY_CLASS', 'SMALL_CLASS', 'CLASS_IMBALANCE']));
    expect(problem(asTraining, 'EMPTY_CLASS').severity).toBe('error');

    const asSet = await scanChecked({ path: dir, purpose: 'evaluation' });
    // io_directory.py's pd.get_dummies makes no label column for an empty class folder, and block_eval.py fails on it
    expect(problem(asSet, 'EMPTY_CLASS')).toMatchObject({
      severity: 'error',
      files: ['c/'],
      message: `The class folder "c" holds no images: AUCMEDI's evaluation fails on a class folder without images (it makes no label column for it).`,
    });
    expect(problem(asSet, 'EMPTY_CLASS').action).toMatch(/^If the set has images of that class, put them in; otherwise give the set as one folder of all its images with a one-hot annotation file: SAMPLE plus one column per class of the model, in the model's order, .*all 0 in the column of a class without images\.$/);
    expect(codes(asSet)).not.toContain('SMALL_CLASS');
    expect(codes(asSet)).not.toContain('CLASS_IMBALANCE');
    expect(asSet).toMatchObject({ errors: 1, interface: 'directory', classes: [{ name: 'a', count: 3 }, { name: 'b', count: 40 }, { name: 'c', count: 0 }] });
    expect((await scanChecked({ path: dataset({ a: 3, b: 4 }), purpose: 'evaluation' })).errors).toBe(0);

    const oneWithImages = dataset({ only: 5 });
    expect((await scanChecked({ path: oneWithImages, purpose: 'evaluation' })).errors).toBe(0);
    mkdirSync(path.join(oneWithImages, 'other'));
    expect(codes(await scanChecked({ path: oneWithImages, purpose: 'evaluation' }))).toEqual(['EMPTY_CLASS']);
    expect(problem(await scanChecked({ path: oneWithImages }), 'TOO_FEW_CLASSES').severity).toBe('error');
    const noImages = path.join(root, `ds-${++counter}`);
    mkdirSync(path.join(noImages, 'a'), { recursive: true });
    expect(codes(await scanChecked({ path: noImages, purpose: 'evaluation' }))).toEqual(['TOO_FEW_CLASSES', 'EMPTY_CLASS']);
  });

  it('DUPLICATE_NAMES: names (without extension) in more than one class folder, with all their files', async () => {
    const dir = dataset({ a: 12, b: 12 });
    writeBytes(path.join(dir, 'b', 'a_000.png'), pngBytes(8, 8));
    writeBytes(path.join(dir, 'b', 'a_001.jpg'), jpegBytes(8, 8));
    writeBytes(path.join(dir, 'b', 'a_002.png'), pngBytes(8, 8));
    const report = await scanChecked({ path: dir });
    const p = problem(report, 'DUPLICATE_NAMES');
    expect(p.severity).toBe('error');
    expect(p.message).toBe('3 image names appear in more than one class folder: AUCMEDI needs unique names.');
    expect(p.action).toBe('Rename or remove the duplicates.');
    expect(p.files).toEqual(['a/a_000.png', 'a/a_001.png', 'a/a_002.png', 'b/a_000.png', 'b/a_001.jpg', 'b/a_002.png']);
    expect(p.fileCount).toBe(6);
  });

  it('DUPLICATE_NAMES also catches one name twice in a folder (scan.png and scan.jpg)', async () => {
    const dir = dataset({ a: 12, b: 12 });
    writeBytes(path.join(dir, 'a', 'a_005.jpg'), jpegBytes(8, 8));
    const p = problem(await scanChecked({ path: dir }), 'DUPLICATE_NAMES');
    expect(p.files).toEqual(['a/a_005.jpg', 'a/a_005.png']);
    expect(p.message).toBe('1 image name appears more than once (the extension does not count): AUCMEDI needs unique names.');
  });

  it('NOT_AN_IMAGE: empty files and text named like images; an AppleDouble file named like one is hidden and left out', async () => {
    const dir = dataset({ a: 12, b: 12 });
    writeFileSync(path.join(dir, 'a', 'empty.png'), '');
    writeFileSync(path.join(dir, 'b', 'notes.jpg'), 'this is a note, not a picture');
    writeBytes(path.join(dir, 'b', '._b_000.png'), appleDoubleBytes());
    const report = await scanChecked({ path: dir });
    expect(problem(report, 'NOT_AN_IMAGE')).toMatchObject({ severity: 'error', files: ['a/empty.png', 'b/notes.jpg'], fileCount: 2 });
    expect(problem(report, 'HIDDEN_FILES').files).toEqual(['b/._b_000.png']);
    expect(report.totalImages).toBe(24);
  });

  it('FORMAT_MISMATCH (error) for 3D content under another extension; EXTENSION_MISMATCH (warning) between 2D formats', async () => {
    const dir = dataset({ a: 12, b: 12 });
    writeBytes(path.join(dir, 'a', 'photo.png'), jpegBytes(16, 16));
    writeBytes(path.join(dir, 'b', 'scan.nii'), dicomBytes());
    writeBytes(path.join(dir, 'b', 'volume.png'), nrrdBytes([2, 2, 2]));
    const report = await scanChecked({ path: dir });
    expect(problem(report, 'FORMAT_MISMATCH')).toMatchObject({ severity: 'error', files: ['b/scan.nii (DICOM)', 'b/volume.png (NRRD)'] });
    expect(problem(report, 'EXTENSION_MISMATCH')).toMatchObject({ severity: 'warning', files: ['a/photo.png (JPEG)'] });
    // Pillow reads the JPEG named .png by its content: it still counts
    expect(report.classes).toEqual([
      { name: 'a', count: 13 },
      { name: 'b', count: 12 },
    ]);
    expect(report.dimensionality).toBe('2D');
  });

  it('MIXED_DIMENSIONS: 2D images and 3D volumes together, listing the smaller group', async () => {
    const dir = dataset({ a: 12, b: 12 });
    writeNifti(path.join(dir, 'a', 'vol_1.nii'), [2, 2, 2], new Uint8Array(8));
    writeBytes(path.join(dir, 'b', 'vol_2.nrrd'), nrrdBytes([2, 2, 2]));
    const report = await scanChecked({ path: dir });
    expect(report.dimensionality).toBe('mixed');
    expect(problem(report, 'MIXED_DIMENSIONS')).toMatchObject({ severity: 'error', files: ['a/vol_1.nii', 'b/vol_2.nrrd'], fileCount: 2 });
    expect(problem(report, 'MIXED_DIMENSIONS').message).toBe('The dataset mixes 24 2D images and 2 3D volumes: AUCMEDI trains on one kind at a time.');

    // and the other way round: a few 2D images among volumes are the ones listed
    const volumes = path.join(root, `ds-${++counter}`);
    makeVolumeDataset(volumes, { classes: { a: 3, b: 3 }, size: 4 });
    writeBytes(path.join(volumes, 'b', 'slice.png'), pngBytes(8, 8));
    writeBytes(path.join(volumes, 'a', 'photo.jpg'), jpegBytes(8, 8));
    const reversed = await scanChecked({ path: volumes });
    expect(problem(reversed, 'MIXED_DIMENSIONS')).toMatchObject({ files: ['a/photo.jpg', 'b/slice.png'], fileCount: 2 });
    expect(problem(reversed, 'MIXED_DIMENSIONS').action).toContain('the 2D images are listed');
  });

  it('CLASS_IMBALANCE says the ratio; SMALL_CLASS names classes under 10 images', async () => {
    const report = await scanChecked({ path: dataset({ big: 110, mid: 30, tiny: 4 }) });
    const imbalance = problem(report, 'CLASS_IMBALANCE');
    expect(imbalance.severity).toBe('warning');
    expect(imbalance.message).toContain('"big" has 27.5 times as many images (110) as "tiny" (4)');
    expect(imbalance.files).toEqual(['big/', 'tiny/']);
    expect(problem(report, 'SMALL_CLASS')).toMatchObject({ severity: 'warning', files: ['tiny/'] });
    expect(problem(report, 'SMALL_CLASS').message).toMatch(/only 4 images/);
    expect(report.errors).toBe(0);

    const balanced = await scanChecked({ path: dataset({ a: 100, b: 10 }) });
    expect(codes(balanced)).toEqual([]);
  });

  it('IGNORED_NON_IMAGE, IMAGE_WITHOUT_EXTENSION, FILES_OUTSIDE_CLASSES, and special files never opened', async () => {
    const dir = dataset({ a: 12, b: 12 });
    writeFileSync(path.join(dir, 'a', 'notes.txt'), 'seen by Dr. X');
    writeFileSync(path.join(dir, 'b', 'orphan.raw'), Buffer.alloc(64));
    writeFileSync(path.join(dir, 'labels.xlsx'), Buffer.from([0x50, 0x4b, 3, 4]));
    writeBytes(path.join(dir, 'b', 'IM000001'), dicomBytes());
    writeBytes(path.join(dir, 'overview.png'), pngBytes(8, 8));
    const fifo = spawnSync('mkfifo', [path.join(dir, 'a', 'pipe')]);
    const report = await scanChecked({ path: dir });
    expect(problem(report, 'IGNORED_NON_IMAGE')).toMatchObject({
      severity: 'warning',
      files: ['a/notes.txt', 'b/orphan.raw', 'labels.xlsx'],
    });
    if (fifo.status === 0) expect(problem(report, 'SPECIAL_FILES')).toMatchObject({ severity: 'warning', files: ['a/pipe'] });
    expect(problem(report, 'IMAGE_WITHOUT_EXTENSION')).toMatchObject({ severity: 'warning', files: ['b/IM000001 (DICOM)'] });
    expect(problem(report, 'FILES_OUTSIDE_CLASSES')).toMatchObject({ severity: 'warning', files: ['overview.png'] });
    expect(report.totalImages).toBe(24);
    expect(report.errors).toBe(0);
  });

  it('HIDDEN_FILES lists system files and hidden folders; HIDDEN_CLASS_FOLDER names those at the top, left out of the classes', async () => {
    const dir = dataset({ a: 12, b: 12 });
    writeFileSync(path.join(dir, '.DS_Store'), Buffer.alloc(16));
    writeFileSync(path.join(dir, 'a', 'Thumbs.db'), Buffer.alloc(16));
    writeFileSync(path.join(dir, 'b', 'desktop.ini'), '[.ShellClassInfo]');
    mkdirSync(path.join(dir, 'b', '.cache'));
    mkdirSync(path.join(dir, '.ipynb_checkpoints'));
    mkdirSync(path.join(dir, '__MACOSX'));
    const report = await scanChecked({ path: dir });
    expect(problem(report, 'HIDDEN_FILES')).toMatchObject({ severity: 'warning', files: ['.DS_Store', 'a/Thumbs.db', 'b/.cache/', 'b/desktop.ini'] });
    expect(problem(report, 'HIDDEN_CLASS_FOLDER')).toMatchObject({ severity: 'warning', files: ['.ipynb_checkpoints/', '__MACOSX/'] });
    expect(report.classes.map((c) => c.name)).toEqual(['a', 'b']);
    // hidden files are no part of the fingerprint: Finder rewriting .DS_Store changes nothing
    expect(report.fingerprint.fileCount).toBe(24);
  });

  it('NESTED_FOLDERS: folders inside class folders are ignored (a folder of DICOM files is a series instead)', async () => {
    const dir = dataset({ a: 12, b: 12 });
    writeBytes(path.join(dir, 'a', 'more', 'a_100.png'), pngBytes(8, 8));
    writeBytes(path.join(dir, 'a', 'more', 'deeper', 'a_101.png'), pngBytes(8, 8));
    mkdirSync(path.join(dir, 'b', 'empty sub'));
    writeBytes(path.join(dir, 'b', 'mixed', 'IM1'), dicomBytes());
    writeBytes(path.join(dir, 'b', 'mixed', 'IM2.png'), pngBytes(8, 8));
    const report = await scanChecked({ path: dir });
    expect(problem(report, 'NESTED_FOLDERS')).toMatchObject({ severity: 'warning', files: ['a/more/', 'b/empty sub/', 'b/mixed/'], fileCount: 3 });
    expect(report.totalImages).toBe(24);
  });

  it('SIZE_VARIATION lists the images far from the usual size, the most unusual first', async () => {
    const dir = dataset({ a: 12, b: 12 });
    writeBytes(path.join(dir, 'a', 'huge.png'), pngBytes(256, 256));
    writeBytes(path.join(dir, 'b', 'wide.jpg'), jpegBytes(64, 8));
    writeBytes(path.join(dir, 'b', 'tiny.gif'), gifBytes(1, 2));
    const report = await scanChecked({ path: dir });
    const p = problem(report, 'SIZE_VARIATION');
    expect(p.severity).toBe('warning');
    expect(p.message).toMatch(/from 1×2 to 256×256 pixels/);
    expect(p.files).toEqual(['a/huge.png (256×256)', 'b/tiny.gif (1×2)', 'b/wide.jpg (64×8)']);

    const similar = dataset({ a: 12, b: 12 });
    writeBytes(path.join(similar, 'a', 'bigger.png'), pngBytes(24, 24));
    expect(codes(await scanChecked({ path: similar }))).toEqual([]);
  });
});
