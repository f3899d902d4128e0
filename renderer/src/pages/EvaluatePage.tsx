import { useEffect } from 'react';
import { modelClassesProblem } from '../../../src/api/model-classes';
import type { EvaluationRequest, ModelChoice } from '../../../src/api/runs';
import { applyOptions, ApplySettings, useGpuChoice, useGpuReport } from '../components/ApplySettings';
import { ClassBars } from '../components/ClassBars';
import { FolderChooser } from '../components/FolderChooser';
import { ModelPicker, useModelFolderCheck, useTrainedModels, type TrainingSummary } from '../components/ModelPicker';
import { Problem } from '../components/Problem';
import { ProblemList } from '../components/ProblemList';
import { ScanStatus } from '../components/ScanStatus';
import { CatalogPending, StartCard } from '../components/StartCard';
import { useT } from '../i18n';
import { useAppStore } from '../store';
import { placed } from '../store/placement';
import { applyDraftDefaults } from '../store/predict';
import { useImageCount } from './PredictPage';

const FEW_IMAGES = 10;

/** The chosen model's classes, in its order: from the history, or from the check of a chosen folder; null while unknown. */
function useModelClasses(choice: ModelChoice | null, models: TrainingSummary[] | null): string[] | null {
  const folder = useModelFolderCheck(choice && 'dir' in choice ? choice.dir : null);
  if (!choice) return null;
  const classes = 'runId' in choice ? models?.find((run) => run.id === choice.runId)?.classNames : folder.model?.classNames;
  return classes && classes.length > 0 ? classes : null;
}

/** `classProblem`: why the set does not fit the chosen model (see modelClassesProblem), or null. */
function LabelledSet({ classProblem }: { classProblem: ReturnType<typeof modelClassesProblem> }) {
  const t = useT();
  const imageCount = useImageCount();
  const set = useAppStore((s) => s.evaluateSet);
  const { pickEvaluateSet, pickEvaluateAnnotation, scanEvaluateSet, setEvaluateAnnotation, cancelEvaluateScan, showEvaluateSetError } = useAppStore.getState();
  const { selection, report } = set;
  // scanned as a labelled set: no advice on learning (see DatasetScanRequest.purpose)
  const problems = report?.problems ?? [];
  return (
    <section className="card" aria-labelledby="evaluate-set-heading">
      <h2 id="evaluate-set-heading">{t('apply:evaluate.setHeading')}</h2>
      <FolderChooser
        accepts={t('apply:evaluate.accepts')}
        lead={t('apply:evaluate.lead')}
        hint={t('apply:evaluate.hint')}
        selection={selection}
        onFolder={(path) => void scanEvaluateSet({ path, gtFile: null, ohe: false })}
        onPickFolder={() => void pickEvaluateSet()}
        onAnnotation={(gtFile, ohe) => void setEvaluateAnnotation(gtFile, ohe)}
        onPickAnnotation={() => void pickEvaluateAnnotation()}
        onReject={showEvaluateSetError}
        ids={{
          drop: 'evaluate-set-drop',
          choose: 'evaluate-set-choose',
          annotationDrop: 'evaluate-annotation-drop',
          annotationFile: 'evaluate-annotation-file',
          annotationChoose: 'evaluate-annotation-choose',
          ohe: 'evaluate-ohe',
        }}
      />
      {set.scan && <ScanStatus scan={set.scan} what={t('apply:evaluate.scanWhat')} onCancel={() => void cancelEvaluateScan()} testId="evaluate-set-progress" />}
      {set.error && <Problem error={set.error} testId="evaluate-set-error" />}
      {report && (
        <div data-testid="evaluate-set-summary">
          <header className="card-header">
            <h3>{t('apply:evaluate.whatAucmediSees')}</h3>
            <span className={`badge ${report.errors || classProblem ? 'badge-bad' : 'badge-ok'}`} data-testid="evaluate-set-verdict">
              {report.errors ? t('apply:images.problemsToFix', { count: report.errors }) : classProblem ? t('apply:evaluate.notModelClasses') : t('apply:images.ready')}
            </span>
          </header>
          <dl className="facts">
            <dt>{t('apply:images.imagesLabel')}</dt>
            <dd data-testid="evaluate-set-count">{imageCount(report)}</dd>
            <dt>{t('apply:evaluate.labels')}</dt>
            <dd>{report.multiLabel ? t('apply:evaluate.multiLabel') : t('apply:evaluate.singleLabel')}</dd>
          </dl>
          <ClassBars classes={report.classes} />
          {classProblem && <Problem error={classProblem} testId="evaluate-class-problem" />}
          {report.classes.some((c) => c.count < FEW_IMAGES) && (
            <p className="hint warn" data-testid="evaluate-few-images">
              {t('apply:evaluate.fewImages', { count: FEW_IMAGES })}
            </p>
          )}
          {problems.length > 0 && <ProblemList problems={problems} />}
        </div>
      )}
    </section>
  );
}

