/**
 * Issue 17: compressed DICOM. Real files written with pydicom, compressed by Debian's dcmtk
 * (dcmcrle, dcmcjpeg, dcmcjpls) and GDCM (gdcmconv --j2k), each checked to name the transfer syntax
 * it should, then converted: every lossless syntax gives exactly the pixels of its uncompressed
 * original (whose conversion is checked against the standard's formulas here and in
 * dicom-convert.test.ts), every lossy one within the tolerance stated below. A damaged stream, an
 * undecoded syntax and 12-bit JPEG are reported by name; the source is left as it was.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DicomConvertOptions } from '../../src/api/dicom';
import { convertDicomFolder } from '../../src/dicom/convert';
import { scanDicomFolder } from '../../src/dicom/scan';
import { compress, COMPRESSIONS, decompress, expectedLinear, readPng, relabelTransferSyntax, seededValues, transferSyntaxOf, writeDicom, type Compression, type DicomSpec } from '../helpers/dicom';
import { requireDicomTools } from '../helpers/requirements';
import { snapshotFolder } from '../helpers/snapshot';
import { tempDir } from '../helpers/temp';

const hasTools = requireDicomTools();
const EACH: DicomConvertOptions = { window: 'auto', frames: 'each', mappingFile: null };

/** A smooth image with a little noise, as a radiograph is: lossy codecs keep it close, so a tolerance means something. */
function smooth(rows: number, columns: number, top: number, seed: number, channel = 0): number[] {
  const noise = seededValues(rows * columns, 0, Math.max(1, Math.round(top / 64)), seed);
  return Array.from({ length: rows * columns }, (_, i) => {
    const [y, x] = [Math.floor(i / columns), i % columns];
    const wave = 0.5 + 0.25 * Math.sin((x + channel * 7) / 6) + 0.2 * Math.cos(y / 5);
    return Math.min(top, Math.round(wave * top * 0.9) + noise[i]!);
  });
}

