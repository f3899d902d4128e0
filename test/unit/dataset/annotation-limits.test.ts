/**
 * Issue 18, item 8: an annotation file is read streaming, and no line (nor a quoted record spread
 * over lines) may be longer than 1 MiB, so a 50 MB single line (a huge one-hot header) is refused
 * with a sentence that names the limit, quickly and with flat memory, instead of climbing to
 * gigabytes and crashing; through the built CLI too, which then still prints JSON.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserErrorException, type UserError } from '../../../src/api/errors';
import { MAX_LINE_BYTES } from '../../../src/dataset/annotation-file';
import { decodeAnnotationFile, readAnnotations } from '../../../src/dataset/csv';
import { scanDataset } from '../../../src/dataset/scan';
import { makeClassDataset } from '../../helpers/images';
import { requireBuild } from '../../helpers/requirements';
import { tempDir } from '../../helpers/temp';

const root = tempDir('aucmedi-annotation-limits-');
const MB = 2 ** 20;

/** Writes `SAMPLE` and `columns` one-hot columns as one line, 1 MB at a time (the test itself stays small). */
function hugeHeader(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  writeSync(fd, 'SAMPLE');
  const piece = ',c'.repeat(MB / 2);
  for (let written = 6; written < bytes; written += piece.length) writeSync(fd, piece);
  closeSync(fd);
}

async function userErrorOf(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UserErrorException);
    return (error as UserErrorException).userError;
  }
  throw new Error('expected the scan to be refused');
}

const images = path.join(root, 'images');
makeClassDataset(images, { classes: { a: 3, b: 3 }, size: 8, layout: 'flat' });
const huge = path.join(root, 'huge-header.csv');
hugeHeader(huge, 50 * MB);

describe('the bounds of an annotation file', () => {
  // first in the file, so that the process's peak so far is this test's start
  it('refuses a 50 MB single-line header with --ohe at once, naming the 1 MiB limit, with memory flat', async () => {
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const error = await userErrorOf(scanDataset({ path: images, gtFile: huge, ohe: true }));
    const seconds = (performance.now() - started) / 1000;
    expect(error.code).toBe('ANNOTATION_FILE_INVALID');
    expect(error.message).toBe('Line 1 of the annotation file huge-header.csv is longer than 1 MiB, the most one line of an annotation file may hold.');
    expect(error.action).toMatch(/one line per image/);
    // a memory bound on a correctness path (the old reader went past 4 GB), not a timing assertion
    const peakGrowth = process.resourceUsage().maxRSS * 1024 - rssBefore;
    expect(peakGrowth).toBeLessThan(200 * MB);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * MB);
    expect(seconds).toBeLessThan(30); // generous: "quickly" means no minutes of parsing
  }, 60_000);

  it('refuses a long line anywhere, by its number (LF, CRLF and old-Mac CR lines counted alike)', async () => {
    const long = 'x'.repeat(MAX_LINE_BYTES + 1);
    for (const [text, line] of [
      [`SAMPLE,CLASS\nimg_1,a\n${long},b\n`, 3],
      [`SAMPLE,CLASS\r\nimg_1,a\r\n${long},b\r\n`, 3],
      [`SAMPLE,CLASS\rimg_1,a\rimg_2,a\r${long},b\r`, 4],
    ] as const) {
      const gt = path.join(root, `long-${line}-${text.length}.csv`);
      writeFileSync(gt, text);
      const error = await userErrorOf(scanDataset({ path: images, gtFile: gt }));
      expect(error.message).toBe(`Line ${line} of the annotation file ${path.basename(gt)} is longer than 1 MiB, the most one line of an annotation file may hold.`);
    }
    // decoding bytes already read applies the same bound
    expect(() => decodeAnnotationFile(Buffer.from(`SAMPLE,CLASS\n${long}\n`), 'x.csv')).toThrow(/Line 2 of the annotation file x.csv is longer than 1 MiB/);
  });

  it('takes a line just under the limit, multi-byte characters counted as bytes', async () => {
    const name = 'ä'.repeat(MAX_LINE_BYTES / 2 - 8); // 2 bytes each
    const text = decodeAnnotationFile(Buffer.from(`SAMPLE,CLASS\n${name},a\nimg_2,b\n`), 'x.csv');
    expect(readAnnotations(text, { ohe: false, fileName: 'x.csv' }).rows.map((r) => r.sample.length)).toEqual([name.length, 5]);
    expect(() => decodeAnnotationFile(Buffer.from(`SAMPLE,CLASS\n${'ä'.repeat(MAX_LINE_BYTES / 2 + 1)},a\n`), 'x.csv')).toThrow(/longer than 1 MiB/);
  });

  it('refuses a quoted record spread over many short lines once it passes the limit, as a CSV problem', () => {
    const text = `SAMPLE,CLASS\nimg_1,a\n"${'x\n'.repeat(MAX_LINE_BYTES / 2 + 1)}",b\n`;
    const annotations = readAnnotations(text, { ohe: false, fileName: 'labels.csv' });
    expect(annotations.unusable).toBe(true);
    expect(annotations.problems).toEqual([
      expect.objectContaining({
        code: 'CSV_INVALID',
        severity: 'error',
        message: 'The record that starts on line 3 of the annotation file is longer than 1 MiB, the most one record may hold.',
        files: ['labels.csv:3'],
      }),
    ]);
  });

  it('refuses a one-hot header that names a class column twice (pandas would rename the second "c.1")', () => {
    const annotations = readAnnotations('SAMPLE,a,c,b,c\nimg_1,1,0,0,0\n', { ohe: true, fileName: 'labels.csv' });
    expect(annotations.unusable).toBe(true);
    expect(annotations.problems).toEqual([expect.objectContaining({ code: 'CSV_INVALID', message: expect.stringContaining('names the class column "c" more than once'), files: ['labels.csv:1: c'] })]);
  });

  it.runIf(requireBuild())('through the built CLI: dataset validate --gt --ohe --json prints the refusal as JSON', () => {
    const home = path.join(root, 'home');
    const cli = spawnSync(process.execPath, [path.resolve('dist/cli/aucmedi-desk.mjs'), 'dataset', 'validate', images, '--gt', huge, '--ohe', '--json'], {
      env: { ...process.env, AUCMEDI_DESK_HOME: home },
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 16 * MB,
    });
    expect(cli.error).toBeUndefined();
    expect(cli.status).not.toBe(0);
    const printed = JSON.parse(cli.stdout);
    expect(printed).toMatchObject({ error: { code: 'ANNOTATION_FILE_INVALID', message: expect.stringContaining('longer than 1 MiB') } });
  }, 90_000);
});
