import { useEffect, useMemo } from 'react';
import { Trans } from 'react-i18next';
import type { Analysis, AucmediCatalog, DatasetReport } from '../../../src/api';
import { FROZEN_EPOCHS } from '../../../src/api/epochs';
import type { GpuChoice, TrainingRequest } from '../../../src/api/runs';
import { ArchitecturePicker } from '../components/ArchitecturePicker';
import { integerField, NumberField, type IntegerProblem } from '../components/NumberField';
import { OutputFolderField } from '../components/OutputFolderField';
import { defaultGpus, ProcessorField } from '../components/ProcessorField';
import { Problem } from '../components/Problem';
import { CatalogPending, StartCard } from '../components/StartCard';
import { EnginePicker } from '../components/EnginePicker';
import { useFormat, useLanguage, useT } from '../i18n';
import { useAppStore } from '../store';
import type { TrainDraft } from '../store/catalog';
import { placed } from '../store/placement';

type T = ReturnType<typeof useT>;
type Format = ReturnType<typeof useFormat>;

const ANALYSES: Analysis[] = ['minimal', 'standard', 'advanced'];
const SIDES = ['width', 'height', 'depth'] as const;
const SIDE_FIELD = { width: 'shapeWidth', height: 'shapeHeight', depth: 'shapeDepth' } as const;

/**
 * What the epochs entered mean for the run: AUCMEDI always trains a first phase of 10 epochs
 * (src/api/epochs.ts; the English sentences are the same as its `fewerEpochsNote`).
 */
function epochsNote(text: string, analysis: Analysis, t: T, format: Format): string | null {
  const requested = Number(text.trim());
  if (!text.trim() || !Number.isInteger(requested) || requested < 1) return null;
  const perModel = analysis === 'advanced';
  const frozen = format.number(FROZEN_EPOCHS);
  if (requested < FROZEN_EPOCHS) return perModel ? t('training:epochsNote.fewerPerModel', { requested, frozen }) : t('training:epochsNote.fewer', { requested, frozen });
  if (requested === FROZEN_EPOCHS) return perModel ? t('training:epochsNote.frozenOnlyPerModel', { frozen }) : t('training:epochsNote.frozenOnly', { frozen });
  const counts = { frozen, more: format.number(requested - FROZEN_EPOCHS), total: format.number(requested) };
  if (analysis === 'minimal') return t('training:epochsNote.fineTune', counts);
  return perModel ? t('training:epochsNote.fineTuneUpToPerModel', counts) : t('training:epochsNote.fineTuneUpTo', counts);
}

function buildRequest(
  draft: TrainDraft,
  catalog: AucmediCatalog,
  report: DatasetReport,
  dataset: TrainingRequest['dataset'],
  gpus: GpuChoice,
  outputDir: string | null,
  t: T,
  format: Format,
): { request: TrainingRequest | null; problems: string[] } {
  const { limits } = catalog;
  const problems: string[] = [];
  const threeDim = report.dimensionality === '3D';
  /** The field's sentence for each problem, with its limits in the window's language. */
  const sentences = (field: 'epochs' | 'batchSize' | 'workers' | 'shapeWidth' | 'shapeHeight' | 'shapeDepth', range: { min: number; max: number }) => (problem: IntegerProblem) =>
    t(`training:problems.${field}.${problem}`, { min: format.number(range.min), max: format.number(range.max) });
  const epochs = integerField(draft.epochs, limits.epochs, sentences('epochs', limits.epochs));
  const batchSize = integerField(draft.batchSize, limits.batchSize, sentences('batchSize', limits.batchSize));
  const workers = integerField(draft.workers, limits.workers, sentences('workers', limits.workers));
  const shape = draft.shape3D.map((side, i) => integerField(side, limits.shape3DSide, sentences(SIDE_FIELD[SIDES[i]!], limits.shape3DSide)));
  for (const field of [epochs, batchSize, workers, ...(threeDim ? shape : [])]) if ('problem' in field) problems.push(field.problem);
  if (draft.architectures.length === 0) problems.push(t('training:problems.chooseArchitecture'));
  else if (draft.analysis === 'advanced' && draft.architectures.length < limits.advancedArchitectures.min) {
    problems.push(t('training:problems.advancedMin', { min: format.number(limits.advancedArchitectures.min) }));
  }
  if (problems.length || 'problem' in epochs || 'problem' in batchSize || 'problem' in workers) return { request: null, problems };
  const options: TrainingRequest['options'] = {
    analysis: draft.analysis,
    architectures: draft.analysis === 'advanced' ? draft.architectures : draft.architectures.slice(0, 1),
    epochs: epochs.value,
    batchSize: batchSize.value,
    workers: workers.value,
    threeDim,
  };
  if (threeDim) options.shape3D = shape.map((s) => ('value' in s ? s.value : 0)) as [number, number, number];
  if (draft.analysis === 'advanced') options.metalearner = draft.metalearner;
  return { request: { dataset, options, gpus, outputDir }, problems };
}

