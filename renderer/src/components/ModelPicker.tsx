import { useEffect, useState } from 'react';
import type { UserError } from '../../../src/api/errors';
import type { ModelChoice, ModelRef, RunSummary } from '../../../src/api/runs';
import { invoke } from '../bridge';
import { useAppStore } from '../store';
import { formatValue } from './LineChart';
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
  return (
    <div data-testid={`${prefix}-model`}>
      {models === null ? (
        <p className="muted">Loading the trainings…</p>
      ) : models.length === 0 ? (
        <p className="muted" data-testid={`${prefix}-model-none`}>
          No training has finished on this computer yet. Train a model on the Train page, or choose the folder of a model trained elsewhere.
        </p>
      ) : (
        <div className="model-list" role="radiogroup" aria-label="Trained models">
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
                  Trained on <span title={run.dataset.path}>{folderName(run.dataset.path)}</span>
                  {run.classNames.length > 0 && <> ({run.classNames.join(', ')})</>} · {new Date(run.createdAt).toLocaleString()} · best val_loss {formatValue(run.bestValLoss)}
                </span>
              </span>
            </label>
          ))}
        </div>
      )}
      {chosenDir && (
        <p className="model-option checked" data-testid={`${prefix}-model-dir`}>
          <span className="model-text">
            <span className="model-name">Model folder</span>
            <code>{chosenDir}</code>
            {folder.model && (
              <span className="muted small" data-testid={`${prefix}-model-dir-facts`}>
                {folder.model.analysis ?? 'unknown'} analysis · {folder.model.architectures.join(', ') || 'architecture not recorded'} · {folder.model.threeDim ? '3D' : '2D'} · classes {folder.model.classNames.join(', ')}
              </span>
            )}
            {!folder.model && !folder.error && <span className="muted small">Checking the folder…</span>}
          </span>
        </p>
      )}
      {chosenDir && folder.error && <Problem error={folder.error} testId={`${prefix}-model-dir-problem`} />}
      <div className="actions">
        <button type="button" className="secondary" onClick={onChooseFolder} data-testid={`${prefix}-model-folder`}>
          Choose model folder…
        </button>
      </div>
      <p className="muted small">A model folder is the output folder of a training (here or on another computer): meta.training.json with the model files (model.best_loss.keras, …).</p>
    </div>
  );
}
