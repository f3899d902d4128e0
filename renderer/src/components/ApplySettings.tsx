import { useEffect } from 'react';
import type { AucmediCatalog, UserError } from '../../../src/api';
import type { GpuChoice } from '../../../src/api/runs';
import { useAppStore } from '../store';
import type { ApplyDraft } from '../store/predict';
import { integerField, NumberField } from './NumberField';
import { OutputFolderField } from './OutputFolderField';
import { defaultGpus, ProcessorField } from './ProcessorField';

/** Detects the GPUs once, for the pages that start runs. */
export function useGpuReport() {
  const detectGpus = useAppStore((s) => s.detectGpus);
  useEffect(() => {
    if (!useAppStore.getState().gpuReport && !useAppStore.getState().gpuChecking) void detectGpus();
  }, [detectGpus]);
}

/** Batch size, workers and GPUs of a prediction or evaluation, checked; problems in words. */
export function applyOptions(draft: ApplyDraft, catalog: AucmediCatalog, gpus: GpuChoice): { value: { batchSize: number; workers: number; gpus: GpuChoice } | null; problems: string[] } {
  const batchSize = integerField(draft.batchSize, catalog.limits.batchSize, 'Batch size');
  const workers = integerField(draft.workers, catalog.limits.workers, 'Workers');
  if ('problem' in batchSize || 'problem' in workers) return { value: null, problems: [batchSize, workers].flatMap((f) => ('problem' in f ? [f.problem] : [])) };
  return { value: { batchSize: batchSize.value, workers: workers.value, gpus }, problems: [] };
}

/** The GPU choice in effect: the user's, or the default from the GPU report. */
export function useGpuChoice(draft: ApplyDraft): GpuChoice {
  const gpuReport = useAppStore((s) => s.gpuReport);
  return draft.gpus ?? defaultGpus(gpuReport);
}

/** The settings cards of a prediction or evaluation: batch size and workers, processor and output folder. */
export function ApplySettings({
  prefix,
  what,
  draft,
  catalog,
  onChange,
  onChooseOutput,
  outputError,
}: {
  prefix: string;
  what: string;
  draft: ApplyDraft;
  catalog: AucmediCatalog;
  onChange(patch: Partial<ApplyDraft>): void;
  onChooseOutput(): void;
  outputError: UserError | null;
}) {
  const gpus = useGpuChoice(draft);
  const { limits, defaults } = catalog;
  return (
    <>
      <section className="card" aria-labelledby={`${prefix}-settings-heading`}>
        <h2 id={`${prefix}-settings-heading`}>Settings</h2>
        <div className="fields">
          <NumberField
            id={`${prefix}-batch`}
            label="Batch size"
            value={draft.batchSize}
            limits={limits.batchSize}
            defaultValue={defaults.predictionBatchSize}
            onChange={(batchSize) => onChange({ batchSize })}
            help="How many images are processed together. Larger is faster but needs more memory: lower it if the run fails for lack of memory."
          />
          <NumberField
            id={`${prefix}-workers`}
            label="Workers"
            value={draft.workers}
            limits={limits.workers}
            defaultValue={defaults.workers}
            onChange={(workers) => onChange({ workers })}
            help="How many processes read images in parallel. 1 is safe."
          />
        </div>
      </section>
      <WhereItRuns
        prefix={prefix}
        what={what}
        gpus={gpus}
        onGpus={(choice) => onChange({ gpus: choice })}
        outputDir={draft.outputDir}
        outputError={outputError}
        onChooseOutput={onChooseOutput}
        onResetOutput={() => onChange({ outputDir: null })}
        writes={what === 'prediction' ? 'preds.csv, the heat maps, run.json and run.log' : 'the predictions, the scores and plots, run.json and the logs'}
      />
    </>
  );
}

/** The "Where it runs" card of a page that starts runs: the processor and the output folder. `prefix` names the test ids. */
export function WhereItRuns({
  prefix,
  what,
  gpus,
  onGpus,
  outputDir,
  outputError,
  onChooseOutput,
  onResetOutput,
  writes,
}: {
  prefix: string;
  /** The run, in words for the processor hint ("run", "prediction"). */
  what: string;
  gpus: GpuChoice;
  onGpus(choice: GpuChoice): void;
  outputDir: string | null;
  outputError: UserError | null;
  onChooseOutput(): void;
  onResetOutput(): void;
  /** What the run writes in its output folder. */
  writes: string;
}) {
  const gpuReport = useAppStore((s) => s.gpuReport);
  const gpuChecking = useAppStore((s) => s.gpuChecking);
  return (
    <section className="card" aria-labelledby={`${prefix}-hw-heading`} data-testid={`${prefix}-hardware`}>
      <h2 id={`${prefix}-hw-heading`}>Where it runs</h2>
      <ProcessorField prefix={prefix} value={gpus} onChange={onGpus} gpuReport={gpuReport} gpuChecking={gpuChecking} what={what} />
      <OutputFolderField prefix={prefix} value={outputDir} error={outputError} onChoose={onChooseOutput} onReset={onResetOutput} writes={writes} />
    </section>
  );
}
