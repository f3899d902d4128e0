import { lstatSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetReport } from '../../../src/api/dataset';
import { UserErrorException } from '../../../src/api/errors';
import type { EvaluationRecord, ModelRef } from '../../../src/api/runs';
import { readPredictions } from '../../../src/aucmedi/outputs';
import { requireMatchingDimensions, requireModelClasses, requireOutsideInputs } from '../../../src/runs/inputs';
import { evaluationReportHtml, filterPredictions, predictionsCsv } from '../../../src/runs/results';
import { tempDir } from '../../helpers/temp';

const model: ModelRef = { dir: '/models/m', runId: null, classNames: ['benign', 'malignant'], analysis: 'standard', architectures: ['Vanilla'], threeDim: false };
const report = (fields: Partial<DatasetReport>) => ({ dimensionality: '2D', classes: [], ...fields }) as DatasetReport;
const messageOf = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserErrorException) return error.userError.message;
    throw error;
  }
  return null;
};

describe('checks before a prediction or evaluation starts', () => {
  it('wants the images of the kind the model was trained on', () => {
    expect(messageOf(() => requireMatchingDimensions(model, report({ dimensionality: '2D' }), 'imageFolder'))).toBeNull();
    expect(messageOf(() => requireMatchingDimensions(model, report({ dimensionality: '3D' }), 'imageFolder'))).toBe('The model was trained on 2D images, but the image folder holds 3D volumes.');
    expect(messageOf(() => requireMatchingDimensions({ ...model, threeDim: true }, report({ dimensionality: 'mixed' }), 'labelledSet'))).toBe(
      'The model was trained on 3D volumes, but the labelled set mixes 2D images and 3D volumes.',
    );
  });

  it("wants a labelled set with exactly the model's classes, in the model's order", () => {
    const errorOf = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        if (error instanceof UserErrorException) return error.userError;
        throw error;
      }
      return null;
    };
    const classes = (...names: string[]) => names.map((name) => ({ name, count: 3 }));
    const folders = (...names: string[]) => report({ interface: 'directory', multiLabel: false, classes: classes(...names) });
    expect(errorOf(() => requireModelClasses(model, folders('benign', 'malignant')))).toBeNull();
    expect(errorOf(() => requireModelClasses(model, folders('benign', 'cyst')))?.message).toBe('The labelled set has a class the model does not know: cyst. The model knows benign, malignant.');
    // a set without one of the model's classes: AUCMEDI would cut its merged table at the wrong column
    const lacking = errorOf(() => requireModelClasses(model, folders('benign')));
    expect(lacking?.message).toBe('The labelled set lacks the class "malignant" of the model (benign, malignant): AUCMEDI scores a model only against labels with all of its classes.');
    // not an empty folder, on which AUCMEDI's evaluation fails: a one-hot file with an all-0 column
    expect(lacking?.action).toBe(
      "If the set has images of malignant, put them in a class folder of that name. Otherwise give the set as one folder of all its images with a one-hot annotation file, header SAMPLE,benign,malignant, 1 under each image's class and all 0 in the column of malignant (AUCMEDI's evaluation fails on an empty class folder).",
    );
    const singleLabel = errorOf(() => requireModelClasses(model, report({ interface: 'csv', multiLabel: false, classes: classes('malignant') })));
    expect(singleLabel?.action).toContain('one-hot instead, with the header SAMPLE,benign,malignant');
    const oneHotLacking = errorOf(() => requireModelClasses(model, report({ interface: 'csv', multiLabel: true, classes: classes('benign') })));
    expect(oneHotLacking?.action).toBe('Add a column for malignant to the annotation file (all 0 if the set has no such images).');
    // the same classes in another order: scored by position, so against the wrong labels
    const reordered = errorOf(() => requireModelClasses(model, report({ interface: 'csv', multiLabel: true, classes: classes('malignant', 'benign') })));
    expect(reordered?.message).toBe("The labelled set has the model's classes, but in another order (malignant, benign) than the model (benign, malignant): AUCMEDI would compare them by position.");
    expect(reordered?.action).toBe("Put the annotation file's class columns in the model's order: SAMPLE,benign,malignant.");
    const oneHotModel = { ...model, classNames: ['malignant', 'benign'] };
    expect(errorOf(() => requireModelClasses(oneHotModel, folders('benign', 'malignant')))?.action).toContain('header SAMPLE,malignant,benign');
  });

  it('keeps the output folder out of the folders a run reads', () => {
    expect(messageOf(() => requireOutsideInputs('/data/out', ['/data/images', '/models/m']))).toBeNull();
    expect(messageOf(() => requireOutsideInputs('/data/images/out', ['/data/images']))).toMatch(/lies inside \/data\/images/);
    expect(messageOf(() => requireOutsideInputs('/data/images', ['/data/images']))).toMatch(/lies inside/);
    expect(messageOf(() => requireOutsideInputs('/data/images-2', ['/data/images']))).toBeNull();
  });
});

describe('prediction exports and the evaluation report', () => {
  const predictions = readPredictions('SAMPLE,benign,malignant\na,0.9,0.1\nb,0.3,0.7\n=cmd,0.55,0.45\n');

  it('filters by predicted class and by confidence below a threshold', () => {
    expect(filterPredictions(predictions, { predictedClass: 'benign' }).map((r) => r.sample)).toEqual(['a', '=cmd']);
    expect(filterPredictions(predictions, { below: 0.8 }).map((r) => r.sample)).toEqual(['b', '=cmd']);
    expect(filterPredictions(predictions, { predictedClass: 'malignant', below: 0.6 })).toEqual([]);
  });

  it('writes CSV with the predicted class, and a name a spreadsheet would run as a formula quoted as text', () => {
    expect(predictionsCsv(predictions)).toBe("SAMPLE,benign,malignant,PREDICTED,PROBABILITY\na,0.9,0.1,benign,0.9\nb,0.3,0.7,malignant,0.7\n\"'=cmd\",0.55,0.45,benign,0.55\n");
  });

  it('escapes everything in the report and references nothing outside it', () => {
    const record = {
      id: 'run-1',
      state: 'succeeded',
      startedAt: 's',
      endedAt: 'e',
      model: { ...model, classNames: ['<b>'] },
      dataset: { path: '/x/<script>', gtFile: null, ohe: false, fingerprint: { fileCount: 2, totalBytes: 10, sha256: 'abc' }, interface: 'directory' },
      imageRef: 'img',
      imageId: 'sha256:1',
      predictionCommand: ['prediction'],
      command: ['evaluation'],
    } as unknown as EvaluationRecord;
    const html = evaluationReportHtml(
      record,
      {
        metrics: { metrics: ['AUC'], rows: [{ className: '<b>', metrics: { AUC: 0.75 } }] },
        confusion: { kind: 'single-label', classes: ['<b>'], matrix: [[2]], matched: 2, withoutGroundTruth: [], withoutPrediction: [] },
        roc: [],
        plots: [{ name: 'plot.png', dataUrl: 'data:image/png;base64,AAAA' }],
        predictions,
      },
      '1.0.0',
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<td>0.750</td>');
    expect(html).toContain('sha256 abc');
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
  });
});