export function TrainPage() {
  const t = useT();
  const format = useFormat();
  const language = useLanguage();
  const selection = useAppStore((s) => s.datasetSelection);
  const report = useAppStore((s) => s.datasetReport);
  const scanning = useAppStore((s) => s.datasetScan !== null);
  const catalog = useAppStore((s) => s.catalog);
  const draft = useAppStore((s) => s.trainDraft);
  const gpuReport = useAppStore((s) => s.gpuReport);
  const starting = useAppStore((s) => s.starting);
  const startError = useAppStore((s) => s.startError);
  const outputDir = useAppStore((s) => s.trainOutputDir);
  const outputChoiceError = useAppStore((s) => s.outputChoiceError);
  const gpuChecking = useAppStore((s) => s.gpuChecking);
  const engine = useAppStore((s) => s.runEngine);
  const { goTo, loadCatalog, updateTrainDraft, detectGpus, startTraining, resetTrainDraft, chooseTrainOutputDir, resetTrainOutputDir } = useAppStore.getState();

  useEffect(() => {
    void loadCatalog(); // weights may have been imported since the last visit
    if (!useAppStore.getState().gpuReport && !useAppStore.getState().gpuChecking) void detectGpus();
    return () => {
      useAppStore.getState().clearStartError();
      useAppStore.getState().clearQueueNotice('training');
    };
  }, [loadCatalog, detectGpus]);

  const dim = report?.dimensionality === '3D' ? '3D' : '2D';
  const architectures = useMemo(() => catalog?.architectures.filter((a) => a.dimensionality === dim) ?? [], [catalog, dim]);
  const metalearners = useMemo(() => catalog?.metalearners.filter((m) => !report?.multiLabel || m.multiLabel) ?? [], [catalog, report?.multiLabel]);

  // Drop choices that do not fit this dataset (another dimensionality, a metalearner multi-label cannot use).
  useEffect(() => {
    if (!draft || !catalog) return;
    const known = new Set(architectures.map((a) => a.key));
    const kept = draft.architectures.filter((key) => known.has(key));
    if (kept.length !== draft.architectures.length) updateTrainDraft({ architectures: kept });
    if (metalearners.length && !metalearners.some((m) => m.key === draft.metalearner)) updateTrainDraft({ metalearner: metalearners[0]!.key });
  }, [draft, catalog, architectures, metalearners, updateTrainDraft]);

  const header = (
    <header className="page-header">
      <h1>{t('training:page.title')}</h1>
      <p className="muted">{t('training:page.intro')}</p>
    </header>
  );

  if (!selection || !report || report.errors > 0 || (report.dimensionality !== '2D' && report.dimensionality !== '3D')) {
    const message = scanning
      ? t('training:noDataset.scanning')
      : !selection || !report
        ? t('training:noDataset.none')
        : report.errors > 0
          ? t('training:noDataset.errors', { count: report.errors })
          : t('training:noDataset.mixed');
    const action = scanning
      ? t('training:noDataset.scanningAction')
      : !selection || !report
        ? t('training:noDataset.noneAction')
        : t('training:noDataset.errorsAction');
    return (
      <>
        {header}
        <section className="card" data-testid="train-no-dataset">
          <Problem error={{ message, action }} tone="warning" />
          <div className="actions">
            <button type="button" onClick={() => goTo('dataset')} data-testid="train-go-dataset">
              {t('training:noDataset.goDataset')}
            </button>
          </div>
        </section>
      </>
    );
  }

  if (!catalog || !draft) return <CatalogPending header={header} loading={t('training:start.loadingArchitectures')} />;

  const gpus = draft.gpus ?? defaultGpus(gpuReport);
  const built = buildRequest(draft, catalog, report, selection, gpus, outputDir, t, format);
  const { problems } = built;
  const request = built.request && placed(built.request, engine);
  const { limits, defaults } = catalog;
  const totalImages = report.totalImages;

  const setAnalysis = (analysis: Analysis) => updateTrainDraft({ analysis, architectures: analysis === 'advanced' ? draft.architectures : draft.architectures.slice(0, 1) });
  const start = () => {
    if (request) void startTraining(request);
  };

  return (
    <>
      {header}
      <section className="card" aria-labelledby="train-dataset-heading" data-testid="train-dataset">
        <header className="card-header">
          <h2 id="train-dataset-heading">{t('training:dataset.heading')}</h2>
          <span className="badge badge-ok">{report.warnings ? t('training:dataset.readyWarnings', { count: report.warnings }) : t('training:dataset.ready')}</span>
        </header>
        <p>
          {selection.gtFile ? (
            <Trans t={t} i18nKey="training:dataset.withFile" values={{ path: selection.path, file: selection.gtFile.split(/[\\/]/).pop() }} components={{ code: <code /> }} />
          ) : (
            <code>{selection.path}</code>
          )}
        </p>
        <p className="muted">
          {t('training:dataset.summary', {
            images: dim === '3D' ? t('training:dataset.volumes3D', { count: totalImages }) : t('training:dataset.images2D', { count: totalImages }),
            classes: t('training:dataset.classes', { count: report.classes.length }),
            names: report.classes.map((c) => c.name).join(', '),
            labels: report.multiLabel ? t('training:dataset.severalLabels') : t('training:dataset.oneLabel'),
          })}{' '}
          <button type="button" className="link" onClick={() => goTo('dataset')}>
            {t('training:dataset.change')}
          </button>
        </p>
      </section>

      <section className="card" aria-labelledby="train-analysis-heading">
        <h2 id="train-analysis-heading">{t('training:analysis.heading')}</h2>
        <div className="choice-cards" role="radiogroup" aria-label={t('training:analysis.heading')}>
          {ANALYSES.map((analysis) => (
            <label key={analysis} className={draft.analysis === analysis ? 'choice-card checked' : 'choice-card'} data-testid={`analysis-${analysis}`}>
              <input type="radio" name="analysis" value={analysis} checked={draft.analysis === analysis} onChange={() => setAnalysis(analysis)} />
              <span>
                <strong>{t(`training:analysis.${analysis}.title`)}</strong>
                <span className="muted small choice-text">{t(`training:analysis.${analysis}.text`)}</span>
              </span>
            </label>
          ))}
        </div>
      </section>

      <section className="card" aria-labelledby="train-arch-heading">
        <header className="card-header">
          <h2 id="train-arch-heading">{t('training:architecture.heading')}</h2>
          <span className="muted small" data-testid="arch-selected">
            {draft.architectures.length ? draft.architectures.join(', ') : t('training:architecture.noneChosen')}
          </span>
        </header>
        <p className="muted">
          {draft.analysis === 'advanced'
            ? t('training:architecture.hintAdvanced', { min: format.number(limits.advancedArchitectures.min), max: format.number(limits.advancedArchitectures.max) })
            : dim === '3D'
              ? t('training:architecture.hint3D', { default: defaults.architecture })
              : t('training:architecture.hint2D', { default: defaults.architecture })}
        </p>
        <ArchitecturePicker
          architectures={architectures}
          ready={catalog.weights.ready[dim]}
          multiple={draft.analysis === 'advanced'}
          max={limits.advancedArchitectures.max}
          selected={draft.architectures}
          onChange={(keys) => updateTrainDraft({ architectures: keys })}
          weightsDir={catalog.weights.dir}
        />
        {draft.analysis === 'advanced' && (
          <div className="field">
            <label htmlFor="train-metalearner">{t('training:architecture.metalearner')}</label>
            <select id="train-metalearner" value={draft.metalearner} onChange={(event) => updateTrainDraft({ metalearner: event.target.value })} data-testid="metalearner">
              {metalearners.map((m) => (
                <option key={m.key} value={m.key}>
                  {m.key === defaults.metalearner ? t('training:architecture.metalearnerDefault', { key: m.key }) : m.key}
                </option>
              ))}
            </select>
            <p className="muted small">
              {(() => {
                // The core's English sentence, or the catalog's German one (the same as src/aucmedi/architectures.ts).
                const chosen = metalearners.find((m) => m.key === draft.metalearner);
                if (!chosen) return null;
                return language === 'en' ? chosen.description : t(`training:metalearnerText.${chosen.key}`, { defaultValue: chosen.description });
              })()}
              {report.multiLabel && ` ${t('training:architecture.metalearnerMultiLabel')}`}
            </p>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="train-settings-heading">
        <header className="card-header">
          <h2 id="train-settings-heading">{t('training:settings.heading')}</h2>
          <button type="button" className="secondary" onClick={() => resetTrainDraft()} data-testid="train-reset">
            {t('training:settings.reset')}
          </button>
        </header>
        <div className="fields">
          <NumberField
            id="train-epochs"
            label={t('training:settings.epochs')}
            value={draft.epochs}
            limits={limits.epochs}
            defaultValue={defaults.epochs}
            onChange={(epochs) => updateTrainDraft({ epochs })}
            note={epochsNote(draft.epochs, draft.analysis, t, format)}
            help={
              draft.analysis === 'minimal'
                ? t('training:settings.epochsHelpMinimal', { frozen: format.number(FROZEN_EPOCHS) })
                : t('training:settings.epochsHelp', { frozen: format.number(FROZEN_EPOCHS) })
            }
          />
          <NumberField
            id="train-batch"
            label={t('training:settings.batchSize')}
            value={draft.batchSize}
            limits={limits.batchSize}
            defaultValue={defaults.trainingBatchSize}
            onChange={(batchSize) => updateTrainDraft({ batchSize })}
            help={t('training:settings.batchSizeHelp')}
          />
          <NumberField
            id="train-workers"
            label={t('training:settings.workers')}
            value={draft.workers}
            limits={limits.workers}
            defaultValue={defaults.workers}
            onChange={(workers) => updateTrainDraft({ workers })}
            help={t('training:settings.workersHelp')}
          />
          {dim === '3D' && (
            <div className="field" data-testid="train-shape3d">
              <span className="field-label">{t('training:settings.shape3D')}</span>
              <div className="shape-inputs">
                {SIDES.map((side, i) => (
                  <input
                    key={side}
                    type="number"
                    aria-label={t(`training:settings.shapeSide.${side}`)}
                    min={limits.shape3DSide.min}
                    max={limits.shape3DSide.max}
                    value={draft.shape3D[i]}
                    onChange={(event) => {
                      const shape3D = [...draft.shape3D] as TrainDraft['shape3D'];
                      shape3D[i] = event.target.value;
                      updateTrainDraft({ shape3D });
                    }}
                  />
                ))}
              </div>
              <p className="muted small">{t('training:settings.shapeHelp', { shape: defaults.shape3D.map((side) => format.number(side)).join(' × ') })}</p>
            </div>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="train-hw-heading" data-testid="train-hardware">
        <h2 id="train-hw-heading">{t('training:hardware.heading')}</h2>
        <EnginePicker prefix="train" />
        <ProcessorField prefix="train" value={gpus} onChange={(choice) => updateTrainDraft({ gpus: choice })} gpuReport={gpuReport} gpuChecking={gpuChecking} what="run" />
        <OutputFolderField
          prefix="train"
          value={outputDir}
          error={outputChoiceError}
          onChoose={() => void chooseTrainOutputDir()}
          onReset={resetTrainOutputDir}
          writesNote={t('training:output.trainWrites')}
        />
      </section>

      <StartCard
        prefix="train"
        mode="training"
        problems={problems}
        error={startError}
        starting={starting}
        item={request ? { mode: 'training', request } : null}
        onStart={start}
        onAdded={resetTrainOutputDir}
        label={t('training:start.startTraining')}
        checking={t('training:start.checkingTraining')}
      />
    </>
  );
}

