// bench/dicom-convert: the app's DICOM-to-PNG conversion against dcmtk's dcm2pnm (window from the
// file, PNG out) on the same uncompressed 16-bit CR images, in the same run, alternating. dcm2pnm
// runs one process per file, two at a time (both cores); the app converts in one process. Prints
// the seconds of both, the ratio (goal: the app at most 1.5x dcm2pnm), and the app's peak RSS
// against its RSS before (flat: one image at a time). The 3D half converts a CT series of 500
// slices of 512x512 to one NIfTI volume, against a plain read of the same files (readFile of each,
// in the same process): the ratio says what the header pass, the second read, the pixel pipeline
// and gzip cost on top of the bytes; RSS must stay flat (one slice at a time, not the volume).
//
//   node bench/run.mjs dicom-convert
//   BENCH_PART=cr|ct|all BENCH_IMAGES=2000 BENCH_SIZE=256 BENCH_SLICES=500 BENCH_CT_SIZE=512 BENCH_ROUNDS=3 node bench/run.mjs dicom-convert
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { convertDicomFolder } from '../../src/dicom/convert';
import { seededValues, writeDicom, type DicomSpec } from '../../test/helpers/dicom';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 2000);
const SIZE = Number(process.env.BENCH_SIZE ?? 256);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PART = process.env.BENCH_PART ?? 'all';
const SLICES = Number(process.env.BENCH_SLICES ?? 500);
const CT_SIZE = Number(process.env.BENCH_CT_SIZE ?? 512);
let threadsUsed = 0;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const root = mkdtempSync(path.join(os.tmpdir(), 'bench-dicom-'));
try {
  if (PART !== 'ct') await crHalf();
  if (PART !== 'cr') await ctHalf();
} finally {
  rmSync(root, { recursive: true, force: true });
}

async function ctHalf() {
  const source = path.join(root, 'ct');
  const started = Date.now();
  const specs: DicomSpec[] = [];
  for (let k = 0; k < SLICES; k++) {
    // a body-like phantom: air outside, soft tissue inside, noise; 12 bits stored, HU = stored - 1024
    const noise = seededValues(CT_SIZE * CT_SIZE, 0, 60, k + 1);
    const values = noise.map((n, i) => {
      const [y, x] = [Math.floor(i / CT_SIZE) - CT_SIZE / 2, (i % CT_SIZE) - CT_SIZE / 2];
      return x * x + y * y < (CT_SIZE * 0.4) ** 2 ? 1040 + n : n;
    });
    specs.push({ path: path.join(source, 'chest', `CT${String((k * 7919) % SLICES).padStart(4, '0')}-${k}`), values, rows: CT_SIZE, columns: CT_SIZE, bits_stored: 12, modality: 'CT', slope: 1, intercept: -1024, series_uid: '1.2.3.4.5.6', image_position: [-200, -200, 1.25 * k], pixel_spacing: [0.78, 0.78] });
    if (specs.length === 50) writeDicom(specs.splice(0));
  }
  writeDicom(specs);
  const files = readdirSync(path.join(source, 'chest')).map((name) => path.join(source, 'chest', name));
  console.log(`dicom-convert: a CT series of ${SLICES} slices of ${CT_SIZE}x${CT_SIZE}, written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const plainRead = async () => {
    const t = process.hrtime.bigint();
    let bytes = 0;
    for (const file of files) bytes += (await readFile(file)).length;
    if (bytes === 0) throw new Error('nothing read');
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const rssBefore = process.memoryUsage().rss;
  const app = async () => {
    const out = path.join(root, `ct-app-${Date.now()}`);
    const t = process.hrtime.bigint();
    const report = await convertDicomFolder(source, out, { window: 'auto', frames: 'refuse', mappingFile: null });
    threadsUsed = report.threads;
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    if (report.written.chest !== 1) throw new Error(`the app wrote no volume: ${JSON.stringify(report.skipped.slice(0, 3))}`);
    rmSync(out, { recursive: true, force: true });
    return seconds;
  };
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      ours.push(await app());
      theirs.push(await plainRead());
      console.log(`  round ${round}: app ${ours.at(-1)!.toFixed(2)} s, plain read ${theirs.at(-1)!.toFixed(2)} s`);
    }
  } finally {
    clearInterval(sampler);
  }
  const volumeMb = (SLICES * CT_SIZE * CT_SIZE * 2) / 2 ** 20;
  console.log(`dicom-convert CT: app (${threadsUsed} worker threads) ${median(ours).toFixed(2)} s, plain read ${median(theirs).toFixed(2)} s (medians of ${ROUNDS}); ratio ${(median(ours) / median(theirs)).toFixed(2)}`);
  console.log(`dicom-convert CT: app RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ${(peakRss / 2 ** 20).toFixed(0)} MB at its peak (the volume is ${volumeMb.toFixed(0)} MB)`);
}

async function crHalf() {
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
    threadsUsed = report.threads;
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
  const ratio = median(ours) / median(theirs);
  console.log(`dicom-convert: app (${threadsUsed} worker threads) ${median(ours).toFixed(2)} s, dcm2pnm ${median(theirs).toFixed(2)} s (medians of ${ROUNDS}); ratio ${ratio.toFixed(2)} (goal <= 1.5)`);
  console.log(`dicom-convert: app RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ${(peakRss / 2 ** 20).toFixed(0)} MB at its peak`);
}
