import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../src/dataset/fingerprint';
import { dicomBytes, jpegBytes, pngBytes, writeBytes } from '../../helpers/image-bytes';
import { makeClassDataset } from '../../helpers/images';
import { tempDir } from '../../helpers/temp';
import { codes, problem, scanChecked } from './support';

const root = tempDir('aucmedi-dataset-csv-');
let counter = 0;

/** A flat image folder and its labels: sample name -> class. */
function flat(classes: Record<string, number>): { dir: string; labels: Record<string, string> } {
  const dir = path.join(root, `images-${++counter}`);
  const { labels } = makeClassDataset(dir, { classes, size: 8, layout: 'flat' });
  return { dir, labels };
}

function writeCsv(name: string, text: string | Buffer): string {
  const file = path.join(root, `${++counter}-${name}`);
  writeFileSync(file, text);
  return file;
}

const single = (labels: Record<string, string>, eol = '\n', sep = ',') => ['SAMPLE' + sep + 'CLASS', ...Object.entries(labels).map(([s, c]) => `${s}${sep}${c}`), ''].join(eol);

describe('scanning a CSV-interface dataset', () => {
  it('reads classes and counts from the CSV and matches every image by its name without extension', async () => {
    const { dir, labels } = flat({ benign: 12, malignant: 14 });
    const gtFile = writeCsv('labels.csv', single(labels));
    const report = await scanChecked({ path: dir, gtFile });
    expect(report).toMatchObject({ interface: 'csv', dimensionality: '2D', multiLabel: false, totalImages: 26, problems: [] });
    expect(report.classes).toEqual([
      { name: 'benign', count: 12 },
      { name: 'malignant', count: 14 },
    ]);
    expect(report.samples.benign).toEqual(['benign_000.png', 'benign_001.png', 'benign_002.png', 'benign_003.png']);
    // the annotation file lies outside the image folder: the fingerprint covers it too
    const files = readdirSync(dir).map((name) => ({ rel: name, size: lstatSync(path.join(dir, name)).size, mtimeMs: lstatSync(path.join(dir, name)).mtimeMs }));
    const gt = lstatSync(gtFile);
    expect(report.fingerprint).toEqual(fingerprintOf([...files, { rel: path.relative(dir, gtFile), size: gt.size, mtimeMs: gt.mtimeMs }]));
  });

  it('takes the CSV variants: BOM, ";", CRLF, quoted fields, and sample names written with their extension', async () => {
    const { dir, labels } = flat({ a: 10, b: 10 });
    const withExt = Object.fromEntries(Object.entries(labels).map(([s, c], i) => [i % 2 ? `${s}.png` : s, c]));
    const variants = [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(single(labels))]),
      single(labels, '\r\n', ';'),
      ['"SAMPLE","CLASS"', ...Object.entries(labels).map(([s, c]) => `"${s}","${c}"`)].join('\r\n'),
      single(withExt),
    ];
    for (const text of variants) {
      const report = await scanChecked({ path: dir, gtFile: writeCsv('labels.csv', text) });
      expect(report.problems, String(text).slice(0, 40)).toEqual([]);
      expect(report.classes).toEqual([
        { name: 'a', count: 10 },
        { name: 'b', count: 10 },
      ]);
    }
  });

  it('reads one-hot CSVs as multi-label, counting each class column', async () => {
    const { dir } = flat({ x: 24 });
    const samples = readdirSync(dir).map((n) => n.replace(/\.png$/, '')).sort();
    const rows = samples.map((s, i) => `${s},${i % 2},${(i + 1) % 2},${i < 10 ? 1 : 0}`);
    const gtFile = writeCsv('onehot.csv', ['SAMPLE,effusion,nodule,atelectasis', ...rows].join('\n'));
    const report = await scanChecked({ path: dir, gtFile, ohe: true });
    expect(report.multiLabel).toBe(true);
    expect(report.classes).toEqual([
      { name: 'effusion', count: 12 },
      { name: 'nodule', count: 12 },
      { name: 'atelectasis', count: 10 },
    ]);
    // every image has one class or two
    expect(codes(report)).toEqual([]);
  });

  it('EMPTY_CLASS for a one-hot column that marks no image', async () => {
    const { dir, labels } = flat({ x: 12 });
    const rows = Object.keys(labels).map((s, i) => `${s},${i % 2},${(i + 1) % 2},0`);
    const report = await scanChecked({ path: dir, gtFile: writeCsv('onehot.csv', ['SAMPLE,a,b,never', ...rows].join('\n')), ohe: true });
    expect(problem(report, 'EMPTY_CLASS')).toMatchObject({ severity: 'error', files: ['never'] });
    // to score a model on, an all-0 column is how a class without images is given (io_csv.py takes the columns as they are)
    const asSet = await scanChecked({ path: dir, gtFile: writeCsv('onehot-set.csv', ['SAMPLE,a,b,never', ...rows].join('\n')), ohe: true, purpose: 'evaluation' });
    expect(problem(asSet, 'EMPTY_CLASS')).toMatchObject({ severity: 'warning', files: ['never'], message: 'The class "never" has no image marked 1 in the annotation file: the scores for that class will be empty.' });
    expect(asSet.errors).toBe(0);
  });

  it('CSV_MISSING_FILE for lines naming absent images; FILE_NOT_IN_CSV for images the CSV does not list', async () => {
    const { dir, labels } = flat({ a: 12, b: 12 });
    writeBytes(path.join(dir, 'extra_1.png'), pngBytes(8, 8));
    writeBytes(path.join(dir, 'extra_2.jpg'), jpegBytes(8, 8));
    const gtFile = writeCsv('labels.csv', single({ ...labels, ghost_1: 'a', ghost_2: 'b' }));
    const report = await scanChecked({ path: dir, gtFile });
    const name = path.basename(gtFile);
    expect(problem(report, 'CSV_MISSING_FILE')).toMatchObject({ severity: 'error', files: [`${name}:26: ghost_1`, `${name}:27: ghost_2`], fileCount: 2 });
    // AUCMEDI reads only the images the CSV lists, and the run's view holds only those: the others are left out
    expect(problem(report, 'FILE_NOT_IN_CSV')).toMatchObject({ severity: 'warning', files: ['extra_1.png', 'extra_2.jpg'], fileCount: 2 });
    // the CSV's classes still count
    expect(report.classes).toEqual([
      { name: 'a', count: 13 },
      { name: 'b', count: 13 },
    ]);
  });

  it('an annotation file inside the image folder is neither an ignored file nor an image, and is fingerprinted with the folder', async () => {
    const { dir, labels } = flat({ a: 12, b: 12 });
    const gtFile = path.join(dir, 'labels.csv');
    writeFileSync(gtFile, single(labels));
    const report = await scanChecked({ path: dir, gtFile });
    expect(report.problems).toEqual([]);
    expect(report.fingerprint.fileCount).toBe(25);
  });

  it('problems of the CSV itself reach the report: no header, a missing CLASS column, invalid one-hot values', async () => {
    const { dir, labels } = flat({ a: 12, b: 12 });
    const noHeader = await scanChecked({ path: dir, gtFile: writeCsv('x.csv', single(labels).split('\n').slice(1).join('\n')) });
    expect(codes(noHeader)).toEqual(['CSV_INVALID']);
    expect(noHeader.classes).toEqual([]);

    const noClass = await scanChecked({ path: dir, gtFile: writeCsv('x.csv', single(labels).replace('CLASS', 'LABEL')) });
    expect(codes(noClass)).toEqual(['UNKNOWN_CLASS_COLUMN']);

    const badOneHot = await scanChecked({ path: dir, gtFile: writeCsv('x.csv', single(labels)), ohe: true });
    expect(codes(badOneHot)).toEqual(['ONEHOT_INVALID_VALUE']);
    expect(badOneHot.problems[0]!.action).toMatch(/Switch off/);
  });

  it('TOO_FEW_CLASSES when the CSV gives a single class; DUPLICATE_NAMES for two files of one sample', async () => {
    const { dir, labels } = flat({ a: 12 });
    writeBytes(path.join(dir, 'a_003.jpg'), jpegBytes(8, 8));
    const report = await scanChecked({ path: dir, gtFile: writeCsv('x.csv', single(labels)) });
    expect(problem(report, 'TOO_FEW_CLASSES').files).toEqual(['a']);
    expect(problem(report, 'DUPLICATE_NAMES').files).toEqual(['a_003.jpg', 'a_003.png']);
    expect(codes(report)).not.toContain('FILE_NOT_IN_CSV');
  });

  it('sub-folders of the image folder are ignored, except DICOM series, which are samples named by their folder', async () => {
    const { dir, labels } = flat({ a: 12, b: 12 });
    for (let i = 1; i <= 2; i++) writeBytes(path.join(dir, 'series_1', `slice${i}.dcm`), dicomBytes(4, 4, String(i)));
    writeBytes(path.join(dir, 'old', 'a_000.png'), pngBytes(8, 8));
    mkdirSync(path.join(dir, 'empty'));
    const report = await scanChecked({ path: dir, gtFile: writeCsv('x.csv', single({ ...labels, series_1: 'a' })) });
    expect(problem(report, 'NESTED_FOLDERS')).toMatchObject({ files: ['empty/', 'old/'] });
    expect(problem(report, 'MIXED_DIMENSIONS').files).toEqual(['series_1']);
    expect(report.formats['dcm-series']).toBe(1);
    expect(codes(report)).not.toContain('CSV_MISSING_FILE');
  });
});
