import path from 'node:path';
import type { EngineInfo } from '../api/types';
import type { RunRecord } from '../api/runs';
import { writeFileAtomic } from '../settings/store';
import { APP_NAME, APP_VERSION } from '../version';

export const MANIFEST_FILE = 'run.json';

/** `run.json` beside the outputs: what an auditor asks, and what makes the run repeatable. */
export function runManifest(record: RunRecord, engine: Pick<EngineInfo, 'version' | 'apiVersion'> | null) {
  return {
    manifestVersion: 1,
    app: { name: APP_NAME, version: APP_VERSION },
    engine: engine ? { version: engine.version, apiVersion: engine.apiVersion } : null,
    run: { id: record.id, mode: record.mode, state: record.state, exitCode: record.exitCode, startedAt: record.startedAt, endedAt: record.endedAt },
    image: { reference: record.imageRef, id: record.imageId },
    command: record.mode === 'evaluation' ? [['aucmedi', ...record.predictionCommand], ['aucmedi', ...record.command]] : ['aucmedi', ...record.command],
    container: { network: 'none', inputMounts: 'read-only', gpus: record.gpus },
    ...inputsAndResults(record),
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

export function writeManifest(record: RunRecord, engine: Pick<EngineInfo, 'version' | 'apiVersion'> | null): string {
  const file = path.join(record.outputDir, MANIFEST_FILE);
  writeFileAtomic(file, `${JSON.stringify(runManifest(record, engine), null, 2)}\n`);
  return file;
}
