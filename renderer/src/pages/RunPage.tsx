import { useEffect, useMemo, useRef, useState } from 'react';
import { epochsMessage } from '../../../src/api/epochs';
import type { RecordedGpus, RunRecord } from '../../../src/api/runs';
import { stopConsequenceMessage } from '../../../src/api/stopped-training';
import { EvaluationResultsView } from '../components/EvaluationResults';
import { GpuPanel } from '../components/GpuPanel';
import { LogPanel } from '../components/LogPanel';
import { ModelLink } from '../components/ModelLink';
import { OpenFolderButton } from '../components/OpenFolderButton';
import { PredictionResults } from '../components/PredictionResults';
import { Problem } from '../components/Problem';
import { RunProgress, STATE_BADGE } from '../components/RunProgress';
import { ConnectionLost, PlacementFacts, StagingProgressBar } from '../components/RunPlacement';
import { useFormat, useMessage, useT } from '../i18n';
import { useAppStore } from '../store';
import { isActive, resolveRedraws } from '../store/runs';
import { LearningCurves, TrainingResults } from './TrainingRun';

type T = ReturnType<typeof useT>;

/** The processor a run used; "all GPUs" only in records of older versions (a run now gets one GPU). */
export const gpuText = (t: T, gpus: RecordedGpus) => (gpus.kind === 'none' ? 'CPU' : gpus.kind === 'all' ? t('runsPage:gpus.all') : t('runsPage:gpus.ids', { ids: gpus.ids.join(', ') }));

/** The stop dialog's texts by mode (a training's consequence also depends on its analysis: stopConsequenceMessage). */
const stopText = (t: T, mode: RunRecord['mode']) => ({
  question: t(`runsPage:stop.${mode}.question`),
  consequence: t(`runsPage:stop.${mode}.consequence`),
  yes: t(`runsPage:stop.${mode}.yes`),
  no: t(`runsPage:stop.${mode}.no`),
});

function StopControl({ record }: { record: RunRecord }) {
  const t = useT();
  const render = useMessage();
  const [confirming, setConfirming] = useState(false);
  const stopRun = useAppStore((s) => s.stopRun);
  const stopError = useAppStore((s) => s.stopError);
  if (record.state === 'stopping') return <p className="muted">{t('runsPage:stop.stopping')}</p>;
  if (!['preparing', 'running'].includes(record.state)) return null;
  const text = stopText(t, record.mode);
  const consequence =
    record.mode === 'training' ? t('runsPage:stop.trainingConsequence', { consequence: text.consequence, kept: render(stopConsequenceMessage(record.options.analysis, record.epochs.length)) }) : text.consequence;
  return (
    <div className="stop-control">
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-labelledby="stop-question" data-testid="stop-confirm">
          <p id="stop-question">
            <strong>{text.question}</strong> <span data-testid="stop-consequence">{consequence}</span>
          </p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              autoFocus
              onClick={() => {
                setConfirming(false);
                void stopRun(record.id);
              }}
              data-testid="stop-yes"
            >
              {text.yes}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)} data-testid="stop-no">
              {text.no}
            </button>
          </div>
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="danger" onClick={() => setConfirming(true)} data-testid="run-stop">
            {t('runsPage:stop.button')}
          </button>
        </div>
      )}
      {stopError && <Problem error={stopError} testId="stop-error" />}
    </div>
  );
}

function Processor({ record }: { record: RunRecord }) {
  const t = useT();
  const gpuReport = useAppStore((s) => s.gpuReport);
  const names = useMemo(() => new Map((gpuReport?.gpus ?? []).map((gpu) => [gpu.index, gpu.name])), [gpuReport]);
  return (
    <section className="card" aria-labelledby="run-processor-heading" data-testid="run-processor">
      <h2 id="run-processor-heading">{t('runsPage:processor.heading')}</h2>
      {record.gpus.kind === 'none' ? (
        <p data-testid="run-cpu">{t('runsPage:processor.cpu')}</p>
      ) : (
        <GpuPanel runId={record.id} names={names} />
      )}
    </section>
  );
}

function Title({ record }: { record: RunRecord | null }) {
  const t = useT();
  if (!record) return <h1>{t('runsPage:title.run')}</h1>;
  if (record.mode === 'training') return <h1>{t('runsPage:title.training', { architectures: record.options.architectures.join(' + ') })}</h1>;
  const architectures = record.model.architectures.join(' + ');
  return <h1>{record.mode === 'prediction' ? t('runsPage:title.prediction', { architectures }) : t('runsPage:title.evaluation', { architectures })}</h1>;
}

