/**
 * Issue 18, item 7, the results half: an evaluation's annotation file replaced by a FIFO after the
 * run ended must not block the results page (opening a FIFO for reading waits for a writer).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationRecord } from '../../../src/api/runs';
import { readGroundTruth } from '../../../src/runs/results';
import { tempDir } from '../../helpers/temp';

describe('the labels of an ended evaluation', () => {
  it('refuses an annotation file that has become a FIFO, at once, with a sentence', async () => {
    const dir = tempDir('aucmedi-truth-');
    const fifo = path.join(dir, 'labels.csv');
    execFileSync('mkfifo', [fifo]);
    const record = { mode: 'evaluation', outputDir: dir, dataset: { path: dir, gtFile: fifo, ohe: false, interface: 'csv' } } as unknown as EvaluationRecord;
    const outcome = await Promise.race([
      readGroundTruth(record).then(() => 'read', (error: { userError?: { code: string; message: string } }) => error.userError),
      new Promise((resolve) => setTimeout(() => resolve('blocked'), 5000)),
    ]);
    expect(outcome).toMatchObject({ code: 'ANNOTATION_FILE_INVALID', message: expect.stringMatching(/labels\.csv is not a file but a device, pipe or socket/) });
  });
});
