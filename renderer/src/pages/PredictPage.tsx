import { useEffect } from 'react';
import type { DatasetDimensionality } from '../../../src/api/dataset';
import type { PredictionRequest } from '../../../src/api/runs';
import { applyOptions, ApplySettings, useGpuChoice, useGpuReport } from '../components/ApplySettings';
import { DropZone } from '../components/DropZone';
import { ModelPicker, useModelFolderCheck, useTrainedModels } from '../components/ModelPicker';
import { Problem } from '../components/Problem';
import { ProblemList } from '../components/ProblemList';
import { ScanStatus } from '../components/ScanStatus';
import { CatalogPending, StartCard } from '../components/StartCard';
import { useFormat, useT } from '../i18n';
import { useAppStore } from '../store';
import { placed } from '../store/placement';
import { applyDraftDefaults, type PredictDraft } from '../store/predict';

/** AUCMEDI's XAI methods (`key`, as AUCMEDI names them) and their catalog entries `apply:xai.methods.<id>` (label, what each shows in plain words). */
export const XAI_METHODS: { key: string; id: string }[] = [
  { key: 'gradcam', id: 'gradcam' },
  { key: 'gradcam++', id: 'gradcamPlusPlus' },
  { key: 'GuidedGradCAM', id: 'guidedGradCam' },
  { key: 'saliency', id: 'saliency' },
  { key: 'guidedbackprop', id: 'guidedBackprop' },
  { key: 'IntegratedGradients', id: 'integratedGradients' },
  { key: 'OcclusionSensitivity', id: 'occlusionSensitivity' },
  { key: 'LimePro', id: 'limePro' },
  { key: 'LimeCon', id: 'limeCon' },
];

/** "10 2D images, 1.2 MiB" in the window's language: the count of a scanned folder, by dimensionality, and its size. */
export function useImageCount(): (report: { totalImages: number; dimensionality: DatasetDimensionality; totalBytes: number }) => string {
  const t = useT();
  const format = useFormat();
  return (report) => {
    const count = report.totalImages;
    const images =
      report.dimensionality === '3D'
        ? t('apply:images.volumes3D', { count })
        : report.dimensionality === '2D'
          ? t('apply:images.images2D', { count })
          : report.dimensionality === 'mixed'
            ? t('apply:images.imagesMixed', { count })
            : t('apply:images.imagesUnknown', { count });
    return t('apply:images.countAndSize', { images, size: format.size(report.totalBytes) });
  };
}

