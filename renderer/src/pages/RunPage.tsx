import { useEffect, useMemo, useRef, useState } from 'react';
import { epochsText } from '../../../src/api/epochs';
import type { RecordedGpus, RunRecord } from '../../../src/api/runs';
import { stopConsequence } from '../../../src/api/stopped-training';
import { EvaluationResultsView } from '../components/EvaluationResults';
import { GpuPanel } from '../components/GpuPanel';
import { LogPanel } from '../components/LogPanel';
import { ModelLink } from '../components/ModelLink';
import { OpenFolderButton } from '../components/OpenFolderButton';
import { PredictionResults } from '../components/PredictionResults';
import { Problem } from '../components/Problem';
import { RunProgress, STATE_BADGE, STATE_LABEL } from '../components/RunProgress';
import { useAppStore } from '../store';
import { isActive, resolveRedraws } from '../store/runs';
import { LearningCurves, TrainingResults } from './TrainingRun';

/** The processor a run used; "all GPUs" only in records of older versions (a run now gets one GPU). */
export const gpuText = (gpus: RecordedGpus) => (gpus.kind === 'none' ? 'CPU' : gpus.kind === 'all' ? 'all GPUs' : `GPU ${gpus.ids.join(', ')}`);

const STOP_TEXT: Record<RunRecord['mode'], { question: string; consequence: string; yes: string; no: string }> = {
  // a training's consequence depends on its analysis: stopConsequence
  training: { question: 'Stop this training now?', consequence: 'It cannot be resumed.', yes: 'Stop the training', no: 'Keep training' },
  prediction: { question: 'Stop this prediction now?', consequence: 'It cannot be resumed, and there will be no results: AUCMEDI writes its table only at the end.', yes: 'Stop the prediction', no: 'Keep predicting' },
  evaluation: { question: 'Stop this evaluation now?', consequence: 'It cannot be resumed, and there will be no scores.', yes: 'Stop the evaluation', no: 'Keep evaluating' },
};

function StopControl({ record }: { record: RunRecord }) {
  const [confirming, setConfirming] = useState(false);
  const stopRun = useAppStore((s) => s.stopRun);
  const stopError = useAppStore((s) => s.stopError);
  if (record.state === 'stopping') return <p className="muted">Stopping… AUCMEDI gets a few seconds to finish writing its files; then its container is ended.</p>;
  if (!['preparing', 'running'].includes(record.state)) return null;
  const text = STOP_TEXT[record.mode];
  const consequence = record.mode === 'training' ? `${text.consequence} ${stopConsequence(record.options.analysis, record.epochs.length)}` : text.consequence;
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
            Stop…
          </button>
        </div>
      )}
      {stopError && <Problem error={stopError} testId="stop-error" />}
    </div>
  );
}

function Processor({ record }: { record: RunRecord }) {
  const gpuReport = useAppStore((s) => s.gpuReport);
  const names = useMemo(() => new Map((gpuReport?.gpus ?? []).map((gpu) => [gpu.index, gpu.name])), [gpuReport]);
  return (
    <section className="card" aria-labelledby="run-processor-heading" data-testid="run-processor">
      <h2 id="run-processor-heading">Processor</h2>
      {record.gpus.kind === 'none' ? (
        <p data-testid="run-cpu">Running on the CPU. No GPU was chosen for this run, so it takes longer.</p>
      ) : (
        <GpuPanel runId={record.id} names={names} />
      )}
    </section>
  );
}

function Title({ record }: { record: RunRecord | null }) {
  if (!record) return <h1>Run</h1>;
  if (record.mode === 'training') return <h1>Training run: {record.options.architectures.join(' + ')}</h1>;
  return (
    <h1>
      {record.mode === 'prediction' ? 'Prediction' : 'Evaluation'}: {record.model.architectures.join(' + ')} model
    </h1>
  );
}

function Subtitle({ record }: { record: RunRecord }) {
  const started = `Started ${new Date(record.createdAt).toLocaleString()}`;
  if (record.mode === 'training') {
    return (
      <p className="muted">
        {started} · {record.options.analysis} analysis · {epochsText(record.options.epochs)} at most · batch size {record.options.batchSize} · {gpuText(record.gpus)}
      </p>
    );
  }
  const input = record.mode === 'prediction' ? record.images.path : record.dataset.path;
  return (
    <p className="muted" data-testid="run-subtitle">
      {started} · <ModelLink model={record.model} /> · {record.mode === 'prediction' ? 'images' : 'labelled set'} <code>{input}</code> · batch size {record.options.batchSize} · {gpuText(record.gpus)}
      {record.mode === 'prediction' && (record.options.xaiMethod ? ` · heat maps: ${record.options.xaiMethod}` : ' · no heat maps')}
    </p>
  );
}

