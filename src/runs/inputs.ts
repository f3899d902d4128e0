/**
 * What prediction and evaluation runs take in: the model (checked before anything starts) and the
 * images; the view of them AUCMEDI gets is src/runs/dataset-view.ts.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { localizedException, UserErrorException } from '../api/errors';
import { msg } from '../i18n/message';
import type { DatasetReport } from '../api/dataset';
import { modelClassesProblem } from '../api/model-classes';
import { FINISHED_STATES, type ModelChoice, type ModelRef, type RunRecord } from '../api/runs';
import { checkModelFolder } from '../aucmedi/outputs';

/**
 * Where an evaluation started before the clean view (src/runs/dataset-view.ts) keeps the links it
 * made on the host for its prediction step; such a run goes on with them.
 */
export const LINKED_INPUTS_DIR = 'inputs';

export async function resolveModel(choice: ModelChoice, getRun: (id: string) => RunRecord): Promise<ModelRef> {
  let dir: string;
  let runId: string | null = null;
  if ('runId' in choice) {
    const run = getRun(choice.runId);
    if (run.mode !== 'training') {
      throw localizedException('MODEL_FOLDER_INCOMPLETE', msg(`runs:inputs.notTraining.${run.mode}`, { id: run.id }), msg('runs:inputs.notTrainingAction'));
    }
    if (!FINISHED_STATES.includes(run.state)) {
      throw localizedException('RUN_ACTIVE', msg('runs:inputs.trainingActive'), msg('runs:inputs.trainingActiveAction'));
    }
    dir = run.outputDir;
    runId = run.id;
  } else dir = path.resolve(choice.dir);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw localizedException('MODEL_FOLDER_INCOMPLETE', msg('runs:inputs.noModelFolder', { dir }), msg('runs:inputs.noModelFolderAction'));
  }
  const folder = await checkModelFolder(dir);
  return { dir, runId, classNames: folder.meta.classNames, analysis: folder.meta.analysis, architectures: folder.meta.architectures, threeDim: folder.meta.threeDim };
}

/**
 * The images must be what the model was trained on: 2D images for a 2D model, volumes for a 3D one.
 * `what`: the images of a prediction (its image folder) or of an evaluation (its labelled set).
 */
export function requireMatchingDimensions(model: ModelRef, report: DatasetReport, what: 'imageFolder' | 'labelledSet'): void {
  const expected = model.threeDim ? '3D' : '2D';
  if (report.dimensionality === expected || report.dimensionality === 'unknown') return;
  const trained = model.threeDim ? 'model3D' : 'model2D';
  const found = report.dimensionality === 'mixed' ? 'mixed' : 'other';
  throw localizedException('DATASET_INVALID', msg(`runs:inputs.dimensions.${what}.${trained}.${found}`), msg(`runs:inputs.dimensionsAction.${trained}.${found}`));
}

/** A labelled set must have exactly the model's classes, in the model's order (see modelClassesProblem). */
export function requireModelClasses(model: ModelRef, report: DatasetReport): void {
  const problem = modelClassesProblem(model.classNames, report);
  if (problem) throw new UserErrorException({ code: 'DATASET_INVALID', ...problem });
}

/** Nothing is ever written into the folders a run reads: the output folder must lie outside them. */
export function requireOutsideInputs(outputDir: string, inputs: string[]): void {
  for (const input of inputs) {
    const relative = path.relative(path.resolve(input), outputDir);
    if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
      throw localizedException('OUTPUT_FOLDER_UNUSABLE', msg('runs:inputs.outputInside', { dir: outputDir, input }), msg('runs:inputs.outputInsideAction'));
    }
  }
}
