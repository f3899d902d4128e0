import { useEffect } from 'react';
import type { ModelRef } from '../../../src/api/runs';
import { useFormat, useT } from '../i18n';
import { useAppStore } from '../store';

const folderName = (dir: string) => dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;

/** The model a prediction or evaluation used: a link to its training run (named by its date), or the folder it came from. */
export function ModelLink({ model }: { model: ModelRef }) {
  const t = useT();
  const format = useFormat();
  const showRun = useAppStore((s) => s.showRun);
  const trainedAt = useAppStore((s) => s.runs?.find((run) => run.id === model.runId)?.createdAt ?? null);
  const runsLoaded = useAppStore((s) => s.runs !== null);
  useEffect(() => {
    if (model.runId && !runsLoaded) void useAppStore.getState().loadRuns();
  }, [model.runId, runsLoaded]);
  if (!model.runId) {
    return (
      <span title={model.dir} data-testid="model-folder">
        {t('runsPage:modelLink.folder')} <code>{folderName(model.dir)}</code>
      </span>
    );
  }
  const runId = model.runId;
  return (
    <span>
      {t('runsPage:modelLink.modelOf')}{' '}
      <button
        type="button"
        className="link"
        onClick={(event) => {
          event.stopPropagation();
          showRun(runId);
        }}
        title={t('runsPage:modelLink.openTitle', { runId })}
        data-testid="model-run-link"
        data-run-id={runId}
      >
        {trainedAt ? t('runsPage:modelLink.trainingOf', { when: format.dateTime(trainedAt) }) : t('runsPage:modelLink.trainingRun', { runId })}
      </button>
    </span>
  );
}
