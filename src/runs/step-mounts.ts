/**
 * Where a run step's container finds its inputs and writes its outputs, per mode, for both data
 * placements (src/api/runs.ts `RunPlacement`):
 *
 * - mounted: the engine sees this computer's files; the run's folders are bind-mounted (all host
 *   paths are in the record, so a reattached run gets the same).
 * - staged: the engine is on a server that cannot see them. The run's inputs were uploaded into one
 *   volume (layout below, `stagedSources`), mounted read-only at /data/staged; the outputs go to a
 *   second volume. Docker 20.10 (API 1.41, Debian's) mounts a volume only whole (no sub-paths), so
 *   the view step (src/runs/dataset-view.ts) first links the paths the AUCMEDI command names to
 *   their places in the volumes; the command is the same as on this computer. AUCMEDI takes an
 *   output folder that is a link to a folder as that folder (read in frankkramer-lab/aucmedi:
 *   aucmedi/automl/block_train.py makes `path_modeldir` only when `os.path.exists` is false, which
 *   follows links; aucmedi/ensemble/composite.py `dump` copies with `dirs_exist_ok=True`), as it
 *   takes the existing, bind-mounted output folder on this computer.
 *
 *   dataset volume: <image rel path>          the images the scan accepted, nothing else of the folder;
 *                                             kept on the server under the dataset's fingerprint (and the
 *                                             list of images) for the next run on the same data
 *   input volume:  inputs/<step>.json         the lists of links (the run folder's inputs/)
 *                  inputs/annotations.csv     the annotation copy (CSV interface)
 *                  model/                     the model folder (prediction, evaluation)
 *                  weights/<file>             the Keras weights the architectures need (training)
 *   output volume: what AUCMEDI writes in the model folder (training), the prediction folder
 *                  (prediction), or prediction/ and evaluation/ (evaluation: the run folder's layout)
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord } from '../api/runs';
import type { UsedImage } from '../dataset/validate';
import {
  bind,
  CONTAINER_ANNOTATIONS_FILE,
  CONTAINER_DATASET_DIR,
  CONTAINER_EVALUATION_DIR,
  CONTAINER_EVALUATION_PREDICTIONS_FILE,
  CONTAINER_MODEL_DIR,
  CONTAINER_PREDICTION_DIR,
  evaluationBinds,
  predictionBinds,
  trainingBinds,
} from '../aucmedi/arguments';
import { PREDICTIONS_FILE } from '../aucmedi/outputs';
import { CONTAINER_KERAS_MODELS_DIR, kerasMountSpec } from '../aucmedi/weights';
import type { StageSource } from '../engine/staging';
import type { RunContainerSpec } from '../engine/run-container';
import type { DatasetToStage, StagedVolumes } from './backend';
import { ANNOTATIONS_COPY_FILE, CONTAINER_SOURCE_DIR, INPUTS_DIR, stepViewMounts, VIEW_STEP_SCRIPT, AUCMEDI_ENTRYPOINT, viewSpecFile, STEP_ROOT, VIEW_TMPFS, type EnginePath, type ViewStep } from './dataset-view';
import { LINKED_INPUTS_DIR } from './inputs';

/** Inside an evaluation's output folder: the prediction step's and the evaluation step's outputs. */
export const EVALUATION_PREDICTION_DIR = 'prediction';
export const EVALUATION_RESULTS_DIR = 'evaluation';

/** What a step's container gets, whatever the placement. */
export interface StepMounts {
  binds: string[];
  volumes: { source: string; target: string; readOnly: boolean }[];
  tmpfs: Record<string, string>;
  /** Empty: the image's own entrypoint (a run started before the clean view). */
  entrypoint: string[];
  env: string[];
}

/** The container of the run's step as the run backend creates it (src/runs/backend.ts `create`). */
export function stepContainerSpec(record: RunRecord, mode: RunRecord['mode'], inputs: StepMounts, host: { extraEnv: readonly string[]; platform: NodeJS.Platform }): RunContainerSpec {
  return {
    runId: record.id,
    mode,
    imageId: record.imageId!,
    args: record.command,
    binds: inputs.binds,
    volumes: inputs.volumes,
    env: [...inputs.env, ...host.extraEnv],
    tmpfs: inputs.tmpfs,
    gpus: record.gpus,
    platform: host.platform,
    imageUser: Boolean(record.placement?.volumes),
    ...(inputs.entrypoint.length > 0 ? { entrypoint: inputs.entrypoint } : {}),
  };
}

export function stepOf(record: RunRecord): ViewStep {
  return record.mode === 'evaluation' ? record.step : record.mode;
}

/** The folder of the user's images a run reads. */
export function inputFolderOf(record: RunRecord): string {
  return record.mode === 'prediction' ? record.images.path : record.dataset.path;
}

