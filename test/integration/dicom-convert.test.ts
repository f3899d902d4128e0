/**
 * Issue 17, first step: real DICOM files (written with pydicom, re-encoded with dcmtk's dcmconv)
 * converted to an AUCMEDI dataset. The PNG pixels are checked against values computed here from
 * the standard's formulas, and against dcmtk's own rendering (dcm2pnm); every native transfer
 * syntax gives the same pixels; hostile files are reported, none crashes; the source is unchanged.
 */
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertDicomFolder, CONVERSION_SETTINGS_FILE, pseudonym } from '../../src/dicom/convert';
import { scanDicomFolder } from '../../src/dicom/scan';
import type { DicomConvertOptions } from '../../src/api/dicom';
import { dcm2pnm, expectedLinear, readPng, reencode, seededValues, writeDicom, type DicomSpec } from '../helpers/dicom';
import { requireDicomTools, requireEngine } from '../helpers/requirements';
import { createCore } from '../../src/core';
import { main } from '../../src/cli/main';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, STAND_IN_TAG } from '../helpers/docker-cli';
import { ScriptedDialogs } from '../e2e/harness';
import { snapshotFolder } from '../helpers/snapshot';
import { tempDir } from '../helpers/temp';

const hasTools = requireDicomTools();
const AUTO: DicomConvertOptions = { window: 'auto', frames: 'refuse', mappingFile: null };

/** The only PNG of a class folder of a converted dataset. */
function onlyPng(out: string, classFolder: string) {
  const names = readdirSync(path.join(out, classFolder));
  expect(names).toHaveLength(1);
  return readPng(path.join(out, classFolder, names[0]!));
}