function Subtitle({ record }: { record: RunRecord }) {
  const t = useT();
  const render = useMessage();
  const format = useFormat();
  const started = t('runsPage:subtitle.started', { when: format.dateTime(record.createdAt) });
  const batchSize = t('runsPage:subtitle.batchSize', { n: record.options.batchSize });
  if (record.mode === 'training') {
    const facts = [
      started,
      t('runsPage:subtitle.analysis', { analysis: record.options.analysis }),
      t('runsPage:subtitle.atMost', { epochs: render(epochsMessage(record.options.epochs)) }),
      batchSize,
      gpuText(t, record.gpus),
    ];
    return <p className="muted">{facts.join(' · ')}</p>;
  }
  const input = record.mode === 'prediction' ? record.images.path : record.dataset.path;
  return (
    <p className="muted" data-testid="run-subtitle">
      {started} · <ModelLink model={record.model} /> · {record.mode === 'prediction' ? t('runsPage:subtitle.images') : t('runsPage:subtitle.labelledSet')} <code>{input}</code> · {batchSize} · {gpuText(t, record.gpus)}
      {record.mode === 'prediction' && ` · ${record.options.xaiMethod ? t('runsPage:subtitle.heatMaps', { method: record.options.xaiMethod }) : t('runsPage:subtitle.noHeatMaps')}`}
    </p>
  );
}

/** The files of the run's console log, in words. */
const logHint = (t: T, record: RunRecord) => (record.mode === 'evaluation' ? t('runsPage:runLog.hintEvaluation') : t('runsPage:runLog.hint'));

function Details({ record }: { record: RunRecord }) {
  const t = useT();
  const format = useFormat();
  return (
    <section className="card" aria-labelledby="run-details-heading">
      <details>
        <summary>
          <h2 id="run-details-heading" className="inline-heading">
            {t('runsPage:details.heading')}
          </h2>
        </summary>
        <dl className="facts">
          <dt>{t('runsPage:details.run')}</dt>
          <dd>
            <code>{record.id}</code>
          </dd>
          {record.mode === 'prediction' ? (
            <>
              <dt>{t('runsPage:details.images')}</dt>
              <dd>
                <code>{record.images.path}</code> {t('runsPage:details.imageCount', { n: format.number(record.images.totalImages) })}
              </dd>
            </>
          ) : (
            <>
              <dt>{record.mode === 'training' ? t('runsPage:details.dataset') : t('runsPage:details.labelledSet')}</dt>
              <dd>
                <code>{record.dataset.path}</code>
                {record.dataset.gtFile && (
                  <>
                    {' '}
                    + <code>{record.dataset.gtFile}</code>
                  </>
                )}
              </dd>
            </>
          )}
          {record.mode !== 'training' && (
            <>
              <dt>{t('runsPage:details.modelFolder')}</dt>
              <dd>
                <code>{record.model.dir}</code>
                {record.model.runId && (
                  <>
                    {' '}
                    ({t('runsPage:details.trainingRun')} <code>{record.model.runId}</code>)
                  </>
                )}
                <div className="muted small">
                  {t('runsPage:details.modelFacts', { analysis: record.model.analysis ?? t('runsPage:details.unknown'), classes: record.model.classNames.join(', ') })}
                </div>
              </dd>
            </>
          )}
          <PlacementFacts record={record} />
          <dt>{t('runsPage:details.image')}</dt>
          <dd>
            <code>{record.imageRef}</code>
          </dd>
          {record.mode === 'evaluation' && (
            <>
              <dt>{t('runsPage:details.commandStep', { step: 1 })}</dt>
              <dd>
                <code>{['aucmedi', ...record.predictionCommand].join(' ')}</code>
              </dd>
            </>
          )}
          <dt>{record.mode === 'evaluation' ? t('runsPage:details.commandStep', { step: record.step === 'evaluation' ? 2 : 1 }) : t('runsPage:details.command')}</dt>
          <dd>
            <code>{['aucmedi', ...record.command].join(' ')}</code>
          </dd>
          <dt>{t('runsPage:details.outputFolder')}</dt>
          <dd>
            <code>{record.outputDir}</code>
          </dd>
        </dl>
      </details>
    </section>
  );
}

