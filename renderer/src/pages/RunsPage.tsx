import { Fragment, useEffect, useState } from 'react';
import { epochsMessage, trainedEpochs } from '../../../src/api/epochs';
import type { ModelChoice, QueueEntry, RecordedGpus, RunSummary } from '../../../src/api/runs';
import { CompareChart } from '../components/CompareChart';
import { ModelLink } from '../components/ModelLink';
import { OpenFolderButton } from '../components/OpenFolderButton';
import { Problem } from '../components/Problem';
import { STATE_BADGE } from '../components/RunProgress';
import { useErrorText, useFormat, useMessage, useT, useValue } from '../i18n';
import { useAppStore } from '../store';
import { COMPARE_LIMIT } from '../store/runs';
import { engineOf, placementText } from '../components/RunPlacement';

const comparable = (run: RunSummary) => run.mode === 'training' && run.state !== 'preparing';
const folderName = (dir: string) => dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
const inputOf = (run: RunSummary) => (run.mode === 'prediction' ? run.images.path : run.dataset.path);

/** What a run came to: the best val_loss and epochs of a training, the images a prediction or evaluation went through. */
function Outcome({ run }: { run: RunSummary }) {
  const t = useT();
  const formatValue = useValue();
  const format = useFormat();
  if (run.mode === 'training') {
    return (
      <>
        <td>{formatValue(run.bestValLoss)}</td>
        <td>{run.lastEpoch ? t('runsPage:list.epochOf', { epoch: run.lastEpoch.epoch, total: trainedEpochs(run.options.epochs) }) : '–'}</td>
      </>
    );
  }
  const n = run.results ? format.number(run.results.samples) : '';
  const text = !run.results
    ? '–'
    : run.mode === 'prediction'
      ? run.results.heatMaps
        ? t('runsPage:list.classifiedHeatMaps', { n })
        : t('runsPage:list.classified', { n })
      : t('runsPage:list.scored', { n });
  return <td colSpan={2}>{text}</td>;
}