describe.runIf(hasTools)('DICOM to an AUCMEDI dataset (real files from pydicom and dcmtk)', () => {
  const dir = tempDir('aucmedi-dicom-');
  const rows = 16;
  const columns = 12;
  const count = rows * columns;
  const cr = seededValues(count, 0, 4095, 11);

  beforeAll(() => {
    writeDicom([
      { path: path.join(dir, 'base', 'cr.dcm'), values: cr, rows, columns, bits_stored: 12, modality: 'CR', slope: 2, intercept: -100, window: [3000, 4000], patient_name: 'Mustermann^Erika' },
    ]);
  });

  it('applies Rescale Slope/Intercept, then the first window, as the standard and dcmtk do', async () => {
    const source = path.join(dir, 'slope-window');
    copyFileSync(path.join(dir, 'base', 'cr.dcm'), (mkdirSync(path.join(source, 'pneumonia'), { recursive: true }), path.join(source, 'pneumonia', 'cr.dcm')));
    const out = path.join(dir, 'slope-window-out');
    const report = await convertDicomFolder(source, out, AUTO);
    expect(report.written).toEqual({ pneumonia: 1 });
    const png = onlyPng(out, 'pneumonia');
    expect({ width: png.width, height: png.height, colorType: png.colorType }).toEqual({ width: columns, height: rows, colorType: 0 });
    expect(png.samples).toEqual(cr.map((stored) => expectedLinear(stored * 2 - 100, 3000, 4000)));
    // dcmtk, an independent implementation, renders the same window within one grey level (rounding)
    const dcmtk = dcm2pnm(path.join(source, 'pneumonia', 'cr.dcm'), ['+Wi', '1']);
    const worst = Math.max(...png.samples.map((value, i) => Math.abs(value - dcmtk.data[i]!)));
    expect(worst).toBeLessThanOrEqual(1);
    expect(new Set(png.samples).size).toBeGreaterThan(50); // a real spread, not a flat image
  });

  it('gives the same pixels for every native transfer syntax: implicit and explicit little endian, big endian, deflate', async () => {
    const source = path.join(dir, 'syntaxes');
    for (const syntax of ['implicit', 'explicit', 'big', 'deflate'] as const) reencode(path.join(dir, 'base', 'cr.dcm'), path.join(source, syntax, 'image'), syntax);
    // the files really are in those syntaxes (dcmtk's dcmdump says which)
    const syntaxOf = (file: string) => execFileSync('dcmdump', ['-Un', '--search', '0002,0010', file], { encoding: 'utf8' });
    expect(syntaxOf(path.join(source, 'big', 'image'))).toMatch(/1\.2\.840\.10008\.1\.2\.2/);
    expect(syntaxOf(path.join(source, 'deflate', 'image'))).toMatch(/1\.2\.840\.10008\.1\.2\.1\.99/);
    const out = path.join(dir, 'syntaxes-out');
    const report = await convertDicomFolder(source, out, AUTO);
    expect(report.written).toEqual({ implicit: 1, explicit: 1, big: 1, deflate: 1 });
    const expected = cr.map((stored) => expectedLinear(stored * 2 - 100, 3000, 4000));
    for (const syntax of ['implicit', 'explicit', 'big', 'deflate']) expect(onlyPng(out, syntax).samples, syntax).toEqual(expected);
  });

  it('maps signed 12-bit data over its full range without a window, inverts MONOCHROME1, keeps RGB (both planar configurations), follows a VOI LUT', async () => {
    const source = path.join(dir, 'kinds');
    const signed = seededValues(count, -2048, 2047, 5);
    const mono1 = seededValues(count, 0, 255, 6);
    const rgb = seededValues(count * 3, 0, 255, 7);
    const lutInput = seededValues(count, 0, 255, 8);
    const lut = Array.from({ length: 256 }, (_, i) => (i * 37) % 4096); // 12-bit output
    writeDicom([
      { path: path.join(source, 'signed', 'a.dcm'), values: signed, rows, columns, bits_stored: 12, signed: true },
      { path: path.join(source, 'mono1', 'a.dcm'), values: mono1, rows, columns, bits_allocated: 8, photometric: 'MONOCHROME1', window: [128, 256] },
      { path: path.join(source, 'rgb', 'a.dcm'), values: rgb, rows, columns, bits_allocated: 8, samples: 3, photometric: 'RGB', planar: 0 },
      { path: path.join(source, 'rgb-planar', 'a.dcm'), values: rgb, rows, columns, bits_allocated: 8, samples: 3, photometric: 'RGB', planar: 1 },
      { path: path.join(source, 'voi-lut', 'a.dcm'), values: lutInput, rows, columns, bits_allocated: 8, voi_lut: { first: 0, bits: 12, data: lut } },
      { path: path.join(source, 'sigmoid', 'a.dcm'), values: lutInput, rows, columns, bits_allocated: 8, window: [100, 80], voi_function: 'SIGMOID' },
      { path: path.join(source, 'linear-exact', 'a.dcm'), values: lutInput, rows, columns, bits_allocated: 8, window: [100, 80], voi_function: 'LINEAR_EXACT' },
    ]);
    const out = path.join(dir, 'kinds-out');
    await convertDicomFolder(source, out, AUTO);
    const min = Math.min(...signed);
    const max = Math.max(...signed);
    expect(onlyPng(out, 'signed').samples).toEqual(signed.map((v) => Math.round(((v - min) / (max - min)) * 255)));
    expect(onlyPng(out, 'mono1').samples).toEqual(mono1.map((v) => 255 - expectedLinear(v, 128, 256)));
    const colour = onlyPng(out, 'rgb');
    expect(colour.colorType).toBe(2);
    expect(colour.samples).toEqual(rgb);
    // planar configuration 1: all R, then all G, then all B
    const planar = onlyPng(out, 'rgb-planar').samples;
    expect(planar.slice(0, 6)).toEqual([rgb[0], rgb[count], rgb[2 * count], rgb[1], rgb[count + 1], rgb[2 * count + 1]]);
    expect(onlyPng(out, 'voi-lut').samples).toEqual(lutInput.map((v) => Math.round((lut[v]! / 4095) * 255)));
    // PS3.3 C.11.2.1.3.1 (SIGMOID) and C.11.2.1.3.2 (LINEAR_EXACT), with output range 0..255
    expect(onlyPng(out, 'sigmoid').samples).toEqual(lutInput.map((v) => Math.round(255 / (1 + Math.exp((-4 * (v - 100)) / 80)))));
    expect(onlyPng(out, 'linear-exact').samples).toEqual(lutInput.map((v) => (v <= 60 ? 0 : v > 140 ? 255 : Math.round(((v - 100) / 80 + 0.5) * 255))));
  });

  it('uses a window the user picks instead of the file\'s', async () => {
    const source = path.join(dir, 'user-window');
    copyFileSync(path.join(dir, 'base', 'cr.dcm'), (mkdirSync(path.join(source, 'a'), { recursive: true }), path.join(source, 'a', 'cr.dcm')));
    const out = path.join(dir, 'user-window-out');
    await convertDicomFolder(source, out, { ...AUTO, window: { width: 1000, center: 2000 } });
    expect(onlyPng(out, 'a').samples).toEqual(cr.map((stored) => expectedLinear(stored * 2 - 100, 2000, 1000)));
    expect(JSON.parse(readFileSync(path.join(out, CONVERSION_SETTINGS_FILE), 'utf8'))).toMatchObject({ options: { window: { width: 1000, center: 2000 } }, windowsUsed: { 'window 1000/2000': 1 } });
  });

  it('uses a window per modality where the user picks one, and the file\'s own for the others (API and CLI alike)', async () => {
    const source = path.join(dir, 'modality-windows');
    writeDicom([
      { path: path.join(source, 'a', 'cr.dcm'), values: cr, rows, columns, bits_stored: 12, modality: 'CR', window: [3000, 4000] },
      { path: path.join(source, 'a', 'dx.dcm'), values: cr, rows, columns, bits_stored: 12, modality: 'DX', window: [3000, 4000] },
      { path: path.join(source, 'a', 'mg.dcm'), values: cr, rows, columns, bits_stored: 12, modality: 'MG', window: [3000, 4000] },
    ]);
    const byName = (out: string) => {
      const mapping = readFileSync(`${out}.csv`, 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
      return Object.fromEntries(mapping.map(([image, file]) => [path.basename(file!, '.dcm'), readPng(path.join(out, image!)).samples]));
    };
    const api = path.join(dir, 'modality-windows-api');
    await convertDicomFolder(source, api, { ...AUTO, window: { width: 500, center: 1000 }, windowsByModality: { CR: { width: 1000, center: 2000 }, DX: 'auto' }, mappingFile: `${api}.csv` });
    const cli = path.join(dir, 'modality-windows-cli');
    let errors = '';
    const err = (line: string) => void (errors += line);
    expect(await main(['dicom', 'convert', source, '--out', cli, '--window', 'cr=1000/2000, DX=auto,500/1000', '--mapping', `${cli}.csv`], () => {}, err), errors).toBe(0);
    expect(await main(['dicom', 'convert', source, '--out', `${cli}-2`, '--window', 'CR=1000/2000,CR=auto'], () => {}, err)).toBe(2);
    expect(errors).toMatch(/--window takes auto, WIDTH\/CENTER \(e\.g\. 400\/40\) or per modality MODALITY=auto\|WIDTH\/CENTER/);
    expect(existsSync(`${cli}-2`)).toBe(false);
    for (const out of [api, cli]) {
      const images = byName(out);
      expect(images.cr).toEqual(cr.map((stored) => expectedLinear(stored, 2000, 1000)));
      expect(images.dx).toEqual(cr.map((stored) => expectedLinear(stored, 3000, 4000))); // auto: the file's own
      expect(images.mg).toEqual(cr.map((stored) => expectedLinear(stored, 1000, 500))); // the window for every other image
      expect(JSON.parse(readFileSync(path.join(out, CONVERSION_SETTINGS_FILE), 'utf8'))).toMatchObject({
        options: { window: { width: 500, center: 1000 }, windowsByModality: { CR: { width: 1000, center: 2000 }, DX: 'auto' } },
        windowsUsed: { 'window 1000/2000': 1, 'window 4000/3000 from the file': 1, 'window 500/1000': 1 },
      });
    }
  });

  it('refuses a multi-frame file unless asked for one image per frame', async () => {
    const source = path.join(dir, 'frames');
    const frames = seededValues(count * 3, 0, 255, 9);
    writeDicom([{ path: path.join(source, 'cine', 'us.dcm'), values: frames, rows, columns, bits_allocated: 8, frames: 3, modality: 'US', window: [128, 256] }]);
    const refused = await convertDicomFolder(source, path.join(dir, 'frames-out-1'), AUTO);
    expect(refused.written).toEqual({});
    expect(refused.skipped).toMatchObject([{ file: 'cine/us.dcm', reason: expect.stringMatching(/3 frames/) }]);
    const each = await convertDicomFolder(source, path.join(dir, 'frames-out-2'), { ...AUTO, frames: 'each' });
    expect(each.written).toEqual({ cine: 3 });
    const names = readdirSync(path.join(dir, 'frames-out-2', 'cine')).sort();
    const byName = names.map((name) => readPng(path.join(dir, 'frames-out-2', 'cine', name)).samples);
    const wanted = [0, 1, 2].map((f) => frames.slice(f * count, (f + 1) * count).map((v) => expectedLinear(v, 128, 256)));
    expect(byName.map((samples) => wanted.findIndex((w) => JSON.stringify(w) === JSON.stringify(samples))).sort()).toEqual([0, 1, 2]);
  });

  it('reports every hostile file with its reason, crashes on none, and leaves the source byte for byte as it was', async () => {
    const source = path.join(dir, 'hostile');
    writeDicom([
      { path: path.join(source, 'ok', 'good.dcm'), values: cr, rows, columns, bits_stored: 12, window: [2000, 4000] },
      { path: path.join(source, 'ok', 'truncated.dcm'), values: cr, rows, columns, bits_stored: 12 },
      { path: path.join(source, 'ok', 'report.dcm'), no_pixels: true, modality: 'SR' },
      { path: path.join(source, 'ok', 'ct-slice.dcm'), values: cr, rows, columns, bits_stored: 12, modality: 'CT', image_position: [0, 0, 5] },
      { path: path.join(source, 'ok', 'gsps.dcm'), no_pixels: true, modality: 'PR', sop_class: '1.2.840.10008.5.1.4.1.1.11.1' }, // Grayscale Softcopy Presentation State
    ]);
    const size = statSync(path.join(source, 'ok', 'truncated.dcm')).size;
    truncateSync(path.join(source, 'ok', 'truncated.dcm'), size - 100);
    writeFileSync(path.join(source, 'ok', 'claims.dcm'), Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from('garbage that is no data set at all')]));
    writeFileSync(path.join(source, 'ok', 'notes.dcm'), 'just text with a .dcm name');
    execFileSync('mkfifo', [path.join(source, 'ok', 'pipe.dcm')]);
    writeFileSync(path.join(source, 'loose.dcm'), readFileSync(path.join(source, 'ok', 'good.dcm')));
    const before = snapshotFolder(source);

    const scan = await scanDicomFolder(source);
    expect(scan).toMatchObject({ files: 8, dicomFiles: 7, notDicom: { count: 1 }, images2d: 2, series3d: { series: 1, slices: 1 }, skipped: ['ok/pipe.dcm'], classes: { ok: 1 } });
    const reasons = Object.fromEntries(scan.unusable.map(({ file, reason }) => [file, reason]));
    expect(reasons).toEqual({
      'loose.dcm': expect.stringMatching(/not in a class folder/),
      'ok/': expect.stringMatching(/CT series of 1 slices in ok: it has a single slice, which is no volume/),
      'ok/claims.dcm': expect.stringMatching(/truncated or damaged|cannot be parsed/),
      'ok/report.dcm': expect.stringMatching(/holds no image \(SR, a structured report\)/),
      'ok/gsps.dcm': expect.stringMatching(/holds no image \(PR, a presentation state\)/),
      'ok/truncated.dcm': expect.stringMatching(/truncated|shorter/),
    });

    const out = path.join(dir, 'hostile-out');
    const report = await convertDicomFolder(source, out, AUTO);
    expect(report.written).toEqual({ ok: 1 });
    expect(report.skipped.map(({ file }) => file).sort()).toEqual(['loose.dcm', 'ok/', 'ok/claims.dcm', 'ok/gsps.dcm', 'ok/notes.dcm', 'ok/pipe.dcm', 'ok/report.dcm', 'ok/truncated.dcm']);
    expect(snapshotFolder(source)).toEqual(before);
  });

  it('writes no identifier: pseudonyms for names, only pixels in the PNGs, the mapping only when asked and outside the dataset', async () => {
    const source = path.join(dir, 'identifiers');
    const uid = '1.2.826.0.1.3680043.8.498.99999';
    writeDicom([{ path: path.join(source, 'c', 'Mustermann_Erika_PID-12345.dcm'), values: cr, rows, columns, bits_stored: 12, sop_instance_uid: uid, patient_name: 'Mustermann^Erika' }]);
    const out = path.join(dir, 'identifiers-out');
    const mappingFile = path.join(dir, 'identifiers-mapping.csv');
    await expect(convertDicomFolder(source, path.join(dir, 'x'), { ...AUTO, mappingFile: path.join(dir, 'x', 'map.csv') })).rejects.toThrow(/holds identifiers/);
    await convertDicomFolder(source, out, { ...AUTO, mappingFile });
    const [name] = readdirSync(path.join(out, 'c'));
    expect(name).toMatch(/^img-[0-9a-f]{20}\.png$/);
    const everything = [...readdirSync(out), name!, readFileSync(path.join(out, 'c', name!)).toString('latin1'), readFileSync(path.join(out, CONVERSION_SETTINGS_FILE), 'utf8')].join('\n');
    for (const identifier of ['Mustermann', 'PID-12345', uid]) expect(everything).not.toContain(identifier);
    expect(readFileSync(mappingFile, 'utf8')).toBe(`image,source_file,sop_instance_uid,series_instance_uid,frame\nc/${name},c/Mustermann_Erika_PID-12345.dcm,${uid},${readFileSync(mappingFile, 'utf8').split('\n')[1]!.split(',')[3]},\n`);
    expect(statSync(mappingFile).mode & 0o077).toBe(0);
    // the same image gets the same name in a second conversion
    await convertDicomFolder(source, path.join(dir, 'identifiers-again'), AUTO);
    expect(readdirSync(path.join(dir, 'identifiers-again', 'c'))).toEqual([name]);
  });

  it('never writes into the source or over files: an output inside the source, a non-empty output, the source inside the output are refused', async () => {
    const source = path.join(dir, 'base');
    const occupied = path.join(dir, 'occupied');
    mkdirSync(occupied);
    writeFileSync(path.join(occupied, 'keep.txt'), 'mine');
    await expect(convertDicomFolder(source, path.join(source, 'converted'), AUTO)).rejects.toThrow(/inside the DICOM folder/);
    await expect(convertDicomFolder(source, occupied, AUTO)).rejects.toThrow(/not empty/);
    await expect(convertDicomFolder(source, dir, AUTO)).rejects.toThrow(/inside the output folder/);
    expect(readFileSync(path.join(occupied, 'keep.txt'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(source, 'converted'))).toBe(false);
  });

  it('makes one NIfTI volume per 3D series: slices sorted by position (not name), spacing and orientation from the headers, Hounsfield values; broken series refused', async () => {
    const source = path.join(dir, 'ct');
    const [sliceRows, sliceColumns, slices] = [6, 5, 7];
    // A coronal series: rows run along x, columns along -z; slices step along y by 2.5 mm.
    const orientation = [1, 0, 0, 0, 0, -1];
    const pixelSpacing: [number, number] = [0.7, 0.8]; // between rows, between columns
    const origin = [-10, 20, 30];
    const stored = Array.from({ length: slices }, (_, k) => seededValues(sliceRows * sliceColumns, 0, 3000, 50 + k));
    const positionOf = (k: number) => [origin[0]!, origin[1]! - 2.5 * k, origin[2]!]; // normal = row x col = (0,1,0)·-1... computed below
    const ct = (folder: string, series: string, ks: number[], extra: Partial<DicomSpec> = {}) =>
      ks.map((k, n) => ({
        path: path.join(source, folder, `slice-${String((k * 7 + 3) % 10)}-${n}`), // names in no order
        values: stored[k]!, rows: sliceRows, columns: sliceColumns, bits_stored: 12, modality: 'CT', slope: 1, intercept: -1024,
        series_uid: series, image_position: positionOf(k), orientation, pixel_spacing: pixelSpacing, instance_number: 100 - n * 3 + (k % 2), ...extra,
      }));
    writeDicom([
      ...ct('lung', '1.2.3.4.100', [3, 0, 6, 1, 5, 2, 4]),
      ...ct('lung', '1.2.3.4.101', [2, 0, 1]).map((spec) => ({ ...spec, path: `${spec.path}-second-series` })), // two series in one folder: two volumes
      { path: path.join(source, 'lung', 'scout'), values: stored[0]!, rows: sliceRows, columns: sliceColumns, bits_stored: 12, modality: 'CT', series_uid: '1.2.3.4.100', image_position: [0, 0, 0], orientation: [1, 0, 0, 0, 1, 0], pixel_spacing: pixelSpacing, image_type: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] },
      ...ct('gap', '1.2.3.4.200', [0, 1, 2, 4, 5, 6]),
      ...ct('mixed', '1.2.3.4.300', [0, 1, 2]),
      { path: path.join(source, 'mixed', 'odd-size'), values: seededValues(4 * 4, 0, 100, 9), rows: 4, columns: 4, bits_stored: 12, modality: 'CT', series_uid: '1.2.3.4.300', image_position: positionOf(3), orientation, pixel_spacing: pixelSpacing },
    ]);
    const before = snapshotFolder(source);
    const out = path.join(dir, 'ct-out');
    const report = await convertDicomFolder(source, out, AUTO);
    expect(report.written).toEqual({ lung: 2 });
    expect(Object.fromEntries(report.skipped.map(({ file, reason }) => [file, reason]))).toEqual({
      'lung/scout': expect.stringMatching(/localizer/),
      'gap/': expect.stringMatching(/a slice is missing after position/),
      'mixed/': expect.stringMatching(/different sizes/),
    });
    expect(snapshotFolder(source)).toEqual(before);

    const name = `${pseudonym('series:1.2.3.4.100', null)}.nii.gz`;
    expect(readdirSync(path.join(out, 'lung')).sort()).toEqual([name, `${pseudonym('series:1.2.3.4.101', null)}.nii.gz`].sort());
    expect(name).toMatch(/^img-[0-9a-f]{20}\.nii\.gz$/);
    const second = gunzipSync(readFileSync(path.join(out, 'lung', `${pseudonym('series:1.2.3.4.101', null)}.nii.gz`)));
    expect([0, 1, 2, 3].map((i) => second.readInt16LE(40 + 2 * i))).toEqual([3, sliceColumns, sliceRows, 3]);
    const nii = gunzipSync(readFileSync(path.join(out, 'lung', name)));
    // NIfTI-1, read here field by field (nifti1.h offsets)
    expect(nii.readInt32LE(0)).toBe(348);
    expect(nii.toString('latin1', 344, 348)).toBe('n+1\0');
    expect([0, 1, 2, 3].map((i) => nii.readInt16LE(40 + 2 * i))).toEqual([3, sliceColumns, sliceRows, slices]);
    expect(nii.readInt16LE(70)).toBe(4); // int16: integral slope and intercept
    expect([1, 2, 3].map((i) => nii.readFloatLE(76 + 4 * i))).toEqual([Math.fround(0.8), Math.fround(0.7), 2.5]);
    const offset = nii.readFloatLE(108);
    expect(nii.readInt16LE(254)).toBe(1); // sform: scanner coordinates
    // The slice normal row x col = (1,0,0) x (0,0,-1) = (0,1,0): positions along it are y, so the volume runs from y = 20 - 15 (k = 6) to y = 20 (k = 0).
    const sorted = [6, 5, 4, 3, 2, 1, 0];
    const first = positionOf(sorted[0]!);
    // voxel (i, j, k) at first + i·0.8·row + j·0.7·col + k·(0, 2.5, 0) in LPS; RAS flips x and y
    const expectedAffine = [
      [-0.8 * 1, -0.7 * 0, -0, -first[0]!],
      [-0.8 * 0, -0.7 * 0, -2.5, -first[1]!],
      [0.8 * 0, 0.7 * -1, 0, first[2]!],
    ];
    const affine = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => nii.readFloatLE(280 + 16 * r + 4 * c)));
    affine.forEach((row, r) => row.forEach((v, c) => expect(v, `srow ${r} ${c}`).toBeCloseTo(expectedAffine[r]![c]!, 5)));
    // y grows with k in the volume: the second slice lies 2.5 mm further along +y (LPS) than the first
    expect(nii.readFloatLE(280 + 16 + 8)).toBeCloseTo(-2.5, 5);
    const voxels = sorted.flatMap((k) => stored[k]!.map((v) => v - 1024));
    expect(Array.from({ length: voxels.length }, (_, i) => nii.readInt16LE(offset + 2 * i))).toEqual(voxels);
  });

  it('is driven from the command line: scan and convert with their sentences, usage errors exit 2', async () => {
    const lines: string[] = [];
    const run = (...argv: string[]) => main(argv, (text) => lines.push(text), (text) => lines.push(text));
    const source = path.join(dir, 'kinds');
    expect(await run('dicom', 'scan', source)).toBe(0);
    expect(lines.join('\n')).toMatch(/2D images: 7\n/);
    lines.length = 0;
    expect(await run('dicom', 'scan', source, '--json')).toBe(0);
    expect(JSON.parse(lines.join(''))).toMatchObject({ images2d: 7, classes: { rgb: 1, signed: 1 } });
    lines.length = 0;
    const out = path.join(dir, 'cli-out');
    expect(await run('dicom', 'convert', source, '--out', out, '--window', '400/40')).toBe(0);
    expect(lines.join('\n')).toMatch(/^Converted 7 images \(2D images and 3D volumes\) into .*cli-out/);
    for (const wrong of [['--window', '400'], ['--window', '0/40'], ['--frames', 'some'], ['--classes-from', 'csv:x']]) {
      expect(await run('dicom', 'convert', source, '--out', path.join(dir, 'cli-never'), ...wrong), wrong.join(' ')).toBe(2);
    }
    expect(await run('dicom', 'convert', source)).toBe(2);
    expect(existsSync(path.join(dir, 'cli-never'))).toBe(false);
    lines.length = 0;
    expect(await run('dicom', 'scan', path.join(dir, 'nowhere'))).toBe(1);
    expect(lines.join('\n')).toMatch(/does not exist/);
  });

  it('takes classes from an annotation CSV keyed by a DICOM attribute: a PACS export in study and series folders, one class per PatientID or StudyInstanceUID', async () => {
    const source = path.join(dir, 'pacs');
    const values = seededValues(4 * 4, 0, 255, 3);
    const image = (where: string, patient: string, extra: Partial<DicomSpec> = {}): DicomSpec => ({ path: path.join(source, where), values, rows: 4, columns: 4, bits_allocated: 8, modality: 'CR', patient_id: patient, ...extra });
    writeDicom([
      image('STUDY1/SERIES1/IM0001', 'P-001'),
      image('STUDY1/SERIES1/IM0002', 'P-001'),
      image('STUDY2/SERIES1/IM0001', 'P-002'),
      image('STUDY3/SERIES1/IM0001', 'P-unlisted'),
      ...[0, 1, 2].map((k) => image(`STUDY4/SERIES9/CT${k}`, 'P-003', { modality: 'CT', bits_allocated: 16, bits_stored: 12, series_uid: '1.2.3.9', study_uid: '1.2.3.900', image_position: [0, 0, 2 * k] })),
    ]);
    const csv = path.join(dir, 'pacs-classes.csv');
    writeFileSync(csv, 'PatientID;diagnosis\nP-001;pneumonia\n"P-002";normal\nP-003;normal\nP-999;normal\n');
    const before = snapshotFolder(source);
    const classes = { from: 'csv' as const, file: csv, attribute: 'PatientID' as const };
    const scan = await scanDicomFolder(source, { classes });
    expect(scan.classes).toEqual({ pneumonia: 2, normal: 2 });
    expect(scan.annotationRowsUnused).toBe(1);
    expect(scan.unusable).toMatchObject([{ file: 'STUDY3/SERIES1/IM0001', reason: 'its PatientID is not listed in pacs-classes.csv' }]);
    const out = path.join(dir, 'pacs-out');
    const report = await convertDicomFolder(source, out, { ...AUTO, classes });
    expect(report.written).toEqual({ pneumonia: 2, normal: 2 });
    expect(readdirSync(path.join(out, 'normal')).map((name) => name.replace(/^img-[0-9a-f]{20}/, 'img')).sort()).toEqual(['img.nii.gz', 'img.png']);
    expect(report.skipped).toMatchObject([{ file: 'STUDY3/SERIES1/IM0001', reason: 'its PatientID is not listed in pacs-classes.csv' }]);
    // the settings say how classes were assigned, not which patient is in which class
    const settings = readFileSync(report.settingsFile, 'utf8');
    expect(JSON.parse(settings).options.classes).toEqual({ from: 'csv', attribute: 'PatientID', file: 'pacs-classes.csv', rows: 4 });
    expect(settings).not.toMatch(/P-00/);
    expect(snapshotFolder(source)).toEqual(before);

    // keyed by StudyInstanceUID: only the CT study is listed
    const byStudy = path.join(dir, 'pacs-by-study.csv');
    writeFileSync(byStudy, 'StudyInstanceUID,class\n1.2.3.900,covid\n');
    const studyReport = await convertDicomFolder(source, path.join(dir, 'pacs-study-out'), { ...AUTO, classes: { from: 'csv', file: byStudy, attribute: 'StudyInstanceUID' } });
    expect(studyReport.written).toEqual({ covid: 1 });
    expect(studyReport.skipped.map(({ reason }) => reason)).toEqual(Array(4).fill('its StudyInstanceUID is not listed in pacs-by-study.csv'));

    // a table that is wrong is refused before anything is written
    for (const [name, text, message] of [
      ['two-classes.csv', 'PatientID,class\nP-001,a\nP-001,b\n', /Lines 2 and 3 of two-classes.csv give the same PatientID two classes/],
      ['slash.csv', 'PatientID,class\nP-001,a/b\n', /cannot be a folder name/],
      ['one-column.csv', 'PatientID\nP-001\n', /needs two columns/],
      ['empty-class.csv', 'PatientID,class\nP-001,\n', /Line 2 of the annotation file empty-class.csv has an empty class/],
    ] as const) {
      writeFileSync(path.join(dir, name), text);
      const never = path.join(dir, `pacs-never-${name}`);
      await expect(convertDicomFolder(source, never, { ...AUTO, classes: { from: 'csv', file: path.join(dir, name), attribute: 'PatientID' } }), name).rejects.toThrow(message);
      expect(existsSync(never), name).toBe(false);
    }

    // and from the command line
    const lines: string[] = [];
    expect(await main(['dicom', 'convert', source, '--out', path.join(dir, 'pacs-cli-out'), '--classes-from', `csv:${csv}:PatientID`], (t) => lines.push(t), (t) => lines.push(t))).toBe(0);
    expect(lines.join('\n')).toMatch(/^Converted 4 images .*\(pneumonia 2, normal 2\)[\s\S]*1 row of the annotation file matched no DICOM file/);
    expect(await main(['dicom', 'scan', source, '--classes-from', `csv:${csv}:PatientName`], () => {}, () => {})).toBe(2);
  });

  it('undoes a cancelled conversion: nothing half-made is left', async () => {
    const source = path.join(dir, 'many');
    writeDicom(Array.from({ length: 60 }, (_, i) => ({ path: path.join(source, i % 2 ? 'a' : 'b', `${i}.dcm`), values: cr, rows, columns, bits_stored: 12 })));
    const out = path.join(dir, 'many-out');
    const controller = new AbortController();
    const conversion = convertDicomFolder(source, out, AUTO, { signal: controller.signal, progress: (seen) => seen >= 50 && controller.abort() });
    await expect(conversion).rejects.toMatchObject({ userError: { code: 'OPERATION_CANCELLED' } });
    expect(existsSync(out)).toBe(false);
  });
});

