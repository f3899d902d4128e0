import { useEffect } from 'react';
import type { ModelRef } from '../../../src/api/runs';
import { useAppStore } from '../store';

const folderName = (dir: string) => dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;

/** The model a prediction or evaluation used: a link to its training run (named by its date), or the folder it came from. */
export function ModelLink({ model }: { model: ModelRef }) {
  const showRun = useAppStore((s) => s.showRun);
  const trainedAt = useAppStore((s) => s.runs?.find((run) => run.id === model.runId)?.createdAt ?? null);
  const runsLoaded = useAppStore((s) => s.runs !== null);
  useEffect(() => {
    if (model.runId && !runsLoaded) void useAppStore.getState().loadRuns();
  }, [model.runId, runsLoaded]);
  if (!model.runId) {
    return (
      <span title={model.dir} data-testid="model-folder">
        model folder <code>{folderName(model.dir)}</code>
      </span>
    );
  }
  const runId = model.runId;
  return (
    <span>
      model of{' '}
      <button
        type="button"
        className="link"
        onClick={(event) => {
          event.stopPropagation();
          showRun(runId);
        }}
        title={`Open the training run this model came from (${runId})`}
        data-testid="model-run-link"
        data-run-id={runId}
      >
        {trainedAt ? `the training of ${new Date(trainedAt).toLocaleString()}` : `training run ${runId}`}
      </button>
    </span>
  );
}