export function EvaluatePage() {
  const catalog = useAppStore((s) => s.catalog);
  const stored = useAppStore((s) => s.evaluateDraft);
  const set = useAppStore((s) => s.evaluateSet);
  const starting = useAppStore((s) => s.evaluateStarting);
  const error = useAppStore((s) => s.evaluateError);
  const engine = useAppStore((s) => s.runEngine);
  const { loadCatalog, updateEvaluateDraft, chooseEvaluateModelFolder, chooseEvaluateOutputDir, startEvaluation } = useAppStore.getState();
  const t = useT();
  const models = useTrainedModels();
  const draft = stored ?? applyDraftDefaults(catalog);
  const modelClasses = useModelClasses(draft.model, models);
  const gpus = useGpuChoice(draft);
  useGpuReport();

  useEffect(() => {
    void loadCatalog();
    return () => {
      useAppStore.getState().clearEvaluateError();
      useAppStore.getState().clearQueueNotice('evaluation');
    };
  }, [loadCatalog]);

  const header = (
    <header className="page-header">
      <h1>{t('apply:evaluate.title')}</h1>
      <p className="muted" data-testid="evaluate-explain">
        {t('apply:evaluate.intro')}
      </p>
    </header>
  );
  if (!catalog) return <CatalogPending header={header} />;

  const { selection, report } = set;
  const options = applyOptions(draft, catalog, gpus, t);
  const problems = [...(draft.model ? [] : [t('apply:images.chooseModel')]), ...(report && selection ? [] : [t('apply:evaluate.chooseSet')]), ...options.problems];
  if (report && report.errors > 0) problems.push(t('apply:evaluate.setProblems', { count: report.errors }));
  const classProblem = report && modelClasses ? modelClassesProblem(modelClasses, report) : null;
  if (classProblem) problems.push(t('apply:evaluate.classProblem'));
  const request: EvaluationRequest | null =
    problems.length === 0 && draft.model && report && selection && options.value
      ? placed(
          {
            model: draft.model,
            dataset: { path: report.path, gtFile: selection.gtFile, ohe: selection.ohe },
            options: { batchSize: options.value.batchSize, workers: options.value.workers },
            gpus,
            outputDir: draft.outputDir,
          },
          engine,
        )
      : null;

  return (
    <>
      {header}
      <section className="card" aria-labelledby="evaluate-model-heading">
        <h2 id="evaluate-model-heading">{t('apply:model.heading')}</h2>
        <ModelPicker prefix="evaluate" value={draft.model} models={models} onChange={(model) => updateEvaluateDraft({ model })} onChooseFolder={() => void chooseEvaluateModelFolder()} />
      </section>

      <LabelledSet classProblem={classProblem} />

      <ApplySettings prefix="evaluate" what="evaluation" draft={draft} catalog={catalog} onChange={updateEvaluateDraft} onChooseOutput={() => void chooseEvaluateOutputDir()} outputError={null} />

      <StartCard
        prefix="evaluate"
        mode="evaluation"
        problems={problems}
        error={error}
        starting={starting}
        item={request ? { mode: 'evaluation', request } : null}
        onStart={() => request && void startEvaluation(request)}
        onAdded={() => updateEvaluateDraft({ outputDir: null })}
        label={t('apply:evaluate.start')}
        checking={t('apply:evaluate.checking')}
      />
    </>
  );
}