/** Keras finds its weights, and writes its cache, under a HOME every uid may write (src/aucmedi/weights.ts). */
function keras(record: RunRecord, weightsDir: string | null, staged: boolean): Pick<StepMounts, 'binds' | 'tmpfs' | 'env'> {
  const spec = kerasMountSpec(staged || !needsWeights(record) ? null : weightsDir);
  return { binds: record.mode === 'training' ? spec.binds : [], tmpfs: spec.tmpfs, env: spec.env };
}

// ---------------------------------------------------------------------------------------------
// Mounted
// ---------------------------------------------------------------------------------------------

/** A training whose architectures take pretrained weights (Vanilla starts from nothing). */
export function needsWeights(record: RunRecord): boolean {
  return record.mode === 'training' && record.options.architectures.some((key) => key !== 'Vanilla');
}

/**
 * The folders a mounted run's containers bind: what must be visible to the engine, where it is (`where`:
 * this computer's path, or its place on a shared folder the engine sees, src/engine/path-mapping.ts).
 */
export function mountedHostPaths(record: RunRecord, weightsDir: string | null): string[] {
  return [inputFolderOf(record), record.outputDir, ...(record.mode === 'training' ? [] : [record.model.dir]), ...(needsWeights(record) && weightsDir ? [weightsDir] : [])];
}

export function mountedStepMounts(record: RunRecord, weightsDir: string | null, where: EnginePath = (hostPath) => hostPath): StepMounts {
  const step = stepOf(record);
  const weights = keras(record, weightsDir === null || !needsWeights(record) ? null : where(weightsDir), false);
  if (!existsSync(viewSpecFile(record.outputDir, step))) {
    return { binds: [...unviewedBinds(record), ...weights.binds], volumes: [], tmpfs: weights.tmpfs, entrypoint: [], env: weights.env };
  }
  const view = stepViewMounts(record.outputDir, step, inputFolderOf(record), record.mode !== 'prediction' && record.dataset.gtFile !== null, where);
  return { binds: [...view.binds, ...ownFolderBinds(record, where), ...weights.binds], volumes: [], tmpfs: { ...weights.tmpfs, ...view.tmpfs }, entrypoint: view.entrypoint, env: weights.env };
}

/** The model folder (read-only) and the output folder of the step. */
function ownFolderBinds(record: RunRecord, where: EnginePath): string[] {
  if (record.mode === 'training') return [bind(where(record.outputDir), CONTAINER_MODEL_DIR, false, 'output folder')];
  const model = bind(where(record.model.dir), CONTAINER_MODEL_DIR, true, 'model folder');
  if (record.mode === 'prediction') return [model, bind(where(record.outputDir), CONTAINER_PREDICTION_DIR, false, 'output folder')];
  const predictions = path.join(record.outputDir, EVALUATION_PREDICTION_DIR);
  if (record.step === 'prediction') return [model, bind(where(predictions), CONTAINER_PREDICTION_DIR, false, 'output folder')];
  return [
    bind(where(path.join(predictions, PREDICTIONS_FILE)), CONTAINER_EVALUATION_PREDICTIONS_FILE, true, 'predictions file'),
    bind(where(path.join(record.outputDir, EVALUATION_RESULTS_DIR)), CONTAINER_EVALUATION_DIR, false, 'output folder'),
  ];
}

/** A run started before the clean view (no list of links in its output folder) goes on with the mounts it had. */
function unviewedBinds(record: RunRecord): string[] {
  if (record.mode === 'training') {
    const { dataset } = record;
    return trainingBinds({ dataset: dataset.path, ...(dataset.gtFile ? { annotations: dataset.gtFile } : {}), output: record.outputDir });
  }
  if (record.mode === 'prediction') return predictionBinds({ images: record.images.path, model: record.model.dir, output: record.outputDir });
  const { dataset } = record;
  const predictions = path.join(record.outputDir, EVALUATION_PREDICTION_DIR);
  if (record.step === 'prediction') {
    const linked = dataset.interface === 'directory';
    return [
      ...predictionBinds({ images: linked ? path.join(record.outputDir, LINKED_INPUTS_DIR) : dataset.path, model: record.model.dir, output: predictions }),
      ...(linked ? [bind(dataset.path, CONTAINER_DATASET_DIR, true, 'dataset folder')] : []),
    ];
  }
  return evaluationBinds({
    dataset: dataset.path,
    ...(dataset.gtFile ? { annotations: dataset.gtFile } : {}),
    predictions: path.join(predictions, PREDICTIONS_FILE),
    output: path.join(record.outputDir, EVALUATION_RESULTS_DIR),
  });
}

