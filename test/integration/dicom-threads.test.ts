/**
 * Issue 17: the pixel work of a conversion on worker threads (src/dicom/threads.ts), from the worker
 * bundle `npm run build` writes. The same folder converted on two worker threads and in the calling
 * thread gives the same files byte for byte and the same report; a worker that dies fails the
 * conversion with a sentence and leaves nothing; the built CLI converts on worker threads.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DicomConvertOptions } from '../../src/api/dicom';
import { convertDicomFolder } from '../../src/dicom/convert';
import { DicomThreads } from '../../src/dicom/threads';
import { compress, relabelTransferSyntax, seededValues, writeDicom } from '../helpers/dicom';
import { requireBuild, requireDicomTools } from '../helpers/requirements';
import { snapshotFolder } from '../helpers/snapshot';
import { tempDir } from '../helpers/temp';

const ready = requireDicomTools() && requireBuild();
const WORKER = pathToFileURL(path.resolve('dist/cli/dicom-worker.mjs'));
const EACH: DicomConvertOptions = { window: 'auto', frames: 'each', mappingFile: null };

/** Every file under `dir` by relative path, with its bytes. */
function filesOf(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[path.relative(dir, path.join(entry.parentPath, entry.name))] = readFileSync(path.join(entry.parentPath, entry.name));
  }
  return out;
}

describe.runIf(ready)('DICOM conversion on worker threads', () => {
  const dir = tempDir('aucmedi-dicom-threads-');
  const source = path.join(dir, 'source');

  beforeAll(() => {
    const [rows, columns] = [24, 20];
    writeDicom([
      ...Array.from({ length: 12 }, (_, k) => ({ path: path.join(dir, 'plain', `cr${k}`), values: seededValues(rows * columns, 0, 4095, 100 + k), rows, columns, bits_stored: 12, modality: 'CR', slope: 2, intercept: -100, ...(k % 2 ? { window: [3000, 4000] as [number, number] } : {}) })),
      { path: path.join(source, 'b', 'frames'), values: seededValues(rows * columns * 3, 0, 255, 7), rows, columns, bits_allocated: 8, bits_stored: 8, frames: 3, modality: 'US' },
      { path: path.join(source, 'b', 'colour'), values: seededValues(rows * columns * 3, 0, 255, 8), rows, columns, bits_allocated: 8, bits_stored: 8, samples: 3, photometric: 'RGB', modality: 'SC' },
      ...Array.from({ length: 9 }, (_, k) => ({ path: path.join(source, 'c', `slice-${(k * 5) % 9}`), values: seededValues(rows * columns, 0, 3000, 200 + k), rows, columns, bits_stored: 12, modality: 'CT', slope: 1, intercept: -1024, series_uid: '1.2.3.77', image_position: [0, 0, 2 * k], orientation: [1, 0, 0, 0, 1, 0], pixel_spacing: [0.5, 0.5] as [number, number] })),
    ]);
    // Plain, RLE, JPEG-LS and JPEG 2000 copies of the CR images, and one stream labelled as a syntax it is not (undecodable).
    readdirSync(path.join(dir, 'plain')).forEach((name, k) => {
      const to = path.join(source, k < 6 ? 'a' : 'b', name);
      if (k % 4 === 0) (mkdirSync(path.dirname(to), { recursive: true }), copyFileSync(path.join(dir, 'plain', name), to));
      else compress(path.join(dir, 'plain', name), to, (['rle', 'jpeg-ls', 'jpeg-2000-lossless'] as const)[(k % 4) - 1]!);
    });
    compress(path.join(dir, 'plain', 'cr0'), path.join(source, 'a', 'mislabelled'), 'jpeg-2000-lossless');
    relabelTransferSyntax(path.join(source, 'a', 'mislabelled'), '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.80');
  });

  it('gives the same files and report on two worker threads as in the calling thread', async () => {
    const before = snapshotFolder(source);
    const inThread = await convertDicomFolder(source, path.join(dir, 'in-thread'), EACH, { threads: new DicomThreads(null) });
    const threads = new DicomThreads(WORKER, 2);
    let onWorkers;
    try {
      onWorkers = await convertDicomFolder(source, path.join(dir, 'on-workers'), EACH, { threads });
    } finally {
      await threads.close();
    }
    expect(inThread.threads).toBe(0);
    expect(onWorkers.threads).toBe(2);
    expect(inThread.written).toEqual({ a: 6, b: 10, c: 1 }); // b: 6 CR images, 3 frames, 1 colour image; c: the volume
    expect(inThread.skipped).toEqual([{ file: 'a/mislabelled', reason: expect.stringMatching(/JPEG-LS lossless pixels cannot be decoded/), i18n: { reason: expect.objectContaining({ key: 'dicom:codec.notDecodable' }) } }]);
    expect({ ...onWorkers, out: '', settingsFile: '' }).toEqual({ ...inThread, out: '', settingsFile: '', threads: 2 });
    const a = filesOf(path.join(dir, 'in-thread'));
    const b = filesOf(path.join(dir, 'on-workers'));
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const [name, bytes] of Object.entries(a)) expect(bytes.equals(b[name]!), `${name}:\n${name.endsWith('.json') ? `${bytes}\n${b[name]}` : ''}`).toBe(true);
    expect(snapshotFolder(source)).toEqual(before);
  });

  it('fails with a sentence and keeps nothing when a worker thread dies', async () => {
    const dying = path.join(dir, 'dying-worker.mjs');
    writeFileSync(dying, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
    const threads = new DicomThreads(pathToFileURL(dying), 2);
    const out = path.join(dir, 'dying-out');
    await expect(convertDicomFolder(source, out, EACH, { threads })).rejects.toThrow(/a DICOM conversion thread stopped \(exit code 3\)/);
    await threads.close();
    expect(existsSync(out)).toBe(false);
  });

  it('converts on worker threads from the built CLI', () => {
    const out = path.join(dir, 'cli-out');
    const result = spawnSync(process.execPath, ['dist/cli/aucmedi-desk.mjs', 'dicom', 'convert', source, '--out', out], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/pixels decoded and encoded on [1-4] worker threads?/);
    expect(Object.keys(filesOf(out)).filter((name) => name.endsWith('.png') || name.endsWith('.nii.gz'))).toHaveLength(6 + 7 + 1); // the multi-frame file refused by default
  });
});