/** The history of all runs, newest first; a row opens its run. */
export function RunsPage() {
  const t = useT();
  const format = useFormat();
  const runs = useAppStore((s) => s.runs);
  const error = useAppStore((s) => s.runsError);
  const deleteError = useAppStore((s) => s.deleteError);
  const folderError = useAppStore((s) => s.folderError);
  const setAside = useAppStore((s) => s.setAsideRecords);
  const compareIds = useAppStore((s) => s.compareIds);
  const queue = useAppStore((s) => s.queue);
  const { loadRuns, loadQueue, showRun, goTo, toggleCompare } = useAppStore.getState();
  const canCompare = (runs?.filter(comparable).length ?? 0) >= 2;

  useEffect(() => {
    void loadRuns();
    void loadQueue();
    return () => useAppStore.setState({ folderError: null, queueError: null });
  }, [loadRuns, loadQueue]);

  return (
    <>
      <header className="page-header">
        <h1>{t('runsPage:list.heading')}</h1>
        <p className="muted">{t('runsPage:list.intro')}</p>
      </header>
      {error && <Problem error={error} testId="runs-error" />}
      {deleteError && <Problem error={deleteError} testId="runs-delete-error" />}
      {folderError && <Problem error={folderError.error} testId="runs-folder-error" />}
      {setAside.length > 0 && (
        <div data-testid="runs-set-aside">
          <Problem
            tone="warning"
            error={{
              message: t('runsPage:list.setAside', { count: setAside.length }),
              action: t('runsPage:list.setAsideAction'),
              detail: setAside.map((record) => `${record.reason} Kept as ${record.file}`).join('\n'),
            }}
          />
          <button type="button" onClick={() => useAppStore.getState().dismissSetAside()}>
            {t('runsPage:list.dismiss')}
          </button>
        </div>
      )}
      {queue && queue.length > 0 && <Queue queue={queue} />}
      {canCompare && <Compare />}
      <section className="card">
        {runs === null ? (
          <p className="muted">{t('runsPage:list.loading')}</p>
        ) : runs.length === 0 ? (
          <>
            <p className="lead">{t('runsPage:list.nothingYet')}</p>
            <div className="actions">
              <button type="button" onClick={() => goTo('train')}>
                {t('runsPage:list.goToTrain')}
              </button>
            </div>
          </>
        ) : (
          <table className="table runs-table" data-testid="runs-table">
            <thead>
              <tr>
                {canCompare && <th>{t('runsPage:list.compare')}</th>}
                <th>{t('runsPage:list.state')}</th>
                <th>{t('runsPage:list.mode')}</th>
                <th>{t('runsPage:list.input')}</th>
                <th>{t('runsPage:list.model')}</th>
                <th>{t('runsPage:list.bestValLoss')}</th>
                <th>{t('runsPage:list.lastEpoch')}</th>
                <th>{t('runsPage:list.started')}</th>
                <th aria-label={t('runsPage:list.actions')} />
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const input = inputOf(run);
                const architectures = (run.mode === 'training' ? run.options.architectures : run.model.architectures).join(' + ');
                return (
                  <tr key={run.id} className="clickable" onClick={() => showRun(run.id)} data-testid="runs-row" data-run-id={run.id} data-mode={run.mode}>
                    {canCompare && (
                      <td onClick={(event) => event.stopPropagation()}>
                        {comparable(run) && (
                          <input
                            type="checkbox"
                            className="compare-tick"
                            checked={compareIds.includes(run.id)}
                            disabled={!compareIds.includes(run.id) && compareIds.length >= COMPARE_LIMIT}
                            onChange={() => toggleCompare(run.id)}
                            aria-label={t('runsPage:list.compareTick', { architectures, when: format.dateTime(run.createdAt) })}
                            data-testid="runs-compare-tick"
                          />
                        )}
                      </td>
                    )}
                    <td>
                      <span className={`badge ${STATE_BADGE[run.state]}`}>{t(`runsPage:state.${run.state}`)}</span>
                      {engineOf(run.placement) && (
                        <span className="tag" data-testid="runs-engine" title={placementText(t, run.placement)}>
                          {t('placement:list.on', { name: engineOf(run.placement) })}
                        </span>
                      )}
                    </td>
                    <td data-testid="runs-mode">{t(`runsPage:mode.${run.mode}`)}</td>
                    <td className="input-cell" title={input}>
                      {folderName(input)}
                    </td>
                    <td className="model-cell">
                      {/* The row is clickable; this button makes it reachable with the keyboard. */}
                      <button type="button" className="link" onClick={(event) => { event.stopPropagation(); showRun(run.id); }} data-testid="runs-open">
                        {architectures}
                      </button>
                      {run.mode === 'training' ? (
                        <span className="muted small"> · {run.options.analysis}</span>
                      ) : (
                        <span className="muted small model-of">
                          <ModelLink model={run.model} />
                        </span>
                      )}
                    </td>
                    <Outcome run={run} />
                    <td>{format.dateTime(run.createdAt)}</td>
                    <td onClick={(event) => event.stopPropagation()}>
                      <span className="row-actions">
                        <OpenFolderButton runId={run.id} label={t('runsPage:list.openFolder')} showError={false} />
                        <DeleteRun run={run} />
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

const gpuText = (t: ReturnType<typeof useT>, gpus: RecordedGpus) =>
  gpus.kind === 'none' ? 'CPU' : gpus.kind === 'all' ? t('runsPage:gpus.allCapital') : t('runsPage:gpus.ids', { ids: gpus.ids.join(', ') });

/** The model a queued prediction or evaluation applies, named as the history names it. */
function QueuedModel({ model, runs }: { model: ModelChoice; runs: RunSummary[] | null }) {
  const t = useT();
  const format = useFormat();
  if ('dir' in model) {
    return (
      <span title={model.dir}>
        {t('runsPage:modelLink.folder')} <code>{folderName(model.dir)}</code>
      </span>
    );
  }
  const training = runs?.find((run) => run.id === model.runId);
  const architectures = training?.mode === 'training' ? training.options.architectures.join(' + ') : null;
  return (
    <span>
      {architectures ? t('runsPage:queue.modelOfTraining', { architectures, when: format.dateTime(training!.createdAt) }) : t('runsPage:queue.modelOfRun', { runId: model.runId })}
    </span>
  );
}

/** What a queued run is, in the words of the history: architecture and dataset, or model and images. */
function QueuedWhat({ entry, runs }: { entry: QueueEntry; runs: RunSummary[] | null }) {
  const t = useT();
  const render = useMessage();
  const { item } = entry;
  if (item.mode === 'training') {
    const { options, dataset } = item.request;
    return (
      <span>
        <strong>{options.architectures.join(' + ')}</strong>{' '}
        <span className="muted small">{t('runsPage:queue.trainingFacts', { analysis: options.analysis, epochs: render(epochsMessage(options.epochs)), batch: options.batchSize })}</span>
        <br />
        <span className="muted small" title={dataset.path}>
          {t('runsPage:queue.on', { folder: folderName(dataset.path) })}
        </span>
      </span>
    );
  }
  const input = item.mode === 'prediction' ? item.request.images : item.request.dataset.path;
  return (
    <span>
      <QueuedModel model={item.request.model} runs={runs} />
      <br />
      <span className="muted small" title={input}>
        {item.mode === 'prediction' ? t('runsPage:queue.classifies', { folder: folderName(input) }) : t('runsPage:queue.scoredOn', { folder: folderName(input) })}
      </span>
    </span>
  );
}

/** The runs waiting their turn, next first; the core starts each when the processor it needs is free. */
function Queue({ queue }: { queue: QueueEntry[] }) {
  const t = useT();
  const format = useFormat();
  const errorText = useErrorText();
  const runs = useAppStore((s) => s.runs);
  const error = useAppStore((s) => s.queueError);
  const { moveQueued, removeQueued } = useAppStore.getState();
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby="queue-heading" data-testid="queue-card">
      <header className="card-header">
        <h2 id="queue-heading">{t('runsPage:queue.heading')}</h2>
        <span className="badge" data-testid="queue-count">
          {t('runsPage:queue.waiting', { count: queue.length })}
        </span>
      </header>
      <p className="muted small">{t('runsPage:queue.explanation')}</p>
      {error && <Problem error={error} testId="queue-error" />}
      <table className="table queue-table" data-testid="queue-table">
        <thead>
          <tr>
            <th>#</th>
            <th>{t('runsPage:queue.mode')}</th>
            <th>{t('runsPage:queue.what')}</th>
            <th>{t('runsPage:queue.processor')}</th>
            <th>{t('runsPage:queue.added')}</th>
            <th aria-label={t('runsPage:queue.actions')} />
          </tr>
        </thead>
        <tbody>
          {queue.map((entry, index) => (
            <Fragment key={entry.id}>
              <tr data-testid="queue-row" data-id={entry.id} data-position={entry.position} data-mode={entry.item.mode} className={entry.error ? 'queue-refused' : undefined}>
                <td data-testid="queue-position">{entry.position}</td>
                <td data-testid="queue-mode">{t(`runsPage:mode.${entry.item.mode}`)}</td>
                <td data-testid="queue-what">
                  <QueuedWhat entry={entry} runs={runs} />
                </td>
                <td data-testid="queue-gpus">
                  {gpuText(t, entry.item.request.gpus)}
                  {entry.item.request.engine && entry.item.request.engine !== 'local' && (
                    <span className="tag" data-testid="queue-engine">
                      {t('placement:list.on', { name: entry.item.request.engine })}
                    </span>
                  )}
                </td>
                <td>{format.dateTime(entry.addedAt)}</td>
                <td>
                  {confirmRemove === entry.id ? (
                    <span className="row-actions">
                      <span>{t('runsPage:queue.removeQuestion')}</span>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => {
                          setConfirmRemove(null);
                          void removeQueued(entry.id);
                        }}
                        data-testid="queue-remove-confirm"
                      >
                        {t('runsPage:queue.remove')}
                      </button>
                      <button type="button" className="secondary" onClick={() => setConfirmRemove(null)} data-testid="queue-remove-keep">
                        {t('runsPage:queue.keep')}
                      </button>
                    </span>
                  ) : (
                    <span className="row-actions">
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => void moveQueued(entry.id, entry.position - 1)}
                        disabled={index === 0}
                        aria-label={t('runsPage:queue.moveUpLabel', { mode: t(`runsPage:modeLower.${entry.item.mode}`), position: entry.position })}
                        data-testid="queue-up"
                      >
                        {t('runsPage:queue.moveUp')}
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => void moveQueued(entry.id, entry.position + 1)}
                        disabled={index === queue.length - 1}
                        aria-label={t('runsPage:queue.moveDownLabel', { mode: t(`runsPage:modeLower.${entry.item.mode}`), position: entry.position })}
                        data-testid="queue-down"
                      >
                        {t('runsPage:queue.moveDown')}
                      </button>
                      <button type="button" className="secondary" onClick={() => setConfirmRemove(entry.id)} data-testid="queue-remove">
                        {t('runsPage:queue.removeAsk')}
                      </button>
                    </span>
                  )}
                </td>
              </tr>
              {entry.error && (
                <tr className="queue-refused" data-testid="queue-refusal" data-id={entry.id}>
                  <td />
                  <td colSpan={5}>
                    <Problem
                      error={{
                        message: t('runsPage:queue.refused', { message: errorText(entry.error).message }),
                        action: t('runsPage:queue.refusedAction', { action: errorText(entry.error).action }),
                        ...(entry.error.detail ? { detail: entry.error.detail } : {}),
                      }}
                    />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Tick two to four runs, then their curves share one chart. */
function Compare() {
  const t = useT();
  const compareIds = useAppStore((s) => s.compareIds);
  const comparison = useAppStore((s) => s.comparison);
  const error = useAppStore((s) => s.comparisonError);
  const { loadComparison, closeComparison } = useAppStore.getState();
  return (
    <section className="card" aria-labelledby="compare-heading" data-testid="runs-compare-card">
      <header className="card-header">
        <h2 id="compare-heading">{t('runsPage:compare.heading')}</h2>
        <div className="row-actions">
          <button type="button" onClick={() => void loadComparison()} disabled={compareIds.length < 2} data-testid="runs-compare">
            {comparison ? t('runsPage:compare.again') : compareIds.length >= 2 ? t('runsPage:compare.runs', { n: compareIds.length }) : t('runsPage:compare.compare')}
          </button>
          {comparison && (
            <button type="button" className="secondary" onClick={closeComparison} data-testid="runs-compare-close">
              {t('runsPage:compare.close')}
            </button>
          )}
        </div>
      </header>
      <p className="muted small">{t('runsPage:compare.hint', { limit: COMPARE_LIMIT })}</p>
      {error && <Problem error={error} testId="runs-compare-error" />}
      {comparison && <CompareChart runs={comparison} />}
    </section>
  );
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** Delete asks once for the record, and a second, separate time before the run's files go too. */
function DeleteRun({ run }: { run: RunSummary }) {
  const t = useT();
  const deleteRun = useAppStore((s) => s.deleteRun);
  const [step, setStep] = useState<'idle' | 'record' | 'files'>('idle');
  if (!ENDED.has(run.state)) return null;
  if (step === 'idle') {
    return (
      <button type="button" className="secondary" onClick={() => setStep('record')} data-testid="run-delete">
        {t('runsPage:delete.ask')}
      </button>
    );
  }
  if (step === 'record') {
    return (
      <span className="row-actions">
        <span>{t('runsPage:delete.recordQuestion')}</span>
        <button type="button" className="danger" onClick={() => void deleteRun(run.id, false)} data-testid="run-delete-record">
          {t('runsPage:delete.record')}
        </button>
        <button type="button" className="secondary" onClick={() => setStep('files')} data-testid="run-delete-files-step">
          {t('runsPage:delete.filesStep')}
        </button>
        <button type="button" className="secondary" onClick={() => setStep('idle')}>
          {t('runsPage:delete.keep')}
        </button>
      </span>
    );
  }
  return (
    <span className="row-actions">
      <span>
        {t('runsPage:delete.folderBefore')} <code>{run.outputDir}</code> {run.mode === 'training' ? t('runsPage:delete.folderAfterModels') : t('runsPage:delete.folderAfterResults')}
      </span>
      <button type="button" className="danger" onClick={() => void deleteRun(run.id, true)} data-testid="run-delete-files">
        {t('runsPage:delete.recordAndFiles')}
      </button>
      <button type="button" className="secondary" onClick={() => setStep('idle')}>
        {t('runsPage:delete.keep')}
      </button>
    </span>
  );
}
