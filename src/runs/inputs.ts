/**
 * What prediction and evaluation runs take in: the model (checked before anything starts) and the
 * images; the view of them AUCMEDI gets is src/runs/dataset-view.ts.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { UserErrorException } from '../api/errors';
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
      throw new UserErrorException({ code: 'MODEL_FOLDER_INCOMPLETE', message: `Run ${run.id} is a ${run.mode}, not a training: it holds no model.`, action: 'Choose a training run.' });
    }
    if (!FINISHED_STATES.includes(run.state)) {
      throw new UserErrorException({ code: 'RUN_ACTIVE', message: 'This training is still going: its model is not finished.', action: 'Wait until it has finished, or choose another model.' });
    }
    dir = run.outputDir;
    runId = run.id;
  } else dir = path.resolve(choice.dir);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserErrorException({ code: 'MODEL_FOLDER_INCOMPLETE', message: `There is no model folder ${dir}.`, action: 'Choose the output folder of a finished training (it holds meta.training.json and the model files).' });
  }
  const folder = await checkModelFolder(dir);
  return { dir, runId, classNames: folder.meta.classNames, analysis: folder.meta.analysis, architectures: folder.meta.architectures, threeDim: folder.meta.threeDim };
}

/** The images must be what the model was trained on: 2D images for a 2D model, volumes for a 3D one. */
export function requireMatchingDimensions(model: ModelRef, report: DatasetReport, what: string): void {
  const expected = model.threeDim ? '3D' : '2D';
  if (report.dimensionality === expected || report.dimensionality === 'unknown') return;
  const kinds = { '2D': '2D images', '3D': '3D volumes' };
  throw new UserErrorException({
    code: 'DATASET_INVALID',
    message: `The model was trained on ${kinds[expected]}, but ${what} ${report.dimensionality === 'mixed' ? 'mixes 2D images and 3D volumes' : `holds ${kinds[report.dimensionality]}`}.`,
    action: `Choose ${kinds[expected]}, or a model trained on ${report.dimensionality === 'mixed' ? 'the same kind of images' : kinds[report.dimensionality]}.`,
  });
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
      throw new UserErrorException({
        code: 'OUTPUT_FOLDER_UNUSABLE',
        message: `The output folder ${outputDir} lies inside ${input}, which the run only reads.`,
        action: 'Choose an output folder outside the images, the dataset and the model folder.',
      });
    }
  }
}