/** The PNGs of a converted folder by class folder, sorted by name (the pseudonyms are the same for the same SOP Instance UID). */
function pngsOf(out: string): Record<string, ReturnType<typeof readPng>[]> {
  const result: Record<string, ReturnType<typeof readPng>[]> = {};
  for (const folder of readdirSync(out, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    result[folder.name] = readdirSync(path.join(out, folder.name)).sort().map((name) => readPng(path.join(out, folder.name, name)));
  }
  return result;
}

const differences = (a: number[], b: number[]) => {
  const diffs = a.map((value, i) => Math.abs(value - b[i]!));
  return { max: Math.max(...diffs), mean: diffs.reduce((sum, d) => sum + d, 0) / diffs.length };
};

describe.runIf(hasTools)('compressed DICOM: every transfer syntax round-trips to the pixels of its uncompressed original', () => {
  const dir = tempDir('aucmedi-dicom-compressed-');
  const [rows, columns] = [48, 64];
  const grey12 = smooth(rows, columns, 4095, 1);
  const signed = seededValues(rows * columns, -2000, 3000, 2);
  const signed12 = seededValues(rows * columns, -2048, 2047, 8);
  const grey8 = smooth(rows, columns, 255, 3);
  const rgb = Array.from({ length: rows * columns }, (_, i) => [0, 1, 2].map((c) => smooth(rows, columns, 255, 4 + c, c)[i]!)).flat();
  const frames = [5, 6, 7].flatMap((seed) => smooth(16, 16, 255, seed));
  const originals: Record<string, DicomSpec> = {
    grey12: { path: path.join(dir, 'originals', 'grey12', 'image'), values: grey12, rows, columns, bits_stored: 12, modality: 'CR', window: [2048, 4096] },
    signed: { path: path.join(dir, 'originals', 'signed', 'image'), values: signed, rows, columns, bits_stored: 16, signed: true, modality: 'DX' },
    signed12: { path: path.join(dir, 'originals', 'signed12', 'image'), values: signed12, rows, columns, bits_stored: 12, signed: true, modality: 'DX', window: [0, 4096] },
    // the identity window, so a lossy codec's error is seen as it is (a full-range mapping would move with the image's minimum and maximum)
    grey8: { path: path.join(dir, 'originals', 'grey8', 'image'), values: grey8, rows, columns, bits_allocated: 8, modality: 'CR', window: [128, 256] },
    rgb: { path: path.join(dir, 'originals', 'rgb', 'image'), values: rgb, rows, columns, bits_allocated: 8, samples: 3, photometric: 'RGB', modality: 'XC' },
    frames: { path: path.join(dir, 'originals', 'frames', 'image'), values: frames, rows: 16, columns: 16, frames: 3, bits_allocated: 8, modality: 'XA' },
  };
  writeDicom(Object.values(originals));

  /**
   * Which originals each syntax can hold (JPEG baseline is 8-bit), and for lossy ones the largest and
   * mean difference from the original allowed, in grey levels of the 8-bit PNG (measured: see the
   * README). A lossy file is also decoded by dcmtk or GDCM, whose pixels ours must match within 1.
   */
  const cases: Record<Compression, { images: string[]; tolerance?: { max: number; mean: number } }> = {
    rle: { images: ['grey12', 'signed', 'signed12', 'grey8', 'rgb', 'frames'] },
    'jpeg-lossless-sv1': { images: ['grey12', 'signed', 'signed12', 'grey8', 'rgb', 'frames'] },
    'jpeg-lossless': { images: ['grey12', 'grey8'] },
    'jpeg-ls': { images: ['grey12', 'signed', 'signed12', 'grey8', 'rgb', 'frames'] },
    // near-lossless with NEAR = 2: each stored value within 2, so within 1 grey level after a 4096-wide window, within 2 on 8-bit data
    'jpeg-ls-near': { images: ['grey12', 'grey8', 'rgb'], tolerance: { max: 2, mean: 1.5 } },
    'jpeg-2000-lossless': { images: ['grey12', 'signed', 'signed12', 'grey8', 'rgb', 'frames'] },
    'jpeg-2000': { images: ['grey12', 'grey8', 'rgb'], tolerance: { max: 8, mean: 2 } },
    'jpeg-baseline': { images: ['grey8', 'rgb', 'frames'], tolerance: { max: 16, mean: 5 } },
  };

  it('the uncompressed originals convert to the values the standard gives (the oracle the compressed files are held to)', async () => {
    const out = path.join(dir, 'originals-out');
    await convertDicomFolder(path.join(dir, 'originals'), out, EACH);
    const pngs = pngsOf(out);
    expect(pngs.grey12![0]!.samples).toEqual(grey12.map((v) => expectedLinear(v, 2048, 4096)));
    const [low, high] = [Math.min(...signed), Math.max(...signed)];
    expect(pngs.signed![0]!.samples).toEqual(signed.map((v) => Math.round(((v - low) / (high - low)) * 255)));
    expect(pngs.signed12![0]!.samples).toEqual(signed12.map((v) => expectedLinear(v, 0, 4096)));
    expect(pngs.grey8![0]!.samples).toEqual(grey8);
    expect(pngs.rgb![0]!.samples).toEqual(rgb);
    expect(pngs.frames).toHaveLength(3);
  });

  for (const [kind, { images, tolerance }] of Object.entries(cases) as [Compression, (typeof cases)[Compression]][]) {
    it(`${kind} (${COMPRESSIONS[kind].uid}, ${COMPRESSIONS[kind].command[0]}): ${tolerance ? `within ${tolerance.max} grey levels (mean ${tolerance.mean})` : 'exactly the same pixels'}`, async () => {
      const source = path.join(dir, kind);
      for (const image of images) {
        compress(originals[image]!.path, path.join(source, image, 'image'), kind);
        expect(transferSyntaxOf(path.join(source, image, 'image')), `${image} in ${kind}`).toBe(COMPRESSIONS[kind].uid);
      }
      const before = snapshotFolder(source);
      const scan = await scanDicomFolder(source);
      expect(scan.unusable).toEqual([]);
      if (tolerance) {
        for (const image of images) decompress(path.join(source, image, 'image'), path.join(dir, `${kind}-reference`, image, 'image'), kind);
        await convertDicomFolder(path.join(dir, `${kind}-reference`), path.join(dir, `${kind}-reference-out`), EACH);
      }
      const out = path.join(dir, `${kind}-out`);
      const report = await convertDicomFolder(source, out, EACH);
      expect(report.skipped).toEqual([]);
      expect(snapshotFolder(source)).toEqual(before);
      const expected = pngsOf(path.join(dir, 'originals-out'));
      const got = pngsOf(out);
      for (const image of images) {
        expect(got[image]!.map((png) => [png.width, png.height, png.colorType]), image).toEqual(expected[image]!.map((png) => [png.width, png.height, png.colorType]));
        got[image]!.forEach((png, frame) => {
          if (!tolerance) expect(png.samples, `${image} frame ${frame}`).toEqual(expected[image]![frame]!.samples);
          else {
            const { max, mean } = differences(png.samples, expected[image]![frame]!.samples);
            expect(max, `${image} frame ${frame}: largest difference`).toBeLessThanOrEqual(tolerance.max);
            expect(mean, `${image} frame ${frame}: mean difference`).toBeLessThanOrEqual(tolerance.mean);
            const reference = pngsOf(path.join(dir, `${kind}-reference-out`))[image]![frame]!.samples;
            expect(differences(png.samples, reference).max, `${image} frame ${frame} against ${kind.startsWith('jpeg-2000') ? 'GDCM' : 'dcmtk'}'s decoder`).toBeLessThanOrEqual(1);
          }
        });
      }
    });
  }

  it('finds the frames of a multi-frame file with and without a Basic Offset Table', async () => {
    const source = path.join(dir, 'offset-tables');
    compress(originals.frames!.path, path.join(source, 'with', 'image'), 'rle');
    compress(originals.frames!.path, path.join(source, 'without', 'image'), 'jpeg-ls', ['-ot']);
    const out = path.join(dir, 'offset-tables-out');
    const report = await convertDicomFolder(source, out, EACH);
    expect(report.written).toEqual({ with: 3, without: 3 });
    const expected = pngsOf(path.join(dir, 'originals-out')).frames!.map((png) => png.samples);
    const got = pngsOf(out);
    expect(got.with!.map((png) => png.samples)).toEqual(expected);
    expect(got.without!.map((png) => png.samples)).toEqual(expected);
  });

  it('reports a damaged stream, an undecoded transfer syntax and 12-bit JPEG by name, converts the rest, and changes no source file', async () => {
    const source = path.join(dir, 'hostile');
    compress(originals.grey12!.path, path.join(source, 'a', 'fine'), 'jpeg-ls');
    // RLE's header names one segment per byte plane; a file claiming seven cannot be decoded
    compress(originals.grey8!.path, path.join(source, 'a', 'rle-damaged'), 'rle');
    const rleFile = path.join(source, 'a', 'rle-damaged');
    const rle = readFileSync(rleFile);
    const at = rle.indexOf(Buffer.from([1, 0, 0, 0, 64, 0, 0, 0]));
    expect(at).toBeGreaterThan(0);
    rle[at] = 7;
    writeFileSync(rleFile, rle);
    // a JPEG 2000 code stream overwritten with zeros past its main header
    compress(originals.grey12!.path, path.join(source, 'a', 'j2k-damaged'), 'jpeg-2000-lossless');
    const j2kFile = path.join(source, 'a', 'j2k-damaged');
    const j2k = readFileSync(j2kFile);
    const codestream = j2k.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
    expect(codestream).toBeGreaterThan(0);
    j2k.fill(0, codestream + 120, j2k.length - 40);
    writeFileSync(j2kFile, j2k);
    // 12 bits stored in JPEG extended (process 4): libjpeg-turbo decodes 8-bit JPEG only
    execute(['dcmcjpeg', '+ee', originals.grey12!.path, path.join(source, 'a', 'jpeg12')]);
    // JPEG 2000 part 2 (multi-component): named, not decoded
    copyFileSync(path.join(source, 'a', 'fine'), path.join(source, 'a', 'part2'));
    relabelTransferSyntax(path.join(source, 'a', 'part2'), '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.92');
    expect(transferSyntaxOf(path.join(source, 'a', 'part2'))).toBe('1.2.840.10008.1.2.4.92');
    const before = snapshotFolder(source);
    const scan = await scanDicomFolder(source);
    expect(Object.fromEntries(scan.unusable.map(({ file, reason }) => [file, reason]))).toEqual({
      'a/jpeg12': expect.stringMatching(/12-bit JPEG extended, which this version does not decode \(8-bit JPEG only\)/),
      'a/part2': expect.stringMatching(/compressed as JPEG 2000 part 2 or JPIP, which this version does not decode/),
    });
    const out = path.join(dir, 'hostile-out');
    const report = await convertDicomFolder(source, out, EACH);
    expect(report.written).toEqual({ a: 1 });
    expect(Object.fromEntries(report.skipped.map(({ file, reason }) => [file, reason]))).toEqual({
      'a/jpeg12': expect.stringMatching(/12-bit JPEG/),
      'a/part2': expect.stringMatching(/JPEG 2000 part 2/),
      'a/rle-damaged': expect.stringMatching(/RLE lossless pixels cannot be decoded \(its RLE data has 7 segments where 1 are needed\)/),
      'a/j2k-damaged': expect.stringMatching(/JPEG 2000 lossless (pixels cannot be decoded|frame decodes to)/),
    });
    expect(snapshotFolder(source)).toEqual(before);
  });

  it('makes the same NIfTI volume from a CT series compressed with JPEG lossless as from its uncompressed slices', async () => {
    const slices = Array.from({ length: 5 }, (_, k) => seededValues(20 * 18, 0, 4000, 30 + k));
    const specs = slices.map((values, k) => ({
      path: path.join(dir, 'ct', 'plain', 'chest', `s${k}`), values, rows: 20, columns: 18, bits_stored: 12, modality: 'CT', slope: 1, intercept: -1024,
      series_uid: '1.2.3.77', sop_instance_uid: `1.2.3.77.${k}`, image_position: [0, 0, 3 * k], orientation: [1, 0, 0, 0, 1, 0], pixel_spacing: [0.5, 0.5] as [number, number],
    }));
    writeDicom(specs);
    specs.forEach((spec, k) => compress(spec.path, path.join(dir, 'ct', 'compressed', 'chest', `s${k}`), k % 2 ? 'jpeg-lossless-sv1' : 'jpeg-2000-lossless'));
    await convertDicomFolder(path.join(dir, 'ct', 'plain'), path.join(dir, 'ct-plain-out'), EACH);
    const report = await convertDicomFolder(path.join(dir, 'ct', 'compressed'), path.join(dir, 'ct-compressed-out'), EACH);
    expect(report.written).toEqual({ chest: 1 });
    const volume = (out: string) => gunzipSync(readFileSync(path.join(out, 'chest', readdirSync(path.join(out, 'chest'))[0]!)));
    const plain = volume(path.join(dir, 'ct-plain-out'));
    expect(volume(path.join(dir, 'ct-compressed-out')).equals(plain)).toBe(true);
    // and the voxels are the Hounsfield values of the slices in order
    expect(Array.from({ length: 5 * 20 * 18 }, (_, i) => plain.readInt16LE(352 + 2 * i))).toEqual(slices.flat().map((v) => v - 1024));
  });
});

function execute(command: string[]): void {
  const result = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed: ${result.stderr}`);
}
