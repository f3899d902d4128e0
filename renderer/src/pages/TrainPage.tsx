import { useEffect, useMemo } from 'react';
import type { Analysis, AucmediCatalog, DatasetReport } from '../../../src/api';
import { FROZEN_EPOCHS, fewerEpochsNote } from '../../../src/api/epochs';
import type { GpuChoice, TrainingRequest } from '../../../src/api/runs';
import { ArchitecturePicker } from '../components/ArchitecturePicker';
import { integerField, NumberField } from '../components/NumberField';
import { WhereItRuns } from '../components/ApplySettings';
import { defaultGpus } from '../components/ProcessorField';
import { Problem } from '../components/Problem';
import { CatalogPending, StartCard } from '../components/StartCard';
import { useAppStore } from '../store';
import type { TrainDraft } from '../store/catalog';

const ANALYSIS_TEXT: Record<Analysis, { title: string; text: string }> = {
  minimal: {
    title: 'Minimal',
    text: 'Trains one model on all images, with no images held back for checking. Quickest, but you cannot see how well it does on unseen images, and it never stops early.',
  },
  standard: {
    title: 'Standard (recommended)',
    text: 'Holds back 15 % of the images to check the model after every epoch, keeps the best model, lowers the learning rate when progress stalls and stops early when it no longer improves.',
  },
  advanced: {
    title: 'Advanced',
    text: 'Trains several models, one per chosen architecture, each on a different part of the data (cross-validation), and combines them into one ensemble. Most robust; takes as long as all models together.',
  },
};

const ANALYSES: Analysis[] = ['minimal', 'standard', 'advanced'];

/** What the epochs entered mean for the run: AUCMEDI always trains a first phase of 10 epochs (src/api/epochs.ts). */
function epochsNote(text: string, analysis: Analysis): string | null {
  const requested = Number(text.trim());
  if (!text.trim() || !Number.isInteger(requested) || requested < 1) return null;
  const perModel = analysis === 'advanced' ? ' per model' : '';
  return (
    fewerEpochsNote(requested)?.replace(/\.$/, `${perModel}.`) ??
    (requested === FROZEN_EPOCHS
      ? `This run trains ${FROZEN_EPOCHS} epochs${perModel}: AUCMEDI's first phase, with no fine-tuning phase after it.`
      : `This run trains AUCMEDI's first phase of ${FROZEN_EPOCHS} epochs${perModel}, then ${analysis === 'minimal' ? '' : 'up to '}${(requested - FROZEN_EPOCHS).toLocaleString()} more fine-tuning the whole network: ${requested.toLocaleString()} ${analysis === 'minimal' ? '' : 'at most '}in all.`)
  );
}

