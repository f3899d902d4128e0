// bench/dicom-convert: the app's DICOM-to-PNG conversion against dcmtk's dcm2pnm (window from the
// file, PNG out) on the same uncompressed 16-bit CR images, in the same run, alternating. dcm2pnm
// runs one process per file, two at a time (both cores); the app converts in one process. Prints
// the seconds of both, the ratio (goal: the app at most 1.5x dcm2pnm), and the app's peak RSS
// against its RSS before (flat: one image at a time). The 3D half (a 500-slice CT series) comes
// with the NIfTI conversion.
//
//   node bench/run.mjs dicom-convert
//   BENCH_IMAGES=2000 BENCH_SIZE=256 BENCH_ROUNDS=3 node bench/run.mjs dicom-convert
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertDicomFolder } from '../../src/dicom/convert';
import { seededValues, writeDicom, type DicomSpec } from '../../test/helpers/dicom';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 2000);
const SIZE = Number(process.env.BENCH_SIZE ?? 256);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const root = mkdtempSync(path.join(os.tmpdir(), 'bench-dicom-'));
try {
  const source = path.join(root, 'source');
  const started = Date.now();
  const specs: DicomSpec[] = [];
  for (let i = 0; i < IMAGES; i++) {
    specs.push({ path: path.join(source, i % 2 ? 'effusion' : 'normal', `IM${String(i).padStart(5, '0')}`), values: seededValues(SIZE * SIZE, 0, 4095, i + 1), rows: SIZE, columns: SIZE, bits_stored: 12, modality: 'CR', slope: 1, intercept: -1024, window: [1000, 3000] });
    if (specs.length === 200) writeDicom(specs.splice(0));
  }
  writeDicom(specs);
  console.log(`dicom-convert: ${IMAGES} CR images of ${SIZE}x${SIZE}, 12 bits stored, written in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const files = spawnSync('find', [source, '-type', 'f'], { encoding: 'utf8' }).stdout.trim().split('\n');
  const dcmtk = () => {
    const out = mkdtempSync(path.join(root, 'dcmtk-'));
    const t = process.hrtime.bigint();
    // one process per file, two at a time: `xargs -P 2` as an IT person would run it
    const result = spawnSync('sh', ['-c', `xargs -P 2 -I{} sh -c 'dcm2pnm +Wi 1 +on "$1" "${out}/$(basename "$1").png"' _ {}`], { input: files.join('\n'), encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`dcm2pnm failed: ${result.stderr}`);
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    rmSync(out, { recursive: true, force: true });
    return seconds;
  };
  let peakRss = 0;
  const app = async () => {
    const out = path.join(root, `app-${Date.now()}`);
    const t = process.hrtime.bigint();
    const report = await convertDicomFolder(source, out, { window: 'auto', frames: 'refuse', mappingFile: null }, { progress: () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)) });
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const written = Object.values(report.written).reduce((a, b) => a + b, 0);
    if (written !== IMAGES) throw new Error(`the app wrote ${written} of ${IMAGES} images`);
    rmSync(out, { recursive: true, force: true });
    return seconds;
  };
  const rssBefore = process.memoryUsage().rss;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    ours.push(await app());
    theirs.push(dcmtk());
    console.log(`  round ${round}: app ${ours.at(-1)!.toFixed(2)} s, dcm2pnm x2 ${theirs.at(-1)!.toFixed(2)} s`);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const ratio = median(ours) / median(theirs);
  console.log(`dicom-convert: app ${median(ours).toFixed(2)} s, dcm2pnm ${median(theirs).toFixed(2)} s (medians of ${ROUNDS}); ratio ${ratio.toFixed(2)} (goal <= 1.5)`);
  console.log(`dicom-convert: app RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ${(peakRss / 2 ** 20).toFixed(0)} MB at its peak`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