function HeatMaps({ draft, advanced, onChange }: { draft: PredictDraft; advanced: boolean; onChange(xaiMethod: string | null): void }) {
  const t = useT();
  const method = XAI_METHODS.find((m) => m.key === draft.xaiMethod);
  return (
    <section className="card" aria-labelledby="predict-xai-heading" data-testid="predict-xai">
      <h2 id="predict-xai-heading">{t('apply:xai.heading')}</h2>
      <p className="muted">{t('apply:xai.intro')}</p>
      {advanced ? (
        <p data-testid="predict-xai-advanced">{t('apply:xai.advanced')}</p>
      ) : (
        <>
          <label className="checkbox">
            <input type="checkbox" checked={draft.xaiMethod !== null} onChange={(event) => onChange(event.target.checked ? 'gradcam' : null)} data-testid="predict-xai-on" />
            {t('apply:xai.makeHeatMaps')}
          </label>
          {method && (
            <div className="field">
              <label htmlFor="predict-xai-method">{t('apply:xai.method')}</label>
              <select id="predict-xai-method" value={method.key} onChange={(event) => onChange(event.target.value)} data-testid="predict-xai-method">
                {XAI_METHODS.map((m) => {
                  const label = t(`apply:xai.methods.${m.id}.label`);
                  return (
                    <option key={m.key} value={m.key}>
                      {m.key === 'gradcam' ? t('apply:xai.defaultOption', { label }) : label}
                    </option>
                  );
                })}
              </select>
              <p className="muted small">{t(`apply:xai.methods.${method.id}.text`)}</p>
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function PredictPage() {
  const catalog = useAppStore((s) => s.catalog);
  const stored = useAppStore((s) => s.predictDraft);
  const images = useAppStore((s) => s.predictImages);
  const starting = useAppStore((s) => s.predictStarting);
  const error = useAppStore((s) => s.predictError);
  const engine = useAppStore((s) => s.runEngine);
  const { loadCatalog, updatePredictDraft, choosePredictModelFolder, choosePredictOutputDir, pickPredictImages, scanPredictImages, cancelPredictScan, showPredictImagesError, startPrediction } = useAppStore.getState();
  const t = useT();
  const imageCount = useImageCount();
  const format = useFormat();
  const models = useTrainedModels();
  const draft: PredictDraft = stored ?? { ...applyDraftDefaults(catalog), xaiMethod: null };
  const gpus = useGpuChoice(draft);
  useGpuReport();

  useEffect(() => {
    void loadCatalog();
    return () => {
      useAppStore.getState().clearPredictError();
      useAppStore.getState().clearQueueNotice('prediction');
    };
  }, [loadCatalog]);

  const chosenRunId = draft.model && 'runId' in draft.model ? draft.model.runId : null;
  const folder = useModelFolderCheck(draft.model && 'dir' in draft.model ? draft.model.dir : null);
  const advanced = (chosenRunId ? models?.find((run) => run.id === chosenRunId)?.options.analysis : folder.model?.analysis) === 'advanced';
  const report = images.report;

  const header = (
    <header className="page-header">
      <h1>{t('apply:predict.title')}</h1>
      <p className="muted">{t('apply:predict.intro')}</p>
    </header>
  );
  if (!catalog) return <CatalogPending header={header} />;

  const options = applyOptions(draft, catalog, gpus, t);
  const problems = [...(draft.model ? [] : [t('apply:images.chooseModel')]), ...(report ? [] : [t('apply:predict.chooseImages')]), ...options.problems];
  if (report && report.errors > 0) problems.push(t('apply:predict.folderProblems', { count: report.errors }));
  const request: PredictionRequest | null =
    problems.length === 0 && draft.model && report && options.value
      ? placed(
          {
            model: draft.model,
            images: report.path,
            options: { batchSize: options.value.batchSize, workers: options.value.workers, ...(draft.xaiMethod && !advanced ? { xaiMethod: draft.xaiMethod } : {}) },
            gpus,
            outputDir: draft.outputDir,
          },
          engine,
        )
      : null;

  return (
    <>
      {header}
      <section className="card" aria-labelledby="predict-model-heading">
        <h2 id="predict-model-heading">{t('apply:model.heading')}</h2>
        <ModelPicker prefix="predict" value={draft.model} models={models} onChange={(model) => updatePredictDraft({ model })} onChooseFolder={() => void choosePredictModelFolder()} />
      </section>

      <section className="card" aria-labelledby="predict-images-heading">
        <h2 id="predict-images-heading">{t('apply:predict.imagesHeading')}</h2>
        <DropZone accepts={t('apply:predict.accepts')} isAcceptable={() => true} onPath={(path) => void scanPredictImages(path)} onReject={showPredictImagesError} testId="predict-images-drop" large>
          <p className="lead">{t('apply:predict.lead')}</p>
          <p className="muted">{t('apply:predict.hint')}</p>
          <button type="button" onClick={() => void pickPredictImages()} data-testid="predict-images-choose">
            {t('apply:images.chooseFolder')}
          </button>
        </DropZone>
        {images.scan && <ScanStatus scan={images.scan} what={t('apply:predict.scanWhat')} onCancel={() => void cancelPredictScan()} testId="predict-images-progress" />}
        {images.error && <Problem error={images.error} testId="predict-images-error" />}
        {report && (
          <div data-testid="predict-images-summary">
            <header className="card-header">
              <p>
                {t('apply:images.folder')} <code>{report.path}</code>
              </p>
              <span className={`badge ${report.errors ? 'badge-bad' : 'badge-ok'}`} data-testid="predict-images-verdict">
                {report.errors ? t('apply:images.problemsToFix', { count: report.errors }) : t('apply:images.ready')}
              </span>
            </header>
            <dl className="facts">
              <dt>{t('apply:images.imagesLabel')}</dt>
              <dd data-testid="predict-images-count">{imageCount(report)}</dd>
              <dt>{t('apply:images.formats')}</dt>
              <dd>{Object.entries(report.formats).map(([name, count]) => `${name} ${format.number(count)}`).join(', ') || t('apply:images.noFormats')}</dd>
            </dl>
            {report.problems.length > 0 && <ProblemList problems={report.problems} />}
          </div>
        )}
      </section>

      <HeatMaps draft={draft} advanced={advanced} onChange={(xaiMethod) => updatePredictDraft({ xaiMethod })} />

      <ApplySettings prefix="predict" what="prediction" draft={draft} catalog={catalog} onChange={updatePredictDraft} onChooseOutput={() => void choosePredictOutputDir()} outputError={null} />

      <StartCard
        prefix="predict"
        mode="prediction"
        problems={problems}
        error={error}
        starting={starting}
        item={request ? { mode: 'prediction', request } : null}
        onStart={() => request && void startPrediction(request)}
        onAdded={() => updatePredictDraft({ outputDir: null })}
        label={t('apply:predict.start')}
        checking={t('apply:predict.checking')}
      />
    </>
  );
}
