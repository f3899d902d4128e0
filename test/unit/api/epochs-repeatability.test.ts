import { describe, expect, it } from 'vitest';
import { epochsText, fewerEpochsNote, FROZEN_EPOCHS, trainedEpochs } from '../../../src/api/epochs';
import { repeatabilityNote } from '../../../src/api/repeatability';
import { evaluationReportHtml } from '../../../src/runs/results';
import type { EvaluationRecord } from '../../../src/api/runs';

describe('the epochs AUCMEDI trains (model.py: a first fit of always 10, then range(10, epochs))', () => {
  it('at least 10; more when asked for', () => {
    expect(FROZEN_EPOCHS).toBe(10);
    expect([1, 3, 9, 10, 11, 500].map(trainedEpochs)).toEqual([10, 10, 10, 10, 11, 500]);
    expect(epochsText(3)).toBe('10 epochs (3 requested)');
    expect(epochsText(25)).toBe('25 epochs');
    expect(fewerEpochsNote(3)).toBe('3 requested: AUCMEDI trains at least 10 (its first phase is always 10 epochs), so this run trains 10 epochs.');
    expect(fewerEpochsNote(10)).toBeNull();
    expect(fewerEpochsNote(40)).toBeNull();
  });
});

describe('whether a prediction gives the same probabilities again (block_pred.py)', () => {
  it('standard analysis (test-time augmentation) and 3D models (random crop) vary; 2D minimal and advanced do not', () => {
    expect(repeatabilityNote({ analysis: 'minimal', threeDim: false })).toBeNull();
    expect(repeatabilityNote({ analysis: 'advanced', threeDim: false })).toBeNull();
    expect(repeatabilityNote({ analysis: 'standard', threeDim: false })).toBe(
      'Running this prediction again gives slightly different probabilities: AUCMEDI averages each image over 10 randomly flipped and rotated copies (its standard analysis).',
    );
    expect(repeatabilityNote({ analysis: 'minimal', threeDim: true })).toBe(
      "Running this prediction again gives slightly different probabilities: AUCMEDI cuts each volume larger than the model's 3D shape at a random position.",
    );
    expect(repeatabilityNote({ analysis: 'standard', threeDim: true }, 'evaluation')).toBe(
      "Running this evaluation again gives slightly different probabilities and scores: AUCMEDI averages each image over 10 randomly flipped and rotated copies (its standard analysis), and cuts each volume larger than the model's 3D shape at a random position.",
    );
  });

  it('the evaluation report says so for such a model, and not for the others', () => {
    const report = (analysis: string) =>
      evaluationReportHtml(
        {
          id: 'run-1',
          state: 'succeeded',
          model: { dir: '/m', runId: null, classNames: ['a', 'b'], analysis, architectures: ['Vanilla'], threeDim: false },
          dataset: { path: '/d', gtFile: null, ohe: false, fingerprint: null, interface: 'directory' },
          imageRef: 'img',
          imageId: null,
          predictionCommand: ['prediction'],
          command: ['evaluation'],
        } as unknown as EvaluationRecord,
        {
          metrics: { metrics: [], rows: [] },
          confusion: { kind: 'single-label', classes: ['a', 'b'], matrix: [[1, 0], [0, 1]], matched: 2, withoutGroundTruth: [], withoutPrediction: [] },
          roc: [],
          plots: [],
          predictions: { classes: ['a', 'b'], rows: [] },
        } as never,
        '1.0.0',
      );
    expect(report('standard')).toContain('<dt>Repeatability</dt><dd>Running this evaluation again gives slightly different probabilities and scores');
    expect(report('minimal')).not.toContain('Repeatability');
  });
});
