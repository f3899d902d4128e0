import { useEffect } from 'react';
import { formatBytes } from '../../../src/api/format';
import type { PredictionRequest } from '../../../src/api/runs';
import { applyOptions, ApplySettings, useGpuChoice, useGpuReport } from '../components/ApplySettings';
import { DropZone } from '../components/DropZone';
import { ModelPicker, useModelFolderCheck, useTrainedModels } from '../components/ModelPicker';
import { Problem } from '../components/Problem';
import { ProblemList } from '../components/ProblemList';
import { ScanStatus } from '../components/ScanStatus';
import { CatalogPending, StartCard } from '../components/StartCard';
import { useAppStore } from '../store';
import { applyDraftDefaults, type PredictDraft } from '../store/predict';

/** AUCMEDI's XAI methods, with what each shows, in plain words. */
export const XAI_METHODS: { key: string; label: string; text: string }[] = [
  { key: 'gradcam', label: 'Grad-CAM', text: 'The regions that drove the decision, coarse but robust. AUCMEDI’s usual choice.' },
  { key: 'gradcam++', label: 'Grad-CAM++', text: 'Like Grad-CAM, better when several regions matter.' },
  { key: 'GuidedGradCAM', label: 'Guided Grad-CAM', text: 'Grad-CAM sharpened to fine detail.' },
  { key: 'saliency', label: 'Saliency map', text: 'Pixel by pixel: how much a small change would change the result.' },
  { key: 'guidedbackprop', label: 'Guided backpropagation', text: 'The fine detail that speaks for the predicted class.' },
  { key: 'IntegratedGradients', label: 'Integrated gradients', text: 'Each pixel’s share in the result, compared with a blank image.' },
  { key: 'OcclusionSensitivity', label: 'Occlusion sensitivity', text: 'Covers one part of the image after the other and measures the effect. Slow.' },
  { key: 'LimePro', label: 'LIME (for)', text: 'The regions that speak for the predicted class. Slow.' },
  { key: 'LimeCon', label: 'LIME (against)', text: 'The regions that speak against the predicted class. Slow.' },
];

function HeatMaps({ draft, advanced, onChange }: { draft: PredictDraft; advanced: boolean; onChange(xaiMethod: string | null): void }) {
  const method = XAI_METHODS.find((m) => m.key === draft.xaiMethod);
  return (
    <section className="card" aria-labelledby="predict-xai-heading" data-testid="predict-xai">
      <h2 id="predict-xai-heading">Heat maps</h2>
      <p className="muted">
        A heat map colours the parts of an image that weighed most in the model&apos;s decision, so you can check that it looked at the finding and not at a marker, a label or the border. Making them takes extra time.
      </p>
      {advanced ? (
        <p data-testid="predict-xai-advanced">
          This model comes from the advanced analysis (several networks combined), for which AUCMEDI cannot make heat maps.
        </p>
      ) : (
        <>
          <label className="checkbox">
            <input type="checkbox" checked={draft.xaiMethod !== null} onChange={(event) => onChange(event.target.checked ? 'gradcam' : null)} data-testid="predict-xai-on" />
            Make a heat map for every image
          </label>
          {method && (
            <div className="field">
              <label htmlFor="predict-xai-method">Method</label>
              <select id="predict-xai-method" value={method.key} onChange={(event) => onChange(event.target.value)} data-testid="predict-xai-method">
                {XAI_METHODS.map((m) => (
                  <option key={m.key} value={m.key}>
                    {m.label}
                    {m.key === 'gradcam' ? ' (default)' : ''}
                  </option>
                ))}
              </select>
              <p className="muted small">{method.text}</p>
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
  const { loadCatalog, updatePredictDraft, choosePredictModelFolder, choosePredictOutputDir, pickPredictImages, scanPredictImages, cancelPredictScan, showPredictImagesError, startPrediction } = useAppStore.getState();
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
      <h1>Predict</h1>
      <p className="muted">Apply a trained model to new images: AUCMEDI gives every image a probability for each class. Your images are only read, never changed.</p>
    </header>
  );
  if (!catalog) return <CatalogPending header={header} />;

  const options = applyOptions(draft, catalog, gpus);
  const problems = [...(draft.model ? [] : ['Choose a model.']), ...(report ? [] : ['Choose the images to classify.']), ...options.problems];
  if (report && report.errors > 0) problems.push(`The image folder has ${report.errors} ${report.errors === 1 ? 'problem' : 'problems'} to fix first.`);
  const request: PredictionRequest | null =
    problems.length === 0 && draft.model && report && options.value
      ? {
          model: draft.model,
          images: report.path,
          options: { batchSize: options.value.batchSize, workers: options.value.workers, ...(draft.xaiMethod && !advanced ? { xaiMethod: draft.xaiMethod } : {}) },
          gpus,
          outputDir: draft.outputDir,
        }
      : null;

  return (
    <>
      {header}
      <section className="card" aria-labelledby="predict-model-heading">
        <h2 id="predict-model-heading">Model</h2>
        <ModelPicker prefix="predict" value={draft.model} models={models} onChange={(model) => updatePredictDraft({ model })} onChooseFolder={() => void choosePredictModelFolder()} />
      </section>

      <section className="card" aria-labelledby="predict-images-heading">
        <h2 id="predict-images-heading">Images to classify</h2>
        <DropZone accepts="one folder of images" isAcceptable={() => true} onPath={(path) => void scanPredictImages(path)} onReject={showPredictImagesError} testId="predict-images-drop" large>
          <p className="lead">Drop the folder with the images here</p>
          <p className="muted">One folder with the images directly inside (no class sub-folders): each image gets a predicted class.</p>
          <button type="button" onClick={() => void pickPredictImages()} data-testid="predict-images-choose">
            Choose folder…
          </button>
        </DropZone>
        {images.scan && <ScanStatus scan={images.scan} what="the images" onCancel={() => void cancelPredictScan()} testId="predict-images-progress" />}
        {images.error && <Problem error={images.error} testId="predict-images-error" />}
        {report && (
          <div data-testid="predict-images-summary">
            <header className="card-header">
              <p>
                Folder: <code>{report.path}</code>
              </p>
              <span className={`badge ${report.errors ? 'badge-bad' : 'badge-ok'}`} data-testid="predict-images-verdict">
                {report.errors ? `${report.errors} ${report.errors === 1 ? 'problem' : 'problems'} to fix` : 'Ready'}
              </span>
            </header>
            <dl className="facts">
              <dt>Images</dt>
              <dd data-testid="predict-images-count">
                {report.totalImages.toLocaleString()} {report.dimensionality === '3D' ? '3D volumes' : report.dimensionality === '2D' ? '2D images' : `images (${report.dimensionality})`}, {formatBytes(report.totalBytes)}
              </dd>
              <dt>Formats</dt>
              <dd>{Object.entries(report.formats).map(([format, count]) => `${format} ${count}`).join(', ') || 'none'}</dd>
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
        label="Start prediction"
        checking="Checking Docker, the image, the model, the images and the output folder…"
      />
    </>
  );
}
