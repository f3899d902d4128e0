/**
 * A staged run's layout (src/runs/step-mounts.ts): every path the AUCMEDI command names is linked to
 * its place in the two volumes, per mode and step, and the upload holds the accepted images only.
 * (That AUCMEDI then trains, predicts and evaluates through these links is test/integration/remote-runs.test.ts.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationRecord, PredictionRecord, TrainingRecord } from '../../../src/api/runs';
import { CONTAINER_PATHS } from '../../../src/aucmedi/arguments';
import { mountedStepMounts, PLACEMENT_ENV, stagedDataset, stagedRunSources, stagedStepMounts, STAGED_DATASET_DIR, STAGED_INPUT_DIR, STAGED_OUTPUT_DIR } from '../../../src/runs/step-mounts';
import { tempDir } from '../../helpers/temp';

const volumes = { dataset: 'aucmedi-desk-data-abc', input: 'aucmedi-desk-run-1-in', output: 'aucmedi-desk-run-1-out', datasetKept: true };
const common = { id: 'run-1', state: 'running', createdAt: '', startedAt: null, endedAt: null, imageRef: 'x', imageId: 'sha256:1', containerId: null, command: [], gpus: { kind: 'none' }, progress: null, exitCode: null, error: null } as const;
const model = { dir: '/models/m', runId: null, classNames: ['a', 'b'], analysis: 'standard', architectures: ['Vanilla'], threeDim: false };

function placementOf(mounts: ReturnType<typeof stagedStepMounts>): { dirs: string[]; links: [string, string][] } {
  const entry = mounts.env.find((value) => value.startsWith(`${PLACEMENT_ENV}=`))!;
  return JSON.parse(entry.slice(PLACEMENT_ENV.length + 1));
}

describe('staged step mounts', () => {
  const dir = tempDir();
  const training = { ...common, mode: 'training', outputDir: path.join(dir, 'out'), dataset: { path: '/data/set', gtFile: '/data/set.csv', ohe: false, fingerprint: null }, options: { analysis: 'standard', architectures: ['DenseNet121'], epochs: 12 } } as unknown as TrainingRecord;

  it('training: the model folder is the output volume, the annotations and weights come from the input volume; no bind of this computer', () => {
    const mounts = stagedStepMounts(training, volumes);
    expect(mounts.binds).toEqual([]);
    expect(mounts.volumes).toEqual([
      { source: volumes.dataset, target: STAGED_DATASET_DIR, readOnly: true },
      { source: volumes.input, target: STAGED_INPUT_DIR, readOnly: true },
      { source: volumes.output, target: STAGED_OUTPUT_DIR, readOnly: false },
    ]);
    expect(Object.fromEntries(placementOf(mounts).links)).toEqual({
      '/data/source': STAGED_DATASET_DIR,
      [CONTAINER_PATHS.annotations]: `${STAGED_INPUT_DIR}/inputs/annotations.csv`,
      [CONTAINER_PATHS.model]: STAGED_OUTPUT_DIR,
      '/tmp/.keras/models': `${STAGED_INPUT_DIR}/weights`,
    });
    expect(mounts.entrypoint.slice(-2)).toEqual([`${STAGED_INPUT_DIR}/inputs/training.json`, 'aucmedi']);
    expect(Object.keys(mounts.tmpfs)).toContain(CONTAINER_PATHS.dataset);
  });

  it('prediction: the model read from the input volume, the prediction folder is the output volume', () => {
    const prediction = { ...common, mode: 'prediction', outputDir: path.join(dir, 'p'), model, images: { path: '/data/new', fingerprint: null, totalImages: 3 }, options: {}, results: null } as unknown as PredictionRecord;
    const links = Object.fromEntries(placementOf(stagedStepMounts(prediction, volumes)).links);
    expect(links).toEqual({ '/data/source': STAGED_DATASET_DIR, [CONTAINER_PATHS.model]: `${STAGED_INPUT_DIR}/model`, [CONTAINER_PATHS.prediction]: STAGED_OUTPUT_DIR });
  });

  it('evaluation: both steps share the output volume in the run folder\'s layout (prediction/, evaluation/)', () => {
    const evaluation = { ...common, mode: 'evaluation', outputDir: path.join(dir, 'e'), model, dataset: { path: '/data/set', gtFile: null, ohe: false, fingerprint: null, interface: 'directory' }, options: {}, step: 'prediction', predictionCommand: [], results: null } as unknown as EvaluationRecord;
    const first = placementOf(stagedStepMounts(evaluation, volumes));
    expect(first.dirs).toEqual([`${STAGED_OUTPUT_DIR}/prediction`]);
    expect(Object.fromEntries(first.links)[CONTAINER_PATHS.prediction]).toBe(`${STAGED_OUTPUT_DIR}/prediction`);
    const second = placementOf(stagedStepMounts({ ...evaluation, step: 'evaluation' }, volumes));
    expect(second.dirs).toEqual([`${STAGED_OUTPUT_DIR}/evaluation`]);
    expect(Object.fromEntries(second.links)).toMatchObject({ [CONTAINER_PATHS.evaluationPredictions]: `${STAGED_OUTPUT_DIR}/prediction/preds.csv`, [CONTAINER_PATHS.evaluation]: `${STAGED_OUTPUT_DIR}/evaluation` });
    // no annotation file for the class-folder interface
    expect(Object.fromEntries(second.links)[CONTAINER_PATHS.annotations]).toBeUndefined();
  });

  it('uploads the accepted images (not the folder) under a key of the fingerprint and the list; the lists of links and the weights the architectures need for the run', () => {
    const images = [{ rel: 'a/x.png', name: 'x.png', sample: 'x' }, { rel: 'b/y y.png', name: 'y y.png', sample: 'y y' }] as never;
    const fingerprinted = { ...training, dataset: { ...training.dataset, fingerprint: { fileCount: 2, totalBytes: 10, sha256: 'f'.repeat(64) } } } as TrainingRecord;
    const dataset = stagedDataset(fingerprinted, images);
    expect(dataset.sources).toEqual([
      { hostPath: '/data/set/a/x.png', at: 'a/x.png' },
      { hostPath: '/data/set/b/y y.png', at: 'b/y y.png' },
    ]);
    expect(dataset.key).toMatch(/^[0-9a-f]{32}$/);
    // the same data, the same key; another fingerprint or another list of images, another key; no fingerprint, not kept
    expect(stagedDataset(fingerprinted, images).key).toBe(dataset.key);
    expect(stagedDataset({ ...fingerprinted, dataset: { ...fingerprinted.dataset, fingerprint: { fileCount: 2, totalBytes: 10, sha256: 'e'.repeat(64) } } } as TrainingRecord, images).key).not.toBe(dataset.key);
    expect(stagedDataset(fingerprinted, [images[0]] as never).key).not.toBe(dataset.key);
    expect(stagedDataset(training, images).key).toBeNull();
    expect(stagedRunSources(training, { dir: '/weights', files: ['densenet121.h5'] })).toEqual([
      { hostPath: path.join(training.outputDir, 'inputs'), at: 'inputs' },
      { hostPath: '/weights/densenet121.h5', at: 'weights/densenet121.h5' },
    ]);
  });

  it('mounted: the same run on this computer binds its folders, as before', () => {
    mkdirSync(path.join(training.outputDir, 'inputs'), { recursive: true });
    writeFileSync(path.join(training.outputDir, 'inputs', 'training.json'), '{"views":[]}');
    const mounts = mountedStepMounts(training, '/weights');
    expect(mounts.volumes).toEqual([]);
    expect(mounts.binds).toEqual(expect.arrayContaining(['/data/set:/data/source:ro', `${training.outputDir}:/data/model`, '/weights:/tmp/.keras/models:ro']));
    expect(mounts.env.some((value) => value.startsWith(PLACEMENT_ENV))).toBe(false);
  });
});