/** The files of the run's console log, in words. */
const logHint = (record: RunRecord) =>
  record.mode === 'evaluation'
    ? 'What AUCMEDI printed, line by line, for the step shown; saved as prediction.log (step 1) and run.log (step 2) in the output folder.'
    : 'What AUCMEDI printed, line by line; saved as run.log in the output folder.';

function Details({ record }: { record: RunRecord }) {
  return (
    <section className="card" aria-labelledby="run-details-heading">
      <details>
        <summary>
          <h2 id="run-details-heading" className="inline-heading">
            Details for the record
          </h2>
        </summary>
        <dl className="facts">
          <dt>Run</dt>
          <dd>
            <code>{record.id}</code>
          </dd>
          {record.mode === 'prediction' ? (
            <>
              <dt>Images</dt>
              <dd>
                <code>{record.images.path}</code> ({record.images.totalImages.toLocaleString()} images)
              </dd>
            </>
          ) : (
            <>
              <dt>{record.mode === 'training' ? 'Dataset' : 'Labelled set'}</dt>
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
              <dt>Model folder</dt>
              <dd>
                <code>{record.model.dir}</code>
                {record.model.runId && (
                  <>
                    {' '}
                    (training run <code>{record.model.runId}</code>)
                  </>
                )}
                <div className="muted small">
                  {record.model.analysis ?? 'unknown'} analysis · classes {record.model.classNames.join(', ')}
                </div>
              </dd>
            </>
          )}
          <dt>Image</dt>
          <dd>
            <code>{record.imageRef}</code>
          </dd>
          {record.mode === 'evaluation' && (
            <>
              <dt>Command, step 1</dt>
              <dd>
                <code>aucmedi {record.predictionCommand.join(' ')}</code>
              </dd>
            </>
          )}
          <dt>{record.mode === 'evaluation' ? `Command, step ${record.step === 'evaluation' ? 2 : 1}` : 'Command'}</dt>
          <dd>
            <code>aucmedi {record.command.join(' ')}</code>
          </dd>
          <dt>Output folder</dt>
          <dd>
            <code>{record.outputDir}</code>
          </dd>
        </dl>
      </details>
    </section>
  );
}

export function RunPage() {
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
        <p>No run is chosen.</p>
        <button type="button" onClick={() => goTo('runs')}>
          Go to the runs
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
          ← All runs
        </button>
        <Title record={record} />
        {record && <Subtitle record={record} />}
      </header>
      {error && <Problem error={error} testId="run-error-load" />}
      {!record && !error && <p className="muted">Loading the run…</p>}
      {record && (
        <>
          <section className="card" aria-labelledby="run-state-heading" data-testid="run-status">
            <header className="card-header">
              <h2 id="run-state-heading">Status</h2>
              <span className={`badge ${STATE_BADGE[record.state]}`} data-testid="run-state" data-state={record.state}>
                {STATE_LABEL[record.state]}
              </span>
            </header>
            <RunProgress record={record} now={active ? now : Date.now()} />
            {active && (
              <div className="output-line">
                <p className="small">
                  Outputs go to <code data-testid="run-output-live">{record.outputDir}</code>
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
                    Show the full log
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
              <h2>Output folder</h2>
              <p>
                <code data-testid="run-output-dir">{record.outputDir}</code>
              </p>
              <OpenFolderButton runId={record.id} />
            </section>
          )}

          <section className="card" aria-labelledby="run-log-heading" ref={logRef}>
            <header className="card-header">
              <h2 id="run-log-heading">
                Console log
                {record.mode === 'evaluation' && <span className="muted small"> · step {record.step === 'evaluation' ? '2, scoring' : '1, predicting'}</span>}
              </h2>
              <button type="button" className="secondary" onClick={() => setShowLog(!logOpen)} aria-expanded={logOpen} data-testid="run-log-toggle">
                {logOpen ? 'Hide' : 'Show the log'}
              </button>
            </header>
            {logOpen && log && (
              <LogPanel
                key={`${record.id}:${log.step ?? ''}`}
                lines={log.lines}
                partial={partial}
                dropped={log.dropped}
                skipped={log.skippedBytes > 0}
                fullLogHint={`${record.mode === 'evaluation' && log.step === 'prediction' ? 'prediction.log' : 'run.log'} in ${record.outputDir}`}
                onSave={() => saveRunLog(record.id)}
              />
            )}
            {!logOpen && <p className="muted small">{logHint(record)}</p>}
          </section>

          <Details record={record} />
        </>
      )}
    </>
  );
}