// ---------------------------------------------------------------------------------------------
// Staged
// ---------------------------------------------------------------------------------------------

export const STAGED_INPUT_DIR = '/data/staged';
export const STAGED_DATASET_DIR = '/data/dataset';
export const STAGED_OUTPUT_DIR = '/data/out';
/** The links and folders the view step makes before its views (JSON: `{ dirs, links: [[path, target]] }`). */
export const PLACEMENT_ENV = 'AUCMEDI_DESK_PLACEMENT';

/**
 * The images a staged run reads, and the key they are kept under on the server: the dataset's
 * fingerprint (names, sizes and times of its files, src/dataset/fingerprint.ts) with the list of the
 * images staged, so a folder changed since, or scanned with another result, is never taken for it.
 * No key (no fingerprint): the images are staged for this run only.
 */
export function stagedDataset(record: RunRecord, images: readonly UsedImage[]): DatasetToStage {
  const root = inputFolderOf(record);
  const fingerprint = record.mode === 'prediction' ? record.images.fingerprint : record.dataset.fingerprint;
  const rels = images.map((image) => image.rel);
  const key = fingerprint ? createHash('sha256').update(`${fingerprint.sha256}\n${rels.join('\n')}`).digest('hex').slice(0, 32) : null;
  return { key, folder: root, fingerprint: fingerprint?.sha256 ?? null, sources: rels.map((rel) => ({ hostPath: path.join(root, ...rel.split('/')), at: rel })) };
}

/** What else a staged run uploads, once, before its first step (the layout above): for this run only. */
export function stagedRunSources(record: RunRecord, weights: { dir: string; files: readonly string[] } | null): StageSource[] {
  const sources: StageSource[] = [{ hostPath: path.join(record.outputDir, INPUTS_DIR), at: 'inputs' }];
  if (record.mode !== 'training') sources.push({ hostPath: record.model.dir, at: 'model' });
  if (record.mode === 'training' && weights) sources.push(...weights.files.map((file) => ({ hostPath: path.join(weights.dir, file), at: `weights/${file}` })));
  return sources;
}

export function stagedStepMounts(record: RunRecord, volumes: StagedVolumes): StepMounts {
  const step = stepOf(record);
  const inVolume = (rel: string) => `${STAGED_INPUT_DIR}/${rel}`;
  const outVolume = (rel: string) => (rel ? `${STAGED_OUTPUT_DIR}/${rel}` : STAGED_OUTPUT_DIR);
  const links: [string, string][] = [[CONTAINER_SOURCE_DIR, STAGED_DATASET_DIR]];
  const dirs: string[] = [];
  if (record.mode !== 'prediction' && record.dataset.gtFile !== null && step !== 'prediction') links.push([CONTAINER_ANNOTATIONS_FILE, inVolume(`${INPUTS_DIR}/${ANNOTATIONS_COPY_FILE}`)]);
  if (record.mode === 'training') {
    links.push([CONTAINER_MODEL_DIR, outVolume('')], [CONTAINER_KERAS_MODELS_DIR, inVolume('weights')]);
  } else if (record.mode === 'prediction') {
    links.push([CONTAINER_MODEL_DIR, inVolume('model')], [CONTAINER_PREDICTION_DIR, outVolume('')]);
  } else if (step === 'prediction') {
    dirs.push(outVolume(EVALUATION_PREDICTION_DIR));
    links.push([CONTAINER_MODEL_DIR, inVolume('model')], [CONTAINER_PREDICTION_DIR, outVolume(EVALUATION_PREDICTION_DIR)]);
  } else {
    dirs.push(outVolume(EVALUATION_RESULTS_DIR));
    links.push([CONTAINER_EVALUATION_PREDICTIONS_FILE, outVolume(`${EVALUATION_PREDICTION_DIR}/${PREDICTIONS_FILE}`)], [CONTAINER_EVALUATION_DIR, outVolume(EVALUATION_RESULTS_DIR)]);
  }
  const weights = keras(record, null, true);
  return {
    binds: [],
    volumes: [
      { source: volumes.dataset, target: STAGED_DATASET_DIR, readOnly: true },
      { source: volumes.input, target: STAGED_INPUT_DIR, readOnly: true },
      { source: volumes.output, target: STAGED_OUTPUT_DIR, readOnly: false },
    ],
    tmpfs: { ...weights.tmpfs, [STEP_ROOT[step]]: VIEW_TMPFS },
    entrypoint: ['python3', '-c', VIEW_STEP_SCRIPT, inVolume(`${INPUTS_DIR}/${step}.json`), AUCMEDI_ENTRYPOINT],
    env: [...weights.env, `${PLACEMENT_ENV}=${JSON.stringify({ dirs, links })}`],
  };
}