export function RunPage() {
  const t = useT();
  const runId = useAppStore((s) => s.openRunId);
  const record = useAppStore((s) => (s.openRun && s.openRun.id === s.openRunId ? s.openRun : null));
  const error = useAppStore((s) => s.openRunError);
  const log = useAppStore((s) => (s.runLog && s.runLog.runId === s.openRunId ? s.runLog : null));
  const { loadRun, pollLog, goTo, saveRunLog } = useAppStore.getState();
  const [now, setNow] = useState(() => Date.now());
  const [showLog, setShowLog] = useState<boolean | null>(null);
  const logRef = useRef<HTMLElement | null>(null);
  const active = record ? isActive(record.state) : false;

  useEffect(() => {
    setShowLog(null);
    if (runId) void loadRun(runId);
    return () => useAppStore.setState({ folderError: null });
  }, [runId, loadRun]);

  // The clock and the log: every second while the run is active, once more when it has ended.
  useEffect(() => {
    if (!record) return;
    let cancelled = false;
    if (!active) {
      // An ended run: read to the end of its log (a few reads at most; long logs only their last part).
      void (async () => {
        for (let i = 0; i < 20 && !cancelled && (await pollLog()); i += 1);
      })();
      return () => {
        cancelled = true;
      };
    }
    void pollLog();
    const timer = setInterval(() => {
      setNow(Date.now());
      void pollLog();
    }, 1000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [record?.id, active, pollLog]);

  if (!runId) {
    return (
      <section className="card">
        <p>{t('runsPage:run.noneChosen')}</p>
        <button type="button" onClick={() => goTo('runs')}>
          {t('runsPage:run.goToRuns')}
        </button>
      </section>
    );
  }

  const logOpen = showLog ?? (active || record?.state === 'failed');
  const partial = log?.partial ? resolveRedraws(log.partial) : '';

  return (
    <>
      <header className="page-header">
        <button type="button" className="link back-link" onClick={() => goTo('runs')} data-testid="run-back">
          {t('runsPage:run.back')}
        </button>
        <Title record={record} />
        {record && <Subtitle record={record} />}
      </header>
      {error && <Problem error={error} testId="run-error-load" />}
      {!record && !error && <p className="muted">{t('runsPage:run.loading')}</p>}
      {record && (
        <>
          <section className="card" aria-labelledby="run-state-heading" data-testid="run-status">
            <header className="card-header">
              <h2 id="run-state-heading">{t('runsPage:run.status')}</h2>
              <span className={`badge ${STATE_BADGE[record.state]}`} data-testid="run-state" data-state={record.state}>
                {t(`runsPage:state.${record.state}`)}
              </span>
            </header>
            <RunProgress record={record} now={active ? now : Date.now()} />
            {active && <StagingProgressBar record={record} />}
            {active && <ConnectionLost record={record} />}
            {active && (
              <div className="output-line">
                <p className="small">
                  {t('runsPage:run.outputsGoTo')} <code data-testid="run-output-live">{record.outputDir}</code>
                </p>
                <OpenFolderButton runId={record.id} />
              </div>
            )}
            {record.error && record.state !== 'cancelled' && (
              <>
                <Problem error={record.error} testId="run-problem" />
                <div className="actions">
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      setShowLog(true);
                      setTimeout(() => logRef.current?.scrollIntoView({ behavior: 'smooth' }), 0);
                    }}
                    data-testid="run-show-log"
                  >
                    {t('runsPage:run.showFullLog')}
                  </button>
                </div>
              </>
            )}
            <StopControl record={record} />
          </section>

          {active && <Processor record={record} />}

          {record.mode === 'training' && (record.epochs.length > 0 || active) && <LearningCurves record={record} />}
          {record.mode === 'training' && !active && <TrainingResults record={record} />}
          {record.mode === 'prediction' && record.state === 'succeeded' && <PredictionResults record={record} />}
          {record.mode === 'evaluation' && record.state === 'succeeded' && <EvaluationResultsView record={record} />}
          {record.mode !== 'training' && !active && record.state !== 'succeeded' && (
            <section className="card" data-testid="run-results">
              <h2>{t('runsPage:run.outputFolder')}</h2>
              <p>
                <code data-testid="run-output-dir">{record.outputDir}</code>
              </p>
              <OpenFolderButton runId={record.id} />
            </section>
          )}

          <section className="card" aria-labelledby="run-log-heading" ref={logRef}>
            <header className="card-header">
              <h2 id="run-log-heading">
                {t('runsPage:runLog.heading')}
                {record.mode === 'evaluation' && <span className="muted small"> · {record.step === 'evaluation' ? t('runsPage:runLog.stepScoring') : t('runsPage:runLog.stepPredicting')}</span>}
              </h2>
              <button type="button" className="secondary" onClick={() => setShowLog(!logOpen)} aria-expanded={logOpen} data-testid="run-log-toggle">
                {logOpen ? t('runsPage:runLog.hide') : t('runsPage:runLog.show')}
              </button>
            </header>
            {logOpen && log && (
              <LogPanel
                key={`${record.id}:${log.step ?? ''}`}
                lines={log.lines}
                partial={partial}
                dropped={log.dropped}
                skipped={log.skippedBytes > 0}
                fullLogHint={t('runsPage:runLog.fullLogHint', { file: record.mode === 'evaluation' && log.step === 'prediction' ? 'prediction.log' : 'run.log', dir: record.outputDir })}
                onSave={() => saveRunLog(record.id)}
              />
            )}
            {!logOpen && <p className="muted small">{logHint(t, record)}</p>}
          </section>

          <Details record={record} />
        </>
      )}
    </>
  );
}
