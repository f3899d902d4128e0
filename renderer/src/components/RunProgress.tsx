import { fewerEpochsNote, trainedEpochs } from '../../../src/api/epochs';
import type { RunMode, RunRecord, RunState, TrainingRecord } from '../../../src/api/runs';
import { keptAfterStop, stopConsequence } from '../../../src/api/stopped-training';

export const STATE_LABEL: Record<RunState, string> = {
  preparing: 'Preparing',
  running: 'Running',
  stopping: 'Stopping',
  succeeded: 'Finished',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

export const STATE_BADGE: Record<RunState, string> = {
  preparing: '',
  running: 'badge-run',
  stopping: 'badge-warn',
  succeeded: 'badge-ok',
  failed: 'badge-bad',
  cancelled: 'badge-warn',
  interrupted: 'badge-bad',
};

export const MODE_LABEL: Record<RunMode, string> = { training: 'Training', prediction: 'Prediction', evaluation: 'Evaluation' };

const STATE_SENTENCE: Record<RunMode, Record<RunState, string>> = {
  training: {
    preparing: 'Checking everything and starting the training container…',
    running: 'AUCMEDI is training the model. You may use other pages meanwhile; closing the app does not stop the run.',
    stopping: 'Stopping: AUCMEDI has been asked to end.',
    succeeded: 'The training finished. The model is saved in the output folder.',
    failed: 'The training stopped with an error.',
    cancelled: 'You stopped this run.',
    interrupted: 'The run was interrupted: its container is gone.',
  },
  prediction: {
    preparing: 'Checking everything and starting the prediction container…',
    running: 'AUCMEDI is classifying the images. You may use other pages meanwhile; closing the app does not stop the run.',
    stopping: 'Stopping: AUCMEDI has been asked to end.',
    succeeded: 'The prediction finished. Every image and its predicted class is listed below.',
    failed: 'The prediction stopped with an error.',
    cancelled: 'You stopped this prediction before it finished, so there are no results.',
    interrupted: 'The prediction was interrupted: its container is gone.',
  },
  evaluation: {
    preparing: 'Checking everything and starting the first step…',
    running: 'AUCMEDI is evaluating the model on the labelled images. You may use other pages meanwhile; closing the app does not stop the run.',
    stopping: 'Stopping: AUCMEDI has been asked to end.',
    succeeded: 'The evaluation finished. The scores are below.',
    failed: 'The evaluation stopped with an error.',
    cancelled: 'You stopped this evaluation before it finished, so there are no scores.',
    interrupted: 'The evaluation was interrupted: its container is gone.',
  },
};

const PHASE_SENTENCE = {
  starting: 'Starting up: loading the images and building the network.',
  frozen: 'Phase 1 of 2: training the classifier head while the base network stays frozen (epochs 1–10).',
  'fine-tuning': 'Phase 2 of 2: fine-tuning the whole network (from epoch 11 on).',
  predicting: 'Predicting the validation images.',
  finished: 'The log has ended.',
} as const;

/** 75 s -> "1 min 15 s"; 4000 s -> "1 h 6 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `${h} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(h / 24)} days ${h % 24} h`;
}

export function elapsedSeconds(record: Pick<RunRecord, 'startedAt' | 'createdAt' | 'endedAt'>, now: number): number {
  const start = Date.parse(record.startedAt ?? record.createdAt);
  const end = record.endedAt ? Date.parse(record.endedAt) : now;
  return Math.max(0, (end - start) / 1000);
}

function Bar({ value, max, label, testId }: { value: number; max: number | null; label: string; testId: string }) {
  const fraction = max ? Math.min(1, Math.max(0, value / max)) : null;
  return (
    <div className="run-bar" data-testid={testId} data-value={value} data-max={max ?? ''}>
      <div className="run-bar-label">{label}</div>
      <div
        className="run-bar-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max ?? undefined}
        aria-valuenow={max ? value : undefined}
      >
        <span className={fraction === null ? 'run-bar-fill indeterminate' : 'run-bar-fill'} style={fraction === null ? undefined : { width: `${(fraction * 100).toFixed(2)}%` }} />
      </div>
    </div>
  );
}

/** State, progress bars and the elapsed time, for any kind of run. */
export function RunProgress({ record, now }: { record: RunRecord; now: number }) {
  return record.mode === 'training' ? <TrainingProgress record={record} now={now} /> : <PredictionProgress record={record} now={now} />;
}

const batchLabel = (progress: RunRecord['progress'], what: string) =>
  progress?.batch !== null && progress?.batch !== undefined
    ? `Batch ${progress.batch} of ${progress.totalBatches ?? '?'}${progress.etaSeconds !== null ? ` · about ${formatDuration(progress.etaSeconds)} left ${what}` : ''}`
    : 'Waiting for the first batch…';

/** A prediction, or an evaluation's two steps: which step, the batch bar while images are predicted, the elapsed time. */
function PredictionProgress({ record, now }: { record: Exclude<RunRecord, TrainingRecord>; now: number }) {
  const progress = record.progress;
  const active = ['preparing', 'running', 'stopping'].includes(record.state);
  const scoring = record.mode === 'evaluation' && record.step === 'evaluation';
  return (
    <div className="run-progress" data-testid="run-progress">
      <p className="lead" data-testid="run-sentence">
        {STATE_SENTENCE[record.mode][record.state]}
      </p>
      {record.mode === 'evaluation' && active && (
        <p data-testid="run-step" data-step={record.step}>
          <strong>{scoring ? 'Step 2 of 2: scoring' : 'Step 1 of 2: predicting the labelled images'}</strong>
          <span className="muted">{scoring ? ' — comparing the predictions with the labels.' : ' — the scores are computed in step 2.'}</span>
        </p>
      )}
      {active && (
        <div className="run-bars">
          {scoring ? (
            <Bar testId="batch-bar" value={0} max={null} label="Computing the scores and plots…" />
          ) : (
            <Bar testId="batch-bar" value={progress?.batch ?? 0} max={progress?.totalBatches ?? null} label={progress?.phase === 'predicting' ? batchLabel(progress, 'for the prediction') : 'Starting up: loading the model and the images.'} />
          )}
        </div>
      )}
      <dl className="facts">
        <dt>Elapsed</dt>
        <dd data-testid="run-elapsed">{formatDuration(elapsedSeconds(record, now))}</dd>
      </dl>
    </div>
  );
}

/** Phase, epoch and batch bars with the time left, and the elapsed time. */
/** A stopped training says what it keeps: by its analysis while it stops, by the output folder's files once it has. */
function trainingSentence(record: TrainingRecord): string {
  const sentence = STATE_SENTENCE.training[record.state];
  if (record.state === 'stopping') return `${sentence} ${stopConsequence(record.options.analysis, record.epochs.length)}`;
  if (record.state === 'cancelled') return `${sentence} ${keptAfterStop(record.options.analysis, record.modelFiles)}`;
  return sentence;
}

function TrainingProgress({ record, now }: { record: TrainingRecord; now: number }) {
  const progress = record.progress;
  const active = ['preparing', 'running', 'stopping'].includes(record.state);
  const elapsed = elapsedSeconds(record, now);
  const epochsOfModel = record.epochs.filter((e) => e.model === (progress?.model ?? 0));
  const doneEpochs = epochsOfModel.length;
  // What AUCMEDI really trains (at least 10 epochs), not only the number asked for.
  const totalEpochs = progress?.totalEpochs ?? trainedEpochs(record.options.epochs);
  const timed = epochsOfModel.filter((e) => e.seconds !== null);
  const perEpoch = timed.length ? timed.reduce((sum, e) => sum + e.seconds!, 0) / timed.length : doneEpochs ? elapsed / doneEpochs : null;
  const models = record.options.analysis === 'advanced' ? record.options.architectures.length : 1;
  // The advanced analysis trains the models one after the other: the ones still to come count too.
  const remainingEpochs = Math.max(0, totalEpochs - doneEpochs) + Math.max(0, models - 1 - (progress?.model ?? 0)) * totalEpochs;
  const runEta = perEpoch !== null && active && progress?.phase !== 'predicting' ? perEpoch * remainingEpochs : null;
  const fewer = fewerEpochsNote(record.options.epochs);

  return (
    <div className="run-progress" data-testid="run-progress">
      <p className="lead" data-testid="run-sentence">
        {trainingSentence(record)}
      </p>
      {progress && active && <p data-testid="run-phase">{PHASE_SENTENCE[progress.phase]}</p>}
      {progress?.earlyStopped && (
        <p className="muted">
          AUCMEDI stopped training early at epoch {progress.stoppedEpoch}: the validation loss had not improved for a while, so more epochs would not have helped.
        </p>
      )}
      {(active || record.epochs.length > 0) && (
        <div className="run-bars">
          <Bar
            testId="epoch-bar"
            value={progress?.epoch ?? 0}
            max={totalEpochs}
            label={`Epoch ${progress?.epoch ?? 0} of ${totalEpochs}${models > 1 ? ` · model ${(progress?.model ?? 0) + 1} of ${models}` : ''}`}
          />
          {fewer && (
            <p className="muted small" data-testid="run-epochs-note">
              {fewer}
            </p>
          )}
          {active && (
            <Bar
              testId="batch-bar"
              value={progress?.batch ?? 0}
              max={progress?.totalBatches ?? null}
              label={batchLabel(progress, 'in this epoch')}
            />
          )}
        </div>
      )}
      <dl className="facts">
        <dt>Elapsed</dt>
        <dd data-testid="run-elapsed">{formatDuration(elapsed)}</dd>
        {runEta !== null && (
          <>
            <dt>Time left</dt>
            <dd data-testid="run-eta">
              at most about {formatDuration(runEta)} for the remaining {remainingEpochs} {remainingEpochs === 1 ? 'epoch' : 'epochs'} (often less: AUCMEDI stops early when the model stops improving)
            </dd>
          </>
        )}
        {perEpoch !== null && (
          <>
            <dt>Per epoch</dt>
            <dd>{formatDuration(perEpoch)}</dd>
          </>
        )}
      </dl>
    </div>
  );
}
