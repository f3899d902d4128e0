import { fewerEpochsMessage, trainedEpochs } from '../../../src/api/epochs';
import type { RunMode, RunRecord, RunState, TrainingRecord } from '../../../src/api/runs';
import { keptAfterStopMessage, stopConsequenceMessage } from '../../../src/api/stopped-training';
import { useMessage, useT } from '../i18n';

type T = ReturnType<typeof useT>;

/** The English names (CompareChart and tests); the pages show `t(\`runsPage:state.${state}\`)`. */
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

/** The English names; the pages show `t(\`runsPage:mode.${mode}\`)`. */
export const MODE_LABEL: Record<RunMode, string> = { training: 'Training', prediction: 'Prediction', evaluation: 'Evaluation' };

/** What a run of each mode is doing in each state, in the window's language. */
const stateSentence = (t: T, mode: RunMode, state: RunState) => t(`runsPage:sentence.${mode}.${state}`);

/** What AUCMEDI is doing in a training phase. */
function phaseSentence(t: T, phase: NonNullable<RunRecord['progress']>['phase']): string {
  switch (phase) {
    case 'starting':
      return t('runsPage:phase.starting');
    case 'frozen':
      return t('runsPage:phase.frozen');
    case 'fine-tuning':
      return t('runsPage:phase.fineTuning');
    case 'predicting':
      return t('runsPage:phase.predicting');
    default:
      return t('runsPage:phase.finished');
  }
}

/** 75 s -> "1 min 15 s"; 4000 s -> "1 h 6 min" (English; the window uses useRunDuration). */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `${h} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(h / 24)} days ${h % 24} h`;
}

/** formatDuration in the window's language. */
export function useRunDuration(): (seconds: number | null | undefined) => string {
  const t = useT();
  return (seconds) => {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
    const s = Math.round(seconds);
    if (s < 60) return t('runsPage:duration.seconds', { s });
    if (s < 3600) return t('runsPage:duration.minutes', { m: Math.floor(s / 60), s: s % 60 });
    const h = Math.floor(s / 3600);
    if (h < 48) return t('runsPage:duration.hours', { h, m: Math.floor((s % 3600) / 60) });
    return t('runsPage:duration.days', { d: Math.floor(h / 24), h: h % 24 });
  };
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

/** The batch bar's label: "Batch 3 of 40 · about 1 min 5 s left in this epoch". */
function batchLabel(t: T, duration: (seconds: number) => string, progress: RunRecord['progress'], what: 'prediction' | 'epoch'): string {
  if (progress?.batch === null || progress?.batch === undefined) return t('runsPage:progress.waitingBatch');
  const params = { batch: progress.batch, total: progress.totalBatches ?? '?' };
  if (progress.etaSeconds === null) return t('runsPage:progress.batch', params);
  const eta = duration(progress.etaSeconds);
  return what === 'prediction' ? t('runsPage:progress.batchEtaPrediction', { ...params, eta }) : t('runsPage:progress.batchEtaEpoch', { ...params, eta });
}

/** A prediction, or an evaluation's two steps: which step, the batch bar while images are predicted, the elapsed time. */
function PredictionProgress({ record, now }: { record: Exclude<RunRecord, TrainingRecord>; now: number }) {
  const t = useT();
  const duration = useRunDuration();
  const progress = record.progress;
  const active = ['preparing', 'running', 'stopping'].includes(record.state);
  const scoring = record.mode === 'evaluation' && record.step === 'evaluation';
  return (
    <div className="run-progress" data-testid="run-progress">
      <p className="lead" data-testid="run-sentence">
        {stateSentence(t, record.mode, record.state)}
      </p>
      {record.mode === 'evaluation' && active && (
        <p data-testid="run-step" data-step={record.step}>
          <strong>{scoring ? t('runsPage:progress.stepScoring') : t('runsPage:progress.stepPredicting')}</strong>
          <span className="muted"> {scoring ? t('runsPage:progress.stepScoringNote') : t('runsPage:progress.stepPredictingNote')}</span>
        </p>
      )}
      {active && (
        <div className="run-bars">
          {scoring ? (
            <Bar testId="batch-bar" value={0} max={null} label={t('runsPage:progress.computingScores')} />
          ) : (
            <Bar testId="batch-bar" value={progress?.batch ?? 0} max={progress?.totalBatches ?? null} label={progress?.phase === 'predicting' ? batchLabel(t, duration, progress, 'prediction') : t('runsPage:progress.startingPrediction')} />
          )}
        </div>
      )}
      <dl className="facts">
        <dt>{t('runsPage:progress.elapsed')}</dt>
        <dd data-testid="run-elapsed">{duration(elapsedSeconds(record, now))}</dd>
      </dl>
    </div>
  );
}

/** Phase, epoch and batch bars with the time left, and the elapsed time. */
/** A stopped training says what it keeps: by its analysis while it stops, by the output folder's files once it has. */
function useTrainingSentence(record: TrainingRecord): string {
  const t = useT();
  const render = useMessage();
  const sentence = stateSentence(t, 'training', record.state);
  if (record.state === 'stopping') return t('runsPage:sentence.withConsequence', { sentence, consequence: render(stopConsequenceMessage(record.options.analysis, record.epochs.length)) });
  if (record.state === 'cancelled') return t('runsPage:sentence.withConsequence', { sentence, consequence: render(keptAfterStopMessage(record.options.analysis, record.modelFiles)) });
  return sentence;
}

function TrainingProgress({ record, now }: { record: TrainingRecord; now: number }) {
  const t = useT();
  const render = useMessage();
  const duration = useRunDuration();
  const sentence = useTrainingSentence(record);
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
  const fewerMessage = fewerEpochsMessage(record.options.epochs);
  const fewer = fewerMessage ? render(fewerMessage) : null;

  return (
    <div className="run-progress" data-testid="run-progress">
      <p className="lead" data-testid="run-sentence">
        {sentence}
      </p>
      {progress && active && <p data-testid="run-phase">{phaseSentence(t, progress.phase)}</p>}
      {progress?.earlyStopped && (
        <p className="muted">{t('runsPage:progress.earlyStopped', { epoch: progress.stoppedEpoch })}</p>
      )}
      {(active || record.epochs.length > 0) && (
        <div className="run-bars">
          <Bar
            testId="epoch-bar"
            value={progress?.epoch ?? 0}
            max={totalEpochs}
            label={
              models > 1
                ? t('runsPage:progress.epochOfModel', { epoch: progress?.epoch ?? 0, total: totalEpochs, model: (progress?.model ?? 0) + 1, models })
                : t('runsPage:progress.epoch', { epoch: progress?.epoch ?? 0, total: totalEpochs })
            }
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
              label={batchLabel(t, duration, progress, 'epoch')}
            />
          )}
        </div>
      )}
      <dl className="facts">
        <dt>{t('runsPage:progress.elapsed')}</dt>
        <dd data-testid="run-elapsed">{duration(elapsed)}</dd>
        {runEta !== null && (
          <>
            <dt>{t('runsPage:progress.timeLeft')}</dt>
            <dd data-testid="run-eta">{t('runsPage:progress.eta', { count: remainingEpochs, duration: duration(runEta) })}</dd>
          </>
        )}
        {perEpoch !== null && (
          <>
            <dt>{t('runsPage:progress.perEpoch')}</dt>
            <dd>{duration(perEpoch)}</dd>
          </>
        )}
      </dl>
    </div>
  );
}
