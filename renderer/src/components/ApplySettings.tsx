import { useEffect } from 'react';
import type { AucmediCatalog, UserError } from '../../../src/api';
import type { GpuChoice } from '../../../src/api/runs';
import { useT } from '../i18n';
import { useAppStore } from '../store';
import type { ApplyDraft } from '../store/predict';
import { integerField, NumberField } from './NumberField';
import { OutputFolderField } from './OutputFolderField';
import { EnginePicker } from './EnginePicker';
import { defaultGpus, ProcessorField } from './ProcessorField';

/** Detects the GPUs once, for the pages that start runs. */
export function useGpuReport() {
  const detectGpus = useAppStore((s) => s.detectGpus);
  useEffect(() => {
    if (!useAppStore.getState().gpuReport && !useAppStore.getState().gpuChecking) void detectGpus();
  }, [detectGpus]);
}

/** Batch size, workers and GPUs of a prediction or evaluation, checked; problems in words, in the window's language (`t` from useT()). */
export function applyOptions(
  draft: ApplyDraft,
  catalog: AucmediCatalog,
  gpus: GpuChoice,
  t: ReturnType<typeof useT>,
): { value: { batchSize: number; workers: number; gpus: GpuChoice } | null; problems: string[] } {
  const batchSize = integerField(draft.batchSize, catalog.limits.batchSize, t('apply:settings.batchSize'));
  const workers = integerField(draft.workers, catalog.limits.workers, t('apply:settings.workers'));
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
  what: 'prediction' | 'evaluation';
  draft: ApplyDraft;
  catalog: AucmediCatalog;
  onChange(patch: Partial<ApplyDraft>): void;
  onChooseOutput(): void;
  outputError: UserError | null;
}) {
  const t = useT();
  const gpus = useGpuChoice(draft);
  const { limits, defaults } = catalog;
  return (
    <>
      <section className="card" aria-labelledby={`${prefix}-settings-heading`}>
        <h2 id={`${prefix}-settings-heading`}>{t('apply:settings.heading')}</h2>
        <div className="fields">
          <NumberField
            id={`${prefix}-batch`}
            label={t('apply:settings.batchSize')}
            value={draft.batchSize}
            limits={limits.batchSize}
            defaultValue={defaults.predictionBatchSize}
            onChange={(batchSize) => onChange({ batchSize })}
            help={t('apply:settings.batchSizeHelp')}
          />
          <NumberField
            id={`${prefix}-workers`}
            label={t('apply:settings.workers')}
            value={draft.workers}
            limits={limits.workers}
            defaultValue={defaults.workers}
            onChange={(workers) => onChange({ workers })}
            help={t('apply:settings.workersHelp')}
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
        writesNote={t(`apply:settings.outputNote.${what}`)}
      />
    </>
  );
}

/** The "Where it runs" card of a page that starts runs: the engine, the processor and the output folder. `prefix` names the test ids. */
export function WhereItRuns({
  prefix,
  what,
  gpus,
  onGpus,
  outputDir,
  outputError,
  onChooseOutput,
  onResetOutput,
  writesNote,
}: {
  prefix: string;
  /** The kind of run, for the processor's sentences: "run", "training", "prediction" or "evaluation" (see ProcessorField). */
  what: string;
  gpus: GpuChoice;
  onGpus(choice: GpuChoice): void;
  outputDir: string | null;
  outputError: UserError | null;
  onChooseOutput(): void;
  onResetOutput(): void;
  /** The hint for a chosen output folder, a whole sentence in the window's language ("The folder must be empty or new: …"). */
  writesNote: string;
}) {
  const t = useT();
  const gpuReport = useAppStore((s) => s.gpuReport);
  const gpuChecking = useAppStore((s) => s.gpuChecking);
  return (
    <section className="card" aria-labelledby={`${prefix}-hw-heading`} data-testid={`${prefix}-hardware`}>
      <h2 id={`${prefix}-hw-heading`}>{t('apply:settings.whereItRuns')}</h2>
      <EnginePicker prefix={prefix} />
      <ProcessorField prefix={prefix} value={gpus} onChange={onGpus} gpuReport={gpuReport} gpuChecking={gpuChecking} what={what} />
      <OutputFolderField prefix={prefix} value={outputDir} error={outputError} onChoose={onChooseOutput} onReset={onResetOutput} writesNote={writesNote} />
    </section>
  );
}
