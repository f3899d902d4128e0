import type { GpuReport } from '../../../src/api';
import type { GpuChoice } from '../../../src/api/runs';

/** The GPU choice to start with: the first GPU when GPUs are ready, the CPU otherwise. */
export const defaultGpus = (report: GpuReport | null): GpuChoice => {
  const first = report?.ok ? [...report.gpus].sort((a, b) => a.index - b.index)[0] : undefined;
  return first ? { kind: 'ids', ids: [String(first.index)] } : { kind: 'none' };
};
const gpuValue = (choice: GpuChoice) => (choice.kind === 'ids' ? `gpu:${choice.ids[0]}` : choice.kind);

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
}: {
  prefix: string;
  value: GpuChoice;
  onChange(choice: GpuChoice): void;
  gpuReport: GpuReport | null;
  gpuChecking: boolean;
  /** The kind of run, for the sentences ("This prediction uses the CPU."). */
  what?: string;
}) {
  const gpuReady = Boolean(gpuReport?.ok && gpuReport.gpus.length);
  return (
    <>
      {!gpuReport ? (
        <p className="muted">{gpuChecking ? 'Looking for a GPU…' : 'The GPU has not been checked.'}</p>
      ) : gpuReady ? (
        <p className="muted">{gpuReport.message}</p>
      ) : (
        <p data-testid={`${prefix}-cpu-note`}>
          <strong>This {what} uses the CPU.</strong> {gpuReport.message}
          {gpuReport.action && <span className="muted"> {gpuReport.action}</span>}
        </p>
      )}
      <div className="field">
        <label htmlFor={`${prefix}-gpu`}>Processor</label>
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
                GPU {gpu.index}: {gpu.name}
                {gpu.memoryMiB ? ` (${Math.round(gpu.memoryMiB / 1024)} GB)` : ''}
              </option>
            ))}
          {!gpuReady && value.kind !== 'none' && <option value={gpuValue(value)}>GPU (not ready)</option>}
          <option value="none">CPU{gpuReady ? ' (much slower)' : ''}</option>
        </select>
        {gpuReady && gpuReport!.gpus.length > 1 && (
          <p className="muted small" data-testid={`${prefix}-one-gpu`}>
            AUCMEDI trains on one GPU; more would not make this {what} faster. To use the others, start more runs on them: runs on different GPUs go side by side.
          </p>
        )}
      </div>
    </>
  );
}