describe.runIf(hasTools && requireEngine())('a converted DICOM folder trains and evaluates on the stand-in (real engine, real containers)', () => {
  const dir = tempDir('aucmedi-dicom-train-');

  /** The dataset check of `dataset`, then a training and an evaluation on it, on the stand-in; what each gave. */
  async function checkTrainEvaluate(name: string, dataset: string, options: { threeDim: boolean; batchSize: number; shape3D?: [number, number, number] }) {
    const settings = new JsonFileSettingsStore(path.join(dir, `app-data-${name}`, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, `runs-${name}`) });
    const core = createCore({ settings, dataDir: path.join(dir, `app-data-${name}`), dialogs: new ScriptedDialogs() });
    try {
      const scan = await core.handlers['dataset:scan']({ path: dataset, gtFile: null, ohe: false, scanId: `dicom-scan-${name}` });
      if (!scan.ok) throw new Error(scan.error.message);
      const started = await core.handlers['runs:start-training']({
        dataset: { path: dataset, gtFile: null, ohe: false },
        options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 10, workers: 1, ...options },
        gpus: { kind: 'none' },
      });
      if (!started.ok) throw new Error(started.error.message);
      const trained = await core.runs.waitForEnd(started.data.id);
      const evaluation = await core.handlers['runs:start-evaluation']({ model: { runId: trained.id }, dataset: { path: dataset, gtFile: null, ohe: false }, options: { batchSize: options.batchSize, workers: 1 }, gpus: { kind: 'none' } });
      if (!evaluation.ok) throw new Error(evaluation.error.message);
      return { report: scan.data, trained, evaluated: await core.runs.waitForEnd(evaluation.data.id) };
    } finally {
      core.dispose();
    }
  }

  it('converts two classes of 16-bit CR images, then a training and an evaluation on the result succeed', async () => {
    buildStandIn();
    const source = path.join(dir, 'pacs-export');
    writeDicom(
      ['effusion', 'normal'].flatMap((name, c) =>
        Array.from({ length: 12 }, (_, i) => ({ path: path.join(source, name, `IM${i}`), values: seededValues(256, c * 1500, 2500 + c * 1500, 100 * c + i + 1), rows: 16, columns: 16, bits_stored: 12, modality: 'CR', window: [2500, 4000] as [number, number] })),
      ),
    );
    const dataset = path.join(dir, 'dataset');
    const converted = await convertDicomFolder(source, dataset, AUTO);
    expect(converted.written).toEqual({ effusion: 12, normal: 12 });

    const { report, trained, evaluated } = await checkTrainEvaluate('2d', dataset, { threeDim: false, batchSize: 8 });
    expect({ errors: report.errors, codes: report.problems.map((p) => p.code) }).toEqual({ errors: 0, codes: [] }); // no warning for the conversion's own settings file either
    expect(trained).toMatchObject({ state: 'succeeded', classNames: ['effusion', 'normal'] });
    expect(evaluated).toMatchObject({ state: 'succeeded', results: { samples: 24 } });
    // both manifests name the DICOM folder by its fingerprint, and the conversion's settings
    const fileLines = readdirSync(source, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    expect(converted.sourceFingerprint).toMatchObject({ fileCount: fileLines.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    for (const run of [trained, evaluated]) {
      const manifest = JSON.parse(readFileSync(path.join(run.outputDir, 'run.json'), 'utf8'));
      expect(manifest.dataset.convertedFrom, run.mode).toEqual({
        convertedBy: expect.stringMatching(/^aucmedi-desk /),
        source,
        sourceFingerprint: converted.sourceFingerprint,
        options: { window: 'auto', frames: 'refuse', classes: { from: 'folders' } },
        windowsUsed: { 'window 4000/2500 from the file': 24 },
      });
    }
  }, 600_000);

  it('converts two classes of CT series to NIfTI volumes, then a 3D training and an evaluation on the result succeed', async () => {
    const source = path.join(dir, 'ct-export');
    const size = 16;
    writeDicom(
      ['nodule', 'clear'].flatMap((name, c) =>
        Array.from({ length: 6 }, (_, v) =>
          Array.from({ length: size }, (_, k) => ({
            path: path.join(source, name, `patient${v}`, `slice${k}`),
            values: seededValues(size * size, c * 800, 1500 + c * 800, 1000 * c + 50 * v + k + 1),
            rows: size, columns: size, bits_stored: 12, modality: 'CT', slope: 1, intercept: -1024,
            series_uid: `1.2.826.0.1.${c}.${v}`, image_position: [0, 0, 2 * k], pixel_spacing: [1, 1] as [number, number],
          })),
        ).flat(),
      ),
    );
    const dataset = path.join(dir, 'ct-dataset');
    expect((await convertDicomFolder(source, dataset, AUTO)).written).toEqual({ nodule: 6, clear: 6 });
    const { report, trained, evaluated } = await checkTrainEvaluate('3d', dataset, { threeDim: true, batchSize: 4, shape3D: [16, 16, 16] });
    expect({ dimensionality: report.dimensionality, errors: report.errors, formats: report.formats }).toEqual({ dimensionality: '3D', errors: 0, formats: { 'nii.gz': 12 } });
    expect(trained).toMatchObject({ state: 'succeeded', classNames: ['clear', 'nodule'] });
    expect(evaluated).toMatchObject({ state: 'succeeded', results: { samples: 12 } });
  }, 600_000);
});
