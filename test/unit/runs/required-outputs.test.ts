import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationRecord, PredictionRecord, RunRecord, TrainingRecord } from '../../../src/api/runs';
import { missingOutputs, outputsMissingError, requiredOutputs } from '../../../src/runs/results';
import { tempDir } from '../../helpers/temp';

const training = (options: Partial<TrainingRecord['options']>, outputDir = '/out') =>
  ({ mode: 'training', outputDir, options: { analysis: 'standard', architectures: ['Vanilla'], epochs: 12, batchSize: 8, workers: 1, threeDim: false, ...options } }) as unknown as TrainingRecord;
const prediction = (xaiMethod?: string, outputDir = '/out') => ({ mode: 'prediction', outputDir, options: { batchSize: 12, workers: 1, ...(xaiMethod ? { xaiMethod } : {}) } }) as unknown as PredictionRecord;
const evaluation = (step: 'prediction' | 'evaluation', outputDir = '/out') => ({ mode: 'evaluation', outputDir, step }) as unknown as EvaluationRecord;

describe('the files a run must have written to have succeeded', () => {
  it('training: meta.training.json and the model files of the analysis', () => {
    expect(requiredOutputs(training({ analysis: 'minimal' }))).toEqual(['meta.training.json', 'model.last.keras']);
    expect(requiredOutputs(training({ analysis: 'standard' }))).toEqual(['meta.training.json', 'model.best_loss.keras', 'model.last.keras']);
    // advanced: one cv_<i>.model.keras per fold (k = architectures); the metalearner file only for a trained one
    expect(requiredOutputs(training({ analysis: 'advanced', architectures: ['Vanilla', 'DenseNet121', 'ResNet50'] }))).toEqual([
      'meta.training.json',
      'cv_0.model.keras',
      'cv_1.model.keras',
      'cv_2.model.keras',
    ]);
    expect(requiredOutputs(training({ analysis: 'advanced', architectures: ['Vanilla', 'Vanilla'], metalearner: 'median' }))).not.toContain('metalearner.model.pickle');
    expect(requiredOutputs(training({ analysis: 'advanced', architectures: ['Vanilla', 'Vanilla'], metalearner: 'logistic_regression' }))).toEqual([
      'meta.training.json',
      'cv_0.model.keras',
      'cv_1.model.keras',
      'metalearner.model.pickle',
    ]);
  });

  it('prediction: preds.csv, and the heat-map folder when asked for; evaluation: each step its file', () => {
    expect(requiredOutputs(prediction())).toEqual(['preds.csv']);
    expect(requiredOutputs(prediction('gradcam'))).toEqual(['preds.csv', 'xai/']);
    expect(requiredOutputs(evaluation('prediction'))).toEqual(['prediction/preds.csv']);
    expect(requiredOutputs(evaluation('evaluation'))).toEqual(['evaluation/metrics.performance.csv']);
  });

  it('finds what is missing in the folder: a file must be a file, a folder a folder', async () => {
    const dir = tempDir();
    const record = prediction('gradcam', dir);
    expect(await missingOutputs(record)).toEqual(['preds.csv', 'xai/']);
    mkdirSync(path.join(dir, 'preds.csv'));
    writeFileSync(path.join(dir, 'xai'), 'not a folder');
    expect(await missingOutputs(record)).toEqual(['preds.csv', 'xai/']);
    const ok = tempDir();
    writeFileSync(path.join(ok, 'preds.csv'), 'SAMPLE,a\n');
    mkdirSync(path.join(ok, 'xai'));
    expect(await missingOutputs(prediction('gradcam', ok))).toEqual([]);
    const model = tempDir();
    writeFileSync(path.join(model, 'meta.training.json'), '{}'); // AUCMEDI writes it before anything can fail
    expect(await missingOutputs(training({ analysis: 'standard' }, model))).toEqual(['model.best_loss.keras', 'model.last.keras']);
  });

  it('says which files are missing, and where to look when none of them is there', () => {
    const none = outputsMissingError(training({ analysis: 'minimal' }), ['meta.training.json', 'model.last.keras']);
    expect(none).toMatchObject({
      code: 'AUCMEDI_OUTPUT_MISSING',
      message: 'The training ended without an error, but none of the files it writes are in its output folder: meta.training.json, model.last.keras are missing.',
      action:
        'The Docker engine may not see this folder, so the files went where this computer cannot see them. With Docker Desktop, share the folder (Settings > Resources > File sharing); with an engine on another computer (DOCKER_HOST or a remote endpoint), use the engine of this computer. Then start the training again.',
      detail: '/out: missing meta.training.json, model.last.keras',
    });
    const some = outputsMissingError(training({ analysis: 'standard' }), ['model.best_loss.keras']);
    expect(some.message).toBe('The training ended without an error, but model.best_loss.keras is missing from its output folder, so it did not finish its work.');
    expect(some.action).toBe("Look at the end of the run's log for what went wrong, then start the training again.");
    expect(outputsMissingError(evaluation('prediction') as RunRecord, ['prediction/preds.csv']).message).toBe(
      "The evaluation's prediction step ended without an error, but none of the files it writes are in its output folder: prediction/preds.csv is missing.",
    );
  });
});
