/**
 * Issue 18, item 7: what is not a regular file (a named pipe, a socket, a device) is named in the
 * report as such and left out, wherever it lies, and the scan never opens it: opening a FIFO for
 * reading blocks until a writer comes, so a scan that did would never end (hence the timeouts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserErrorException } from '../../../src/api/errors';
import { scanDataset } from '../../../src/dataset/scan';
import { dicomBytes, writeBytes } from '../../helpers/image-bytes';
import { makeClassDataset } from '../../helpers/images';
import { tempDir } from '../../helpers/temp';
import { withTimeout } from '../../helpers/wait';
import { requireRoot } from '../../helpers/requirements';
import { problem, scanChecked } from './support';

const root = tempDir('aucmedi-dataset-special-');
const sockets: net.Server[] = [];
afterAll(() => sockets.forEach((server) => server.close()));

function mkfifo(file: string): void {
  const result = spawnSync('mkfifo', [file]);
  if (result.status !== 0) throw new Error(`mkfifo ${file}: ${result.stderr}`);
}

async function unixSocket(file: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(file, resolve));
  sockets.push(server);
}

describe('special files in a dataset', () => {
  it('names FIFOs and sockets in class folders, beside them and in a DICOM series folder as not regular files, left out, never opened', async () => {
    const dir = path.join(root, 'classes');
    makeClassDataset(dir, { classes: { a: 12, b: 12 }, size: 8 });
    mkfifo(path.join(dir, 'a', 'a_pipe.png'));
    mkfifo(path.join(dir, 'a', '.hidden-pipe'));
    mkfifo(path.join(dir, 'top-pipe'));
    await unixSocket(path.join(dir, 'b', 'agent.sock'));
    mkdirSync(path.join(dir, 'b', 'series'));
    writeBytes(path.join(dir, 'b', 'series', 'IM1.dcm'), dicomBytes());
    mkfifo(path.join(dir, 'b', 'series', 'IM2.dcm'));

    const report = await withTimeout(scanChecked({ path: dir }), 20_000);
    expect(problem(report, 'SPECIAL_FILES')).toMatchObject({
      severity: 'warning',
      files: ['a/.hidden-pipe', 'a/a_pipe.png', 'b/agent.sock', 'b/series/IM2.dcm', 'top-pipe'],
      fileCount: 5,
    });
    expect(problem(report, 'SPECIAL_FILES').message).toBe(
      '5 entries are not regular files but a named pipe (FIFO), socket or device, so they are left out: AUCMEDI never gets them.',
    );
    // not "not an image": the sentence says what it is
    expect(report.problems.find((p) => p.code === 'IGNORED_NON_IMAGE')).toBeUndefined();
    expect(report.classes.map((c) => c.name)).toEqual(['a', 'b']);
    expect(report.leftOut).toBeGreaterThanOrEqual(5);
    // special files are no part of the fingerprint either
    expect(report.fingerprint.fileCount).toBe(25);
  });

  it.runIf(requireRoot('create a device node with mknod'))('names a device node (mknod) the same way, never opened', async () => {
    const dir = path.join(root, 'device');
    makeClassDataset(dir, { classes: { a: 12, b: 12 }, size: 8 });
    // /dev/zero's numbers: a scan that read it would never reach its end
    const made = spawnSync('mknod', [path.join(dir, 'a', 'zero.png'), 'c', '1', '5']);
    expect(made.status).toBe(0);
    const report = await withTimeout(scanChecked({ path: dir }), 20_000);
    expect(problem(report, 'SPECIAL_FILES').files).toEqual(['a/zero.png']);
    expect(report.totalImages).toBe(24);
  });

  it('names a FIFO in a folder of images to classify, and in a CSV-interface folder (where its CSV line has no image)', async () => {
    const images = path.join(root, 'flat');
    const set = makeClassDataset(images, { classes: { a: 3, b: 3 }, size: 8, layout: 'flat' });
    mkfifo(path.join(images, 'x_pipe.png'));
    const toClassify = await withTimeout(scanChecked({ path: images, purpose: 'prediction' }), 20_000);
    expect(problem(toClassify, 'SPECIAL_FILES').files).toEqual(['x_pipe.png']);
    expect(toClassify.totalImages).toBe(6);

    const gt = path.join(root, 'flat.csv');
    writeFileSync(gt, `SAMPLE,CLASS\n${Object.entries(set.labels).map(([s, c]) => `${s},${c}`).join('\n')}\nx_pipe,a\n`);
    const labelled = await withTimeout(scanChecked({ path: images, gtFile: gt }), 20_000);
    expect(problem(labelled, 'SPECIAL_FILES').files).toEqual(['x_pipe.png']);
    expect(problem(labelled, 'CSV_MISSING_FILE').files).toEqual(['flat.csv:8: x_pipe']);
  });

  it('refuses a FIFO given as the annotation file at once, without opening it', async () => {
    const dir = path.join(root, 'gt-pipe');
    makeClassDataset(dir, { classes: { a: 3, b: 3 }, size: 8, layout: 'flat' });
    const gt = path.join(root, 'labels-pipe.csv');
    mkfifo(gt);
    const error = await withTimeout(
      scanDataset({ path: dir, gtFile: gt }).then(
        () => null,
        (e: unknown) => e,
      ),
      10_000,
    );
    expect(error).toBeInstanceOf(UserErrorException);
    expect((error as UserErrorException).userError).toMatchObject({ code: 'ANNOTATION_FILE_INVALID', message: expect.stringMatching(/not a file but a device, pipe or socket/) });
  });
});
