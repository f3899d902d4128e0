import type { GpuReport } from '../../../src/api';
import type { GpuChoice } from '../../../src/api/runs';
import { useErrorText, useFormat, useT } from '../i18n';

/** The GPU choice to start with: the first GPU when GPUs are ready, the CPU otherwise. */
export const defaultGpus = (report: GpuReport | null): GpuChoice => {
  const first = report?.ok ? [...report.gpus].sort((a, b) => a.index - b.index)[0] : undefined;
  return first ? { kind: 'ids', ids: [String(first.index)] } : { kind: 'none' };
};
const gpuValue = (choice: GpuChoice) => (choice.kind === 'ids' ? `gpu:${choice.ids[0]}` : choice.kind);
/** The kinds of run whose sentences the catalog holds; any other `what` reads as "run". */
const KINDS = ['run', 'training', 'prediction', 'evaluation'] as const;
type Kind = (typeof KINDS)[number];

/**
 * What the GPU check found, and the processor to run on: one GPU, or the CPU. AUCMEDI trains on one
 * GPU (it has no multi-GPU code, and TensorFlow would only take memory on the others), so there is
 * no "all GPUs"; with several, runs go side by side on different ones. `prefix` names the test ids.
 */
export function ProcessorField({
  prefix,
  value,
  onChange,
  gpuReport,
  gpuChecking,
  what = 'run',
  cpuNote,
  oneGpuNote,
}: {
  prefix: string;
  value: GpuChoice;
  onChange(choice: GpuChoice): void;
  gpuReport: GpuReport | null;
  gpuChecking: boolean;
  /**
   * The kind of run, for the sentences ("This prediction uses the CPU."): "run", "training",
   * "prediction" or "evaluation" (the catalog has each sentence); anything else reads as "run".
   */
  what?: string;
  /** The sentence "This … uses the CPU." in the window's language, when the caller has its own. */
  cpuNote?: string;
  /** The sentence under the choice when there are several GPUs, when the caller has its own. */
  oneGpuNote?: string;
}) {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const kind: Kind = (KINDS as readonly string[]).includes(what) ? (what as Kind) : 'run';
  const gpuReady = Boolean(gpuReport?.ok && gpuReport.gpus.length);
  const report = gpuReport ? errorText(gpuReport) : null;
  return (
    <>
      {!gpuReport ? (
        <p className="muted">{gpuChecking ? t('training:processor.looking') : t('training:processor.notChecked')}</p>
      ) : gpuReady ? (
        <p className="muted">{report!.message}</p>
      ) : (
        <p data-testid={`${prefix}-cpu-note`}>
          <strong>{cpuNote ?? t(`training:processor.cpu.${kind}`)}</strong> {report!.message}
          {report!.action && <span className="muted"> {report!.action}</span>}
        </p>
      )}
      <div className="field">
        <label htmlFor={`${prefix}-gpu`}>{t('training:processor.label')}</label>
        <select
          id={`${prefix}-gpu`}
          value={gpuValue(value)}
          onChange={(event) => {
            const choice = event.target.value;
            onChange(choice === 'none' ? { kind: 'none' } : { kind: 'ids', ids: [choice.slice(4)] });
          }}
          data-testid={`${prefix}-gpu`}
        >
          {gpuReady &&
            gpuReport!.gpus.map((gpu) => (
              <option key={gpu.index} value={`gpu:${gpu.index}`}>
                {gpu.memoryMiB
                  ? t('training:processor.gpuOptionMemory', { index: gpu.index, name: gpu.name, memory: format.size(gpu.memoryMiB * 1024 * 1024) })
                  : t('training:processor.gpuOption', { index: gpu.index, name: gpu.name })}
              </option>
            ))}
          {!gpuReady && value.kind !== 'none' && <option value={gpuValue(value)}>{t('training:processor.gpuNotReady')}</option>}
          <option value="none">{gpuReady ? t('training:processor.cpuOptionSlower') : t('training:processor.cpuOption')}</option>
        </select>
        {gpuReady && gpuReport!.gpus.length > 1 && (
          <p className="muted small" data-testid={`${prefix}-one-gpu`}>
            {oneGpuNote ?? t(`training:processor.oneGpu.${kind}`)}
          </p>
        )}
      </div>
    </>
  );
}