function buildRequest(
  draft: TrainDraft,
  catalog: AucmediCatalog,
  report: DatasetReport,
  dataset: TrainingRequest['dataset'],
  gpus: GpuChoice,
  outputDir: string | null,
): { request: TrainingRequest | null; problems: string[] } {
  const { limits } = catalog;
  const problems: string[] = [];
  const threeDim = report.dimensionality === '3D';
  const epochs = integerField(draft.epochs, limits.epochs, 'Epochs');
  const batchSize = integerField(draft.batchSize, limits.batchSize, 'Batch size');
  const workers = integerField(draft.workers, limits.workers, 'Workers');
  const shape = draft.shape3D.map((side, i) => integerField(side, limits.shape3DSide, `The ${['width', 'height', 'depth'][i]} of the 3D shape`));
  for (const field of [epochs, batchSize, workers, ...(threeDim ? shape : [])]) if ('problem' in field) problems.push(field.problem);
  if (draft.architectures.length === 0) problems.push('Choose an architecture.');
  else if (draft.analysis === 'advanced' && draft.architectures.length < limits.advancedArchitectures.min) {
    problems.push(`The advanced analysis combines at least ${limits.advancedArchitectures.min} architectures; choose another one.`);
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
      <h1>Train</h1>
      <p className="muted">Choose how AUCMEDI should learn from your dataset, then start. The training runs in the background; you can watch it live.</p>
    </header>
  );

  if (!selection || !report || report.errors > 0 || (report.dimensionality !== '2D' && report.dimensionality !== '3D')) {
    const message = scanning
      ? 'The dataset is still being checked.'
      : !selection || !report
        ? 'There is no checked dataset yet.'
        : report.errors > 0
          ? `The dataset has ${report.errors} ${report.errors === 1 ? 'problem' : 'problems'} that would make AUCMEDI fail.`
          : 'The dataset mixes 2D images and 3D volumes, or its kind could not be told.';
    const action = scanning
      ? 'Wait until the check has finished on the Dataset page.'
      : !selection || !report
        ? 'Choose the folder with your images on the Dataset page; it is checked there, then you come back here.'
        : 'The Dataset page lists each problem and what to do about it; fix them, then check the folder again.';
    return (
      <>
        {header}
        <section className="card" data-testid="train-no-dataset">
          <Problem error={{ message, action }} tone="warning" />
          <div className="actions">
            <button type="button" onClick={() => goTo('dataset')} data-testid="train-go-dataset">
              Go to the Dataset page
            </button>
          </div>
        </section>
      </>
    );
  }

  if (!catalog || !draft) return <CatalogPending header={header} loading="Loading the architectures…" />;

  const gpus = draft.gpus ?? defaultGpus(gpuReport);
  const { request, problems } = buildRequest(draft, catalog, report, selection, gpus, outputDir);
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
          <h2 id="train-dataset-heading">Dataset</h2>
          <span className="badge badge-ok">{report.warnings ? `Ready, ${report.warnings} ${report.warnings === 1 ? 'warning' : 'warnings'}` : 'Ready'}</span>
        </header>
        <p>
          <code>{selection.path}</code>
          {selection.gtFile && (
            <>
              {' '}
              with <code>{selection.gtFile.split(/[\\/]/).pop()}</code>
            </>
          )}
        </p>
        <p className="muted">
          {totalImages.toLocaleString()} {dim === '3D' ? '3D volumes' : '2D images'} in {report.classes.length} classes ({report.classes.map((c) => c.name).join(', ')}),{' '}
          {report.multiLabel ? 'several labels per image' : 'one label per image'}.{' '}
          <button type="button" className="link" onClick={() => goTo('dataset')}>
            Change
          </button>
        </p>
      </section>

      <section className="card" aria-labelledby="train-analysis-heading">
        <h2 id="train-analysis-heading">Analysis</h2>
        <div className="choice-cards" role="radiogroup" aria-label="Analysis">
          {ANALYSES.map((analysis) => (
            <label key={analysis} className={draft.analysis === analysis ? 'choice-card checked' : 'choice-card'} data-testid={`analysis-${analysis}`}>
              <input type="radio" name="analysis" value={analysis} checked={draft.analysis === analysis} onChange={() => setAnalysis(analysis)} />
              <span>
                <strong>{ANALYSIS_TEXT[analysis].title}</strong>
                <span className="muted small choice-text">{ANALYSIS_TEXT[analysis].text}</span>
              </span>
            </label>
          ))}
        </div>
      </section>

      <section className="card" aria-labelledby="train-arch-heading">
        <header className="card-header">
          <h2 id="train-arch-heading">Architecture</h2>
          <span className="muted small" data-testid="arch-selected">
            {draft.architectures.length ? draft.architectures.join(', ') : 'none chosen yet'}
          </span>
        </header>
        <p className="muted">
          {draft.analysis === 'advanced'
            ? `The network designs to combine: choose ${limits.advancedArchitectures.min} to ${limits.advancedArchitectures.max}. Each is trained on its own part of the data.`
            : `The network design AUCMEDI trains. ${dim} ${dim === '3D' ? 'volumes' : 'images'}: only the matching architectures are listed. AUCMEDI's usual choice is ${defaults.architecture}; Vanilla is quick for a first test.`}
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
            <label htmlFor="train-metalearner">How the models are combined</label>
            <select id="train-metalearner" value={draft.metalearner} onChange={(event) => updateTrainDraft({ metalearner: event.target.value })} data-testid="metalearner">
              {metalearners.map((m) => (
                <option key={m.key} value={m.key}>
                  {m.key}
                  {m.key === defaults.metalearner ? ' (default)' : ''}
                </option>
              ))}
            </select>
            <p className="muted small">
              {metalearners.find((m) => m.key === draft.metalearner)?.description}
              {report.multiLabel && ' Only the methods that work with several labels per image are offered.'}
            </p>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="train-settings-heading">
        <header className="card-header">
          <h2 id="train-settings-heading">Settings</h2>
          <button type="button" className="secondary" onClick={() => resetTrainDraft()} data-testid="train-reset">
            Back to AUCMEDI&apos;s defaults
          </button>
        </header>
        <div className="fields">
          <NumberField
            id="train-epochs"
            label="Epochs"
            value={draft.epochs}
            limits={limits.epochs}
            defaultValue={defaults.epochs}
            onChange={(epochs) => updateTrainDraft({ epochs })}
            note={epochsNote(draft.epochs, draft.analysis)}
            help={
              draft.analysis === 'minimal'
                ? `How many times the network goes through every image, at least ${FROZEN_EPOCHS}. The minimal analysis always runs all of them.`
                : `The most times the network goes through every image; AUCMEDI trains at least ${FROZEN_EPOCHS}. After those it stops by itself once the model stops improving, so a large number is safe; it only limits the longest possible run.`
            }
          />
          <NumberField
            id="train-batch"
            label="Batch size"
            value={draft.batchSize}
            limits={limits.batchSize}
            defaultValue={defaults.trainingBatchSize}
            onChange={(batchSize) => updateTrainDraft({ batchSize })}
            help="How many images are processed together. Larger is faster but needs more GPU memory: lower it if the run fails for lack of memory."
          />
          <NumberField
            id="train-workers"
            label="Workers"
            value={draft.workers}
            limits={limits.workers}
            defaultValue={defaults.workers}
            onChange={(workers) => updateTrainDraft({ workers })}
            help="How many processes read images in parallel. 1 is safe; more can help when reading the images is the slow part."
          />
          {dim === '3D' && (
            <div className="field" data-testid="train-shape3d">
              <span className="field-label">3D shape (voxels)</span>
              <div className="shape-inputs">
                {(['width', 'height', 'depth'] as const).map((side, i) => (
                  <input
                    key={side}
                    type="number"
                    aria-label={`3D shape ${side}`}
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
              <p className="muted small">
                Every volume is resized to this size before training (default {defaults.shape3D.join(' × ')}). Larger keeps more detail but needs much more memory.
              </p>
            </div>
          )}
        </div>
      </section>

      <WhereItRuns
        prefix="train"
        what="run"
        gpus={gpus}
        onGpus={(choice) => updateTrainDraft({ gpus: choice })}
        outputDir={outputDir}
        outputError={outputChoiceError}
        onChooseOutput={() => void chooseTrainOutputDir()}
        onResetOutput={resetTrainOutputDir}
        writes="its models, run.json and run.log"
      />

      <StartCard
        prefix="train"
        mode="training"
        problems={problems}
        error={startError}
        starting={starting}
        item={request ? { mode: 'training', request } : null}
        onStart={start}
        onAdded={resetTrainOutputDir}
        label="Start training"
        checking="Checking Docker, the image, the dataset, the weights and the output folder…"
      />
    </>
  );
}

