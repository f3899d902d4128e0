import { useEffect, useState } from 'react';
import { Trans } from 'react-i18next';
import type { UserError } from '../../../src/api/errors';
import type { ModelChoice, ModelRef, RunSummary } from '../../../src/api/runs';
import { invoke } from '../bridge';
import { useFormat, useT, useValue } from '../i18n';
import { useAppStore } from '../store';
import { Problem } from './Problem';

export type TrainingSummary = Extract<RunSummary, { mode: 'training' }>;

const folderName = (dir: string) => dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;

/** The finished training runs whose model can be applied, newest first. */
export function useTrainedModels(): TrainingSummary[] | null {
  const runs = useAppStore((s) => s.runs);
  const loadRuns = useAppStore((s) => s.loadRuns);
  useEffect(() => {
    void loadRuns();
  }, [loadRuns]);
  return runs?.filter((run): run is TrainingSummary => run.mode === 'training' && run.state === 'succeeded') ?? null;
}

/** A chosen model folder, checked by the core as a prediction would check it: what it holds, or why it cannot be used. */
export function useModelFolderCheck(dir: string | null): { model: ModelRef | null; error: UserError | null } {
  const [check, setCheck] = useState<{ dir: string; model: ModelRef | null; error: UserError | null } | null>(null);
  useEffect(() => {
    if (!dir) return;
    let current = true;
    void invoke('models:check', { dir }).then((response) => {
      if (current) setCheck(response.ok ? { dir, model: response.data, error: null } : { dir, model: null, error: response.error });
    });
    return () => {
      current = false;
    };
  }, [dir]);
  return check && check.dir === dir ? { model: check.model, error: check.error } : { model: null, error: null };
}

/** Choose a trained model: a succeeded training of the history, or a model folder from elsewhere. `prefix` names the test ids. */
export function ModelPicker({ prefix, value, models, onChange, onChooseFolder }: { prefix: string; value: ModelChoice | null; models: TrainingSummary[] | null; onChange(choice: ModelChoice): void; onChooseFolder(): void }) {
  const chosenRun = value && 'runId' in value ? value.runId : null;
  const chosenDir = value && 'dir' in value ? value.dir : null;
  const folder = useModelFolderCheck(chosenDir);
  const t = useT();
  const format = useFormat();
  const formatValue = useValue();
  return (
    <div data-testid={`${prefix}-model`}>
      {models === null ? (
        <p className="muted">{t('apply:model.loading')}</p>
      ) : models.length === 0 ? (
        <p className="muted" data-testid={`${prefix}-model-none`}>
          {t('apply:model.none')}
        </p>
      ) : (
        <div className="model-list" role="radiogroup" aria-label={t('apply:model.trainedModels')}>
          {models.map((run) => (
            <label key={run.id} className={chosenRun === run.id ? 'model-option checked' : 'model-option'} data-testid={`${prefix}-model-run`} data-run-id={run.id}>
              <input type="radio" name={`${prefix}-model`} checked={chosenRun === run.id} onChange={() => onChange({ runId: run.id })} />
              <span className="model-text">
                <span className="model-name">
                  {run.options.architectures.join(' + ')}
                  <span className="tag">{run.options.analysis}</span>
                  <span className="tag">{run.options.threeDim ? '3D' : '2D'}</span>
                </span>
                <span className="muted small">
                  <Trans
                    t={t}
                    i18nKey={run.classNames.length > 0 ? 'apply:model.trainedOnWithClasses' : 'apply:model.trainedOn'}
                    values={{ folder: folderName(run.dataset.path), classes: run.classNames.join(', '), when: format.dateTime(run.createdAt), loss: formatValue(run.bestValLoss) }}
                    components={{ folder: <span title={run.dataset.path} /> }}
                  />
                </span>
              </span>
            </label>
          ))}
        </div>
      )}
      {chosenDir && (
        <p className="model-option checked" data-testid={`${prefix}-model-dir`}>
          <span className="model-text">
            <span className="model-name">{t('apply:model.folder')}</span>
            <code>{chosenDir}</code>
            {folder.model && (
              <span className="muted small" data-testid={`${prefix}-model-dir-facts`}>
                {t('apply:model.dirFacts', {
                  analysis: folder.model.analysis ?? t('apply:model.analysisUnknown'),
                  architectures: folder.model.architectures.join(', ') || t('apply:model.architectureNotRecorded'),
                  dims: folder.model.threeDim ? '3D' : '2D',
                  classes: folder.model.classNames.join(', '),
                })}
              </span>
            )}
            {!folder.model && !folder.error && <span className="muted small">{t('apply:model.checkingFolder')}</span>}
          </span>
        </p>
      )}
      {chosenDir && folder.error && <Problem error={folder.error} testId={`${prefix}-model-dir-problem`} />}
      <div className="actions">
        <button type="button" className="secondary" onClick={onChooseFolder} data-testid={`${prefix}-model-folder`}>
          {t('apply:model.chooseFolder')}
        </button>
      </div>
      <p className="muted small">{t('apply:model.folderHint')}</p>
    </div>
  );
}
