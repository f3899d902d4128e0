import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EngineInfo, ImageCheck } from '../api/types';
import type { RunRecord } from '../api/runs';
import { writeFileAtomic } from '../settings/store';
import { ANNOTATIONS_COPY_FILE, INPUTS_DIR, viewSpecFile } from './dataset-view';
import { APP_NAME, APP_VERSION } from '../version';

export const MANIFEST_FILE = 'run.json';

/**
 * The software in the run's image, from the image check (src/engine/image-check.ts) of its id; every
 * field null when it could not be checked (the image removed before the run was finished, say).
 */
export function imageSoftware(check: ImageCheck | null) {
  const known = check && check.state !== 'unknown' ? check : null;
  return {
    aucmedi: known?.aucmedi ?? null,
    tensorflow: known?.tensorflow ?? null,
    keras: known?.keras ?? null,
    kerasGeneration: known?.kerasGeneration ?? null,
    classificationModels3D: known?.classificationModels3D ?? null,
    python: known?.python ?? null,
    check: check?.state ?? 'unknown',
  };
}

/** `run.json` beside the outputs: what an auditor asks, and what makes the run repeatable. */
export function runManifest(record: RunRecord, engine: Pick<EngineInfo, 'version' | 'apiVersion'> | null, image: ImageCheck | null = null) {
  return {
    manifestVersion: 1,
    app: { name: APP_NAME, version: APP_VERSION },
    engine: engine ? { version: engine.version, apiVersion: engine.apiVersion } : null,
    // where it ran, and whether the data left this computer (issue 15: the data-protection record)
    placement: record.placement ?? { engine: 'local', host: null, data: 'mounted' },
    run: { id: record.id, mode: record.mode, state: record.state, exitCode: record.exitCode, startedAt: record.startedAt, endedAt: record.endedAt },
    image: { reference: record.imageRef, id: record.imageId, software: imageSoftware(image) },
    command: record.mode === 'evaluation' ? [['aucmedi', ...record.predictionCommand], ['aucmedi', ...record.command]] : ['aucmedi', ...record.command],
    container: { network: 'none', inputMounts: 'read-only', gpus: record.gpus, inputs: inputsView(record) },
    ...inputsAndResults(record),
  };
}

/**
 * What AUCMEDI got instead of the folder as it is (src/runs/dataset-view.ts): the lists of links per
 * step and, for an annotation file, the comma-separated copy mounted in its place; null for a run
 * started before the view.
 */
function inputsView(record: RunRecord) {
  const steps = (record.mode === 'evaluation' ? (['prediction', 'evaluation'] as const) : [record.mode]).filter((step) => existsSync(viewSpecFile(record.outputDir, step)));
  if (steps.length === 0) return null;
  const copy = path.join(record.outputDir, INPUTS_DIR, ANNOTATIONS_COPY_FILE);
  return {
    view: 'links to the accepted images only, made in the container (see README, "The clean view")',
    lists: steps.map((step) => path.relative(record.outputDir, viewSpecFile(record.outputDir, step))),
    annotationsCopy: existsSync(copy) ? path.relative(record.outputDir, copy) : null,
  };
}

function inputsAndResults(record: RunRecord) {
  if (record.mode === 'training') {
    const last = record.epochs.at(-1) ?? null;
    return {
      dataset: record.dataset,
      options: record.options,
      results: {
        classNames: record.classNames,
        modelFiles: record.modelFiles,
        epochsCompleted: record.epochs.length,
        finalMetrics: last?.metrics ?? null,
        bestEpoch: record.progress?.bestEpoch ?? null,
        earlyStopped: record.progress?.earlyStopped ?? false,
        error: record.error,
      },
    };
  }
  const model = { dir: record.model.dir, trainingRun: record.model.runId, classNames: record.model.classNames, analysis: record.model.analysis, architectures: record.model.architectures };
  if (record.mode === 'prediction') return { model, images: record.images, options: record.options, results: { ...record.results, error: record.error } };
  return { model, dataset: record.dataset, options: record.options, results: { ...record.results, endedInStep: record.step, error: record.error } };
}

export function writeManifest(record: RunRecord, engine: Pick<EngineInfo, 'version' | 'apiVersion'> | null, image: ImageCheck | null = null): string {
  const file = path.join(record.outputDir, MANIFEST_FILE);
  writeFileAtomic(file, `${JSON.stringify(runManifest(record, engine, image), null, 2)}\n`);
  return file;
}
