import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvaluationRecord } from '../../src/api/runs';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { appSession, readPredsCsv, trainTinyModel } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Evaluate page and evaluation results (real UI, real core, real engine, stand-in image)', () => {
  const session = appSession({
    // A little delay per batch, so the first step is long enough to be seen.
    core: { runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.3'] },
    prepare: async (core) => {
      makeClassDataset(trainingSet, { classes: { benign: 20, malignant: 20 }, size: 16, seed: 3 });
      labels = makeClassDataset(labelledSet, { classes: { benign: 8, malignant: 8 }, size: 16, seed: 7 }).labels;
      makeClassDataset(benignOnlySet, { classes: { benign: 4 }, size: 16, seed: 8 });
      session.core.subscribe((event) => {
        if (event.type === 'run:state' && event.run.mode === 'evaluation') steps.push(`${event.run.state}:${event.run.step}`);
      });
      trainingId = await trainTinyModel(core, trainingSet);
      runIds.push(trainingId);
    },
  });
  const { dir, dialogs, runIds } = session;
  const trainingSet = path.join(dir, 'training');
  const labelledSet = path.join(dir, 'labelled');
  const benignOnlySet = path.join(dir, 'benign-only');
  let trainingId = '';
  let labels: Record<string, string>;
  let record: EvaluationRecord;
  const steps: string[] = [];

  it('explains the two steps, takes a model from the history and a labelled class-folder set', async () => {
    await session.app.page.getByTestId('nav-evaluate').click();
    expect(await session.app.page.getByTestId('evaluate-explain').textContent()).toMatch(/first predicts every labelled image[\s\S]*then scores those predictions against the labels/);
    const model = session.app.page.locator(`[data-testid=evaluate-model-run][data-run-id="${trainingId}"]`);
    await model.waitFor({ timeout: 30_000 });
    expect(await session.app.page.getByTestId('evaluate-start').isDisabled()).toBe(true);
    await model.click();

    // A set without one of the model's classes: fine as a set, refused with this model before any start.
    dialogs.folderQueue.push(benignOnlySet);
    await session.app.page.getByTestId('evaluate-set-choose').click();
    await session.app.page.getByTestId('evaluate-set-verdict').filter({ hasText: "Not the model's classes" }).waitFor({ timeout: 60_000 });
    expect(await session.app.page.getByTestId('evaluate-class-problem').textContent()).toMatch(/lacks the class "malignant" of the model \(benign, malignant\).*What to do: If the set has images of malignant, put them in a class folder of that name\. Otherwise give the set as one folder of all its images with a one-hot annotation file, header SAMPLE,benign,malignant/);
    expect(await session.app.page.getByTestId('evaluate-problems').textContent()).toContain("The labelled set does not have the model's classes");
    expect(await session.app.page.getByTestId('evaluate-start').isDisabled()).toBe(true);
    await session.app.screenshot('evaluate-class-mismatch');

    dialogs.folderQueue.push(labelledSet);
    await session.app.page.getByTestId('evaluate-set-choose').click();
    await session.app.page.getByTestId('evaluate-set-verdict').filter({ hasText: 'Ready' }).waitFor({ timeout: 60_000 });
    expect(await session.app.page.getByTestId('evaluate-set-count').textContent()).toMatch(/^16 2D images/);
    // Few images per class make rough scores; the training advice (more images to learn from) is not shown here.
    expect(await session.app.page.getByTestId('evaluate-few-images').count()).toBe(1);
    expect(await session.app.page.locator('[data-code=SMALL_CLASS]').count()).toBe(0);
    expect(await session.app.page.getByTestId('evaluate-set-summary').getByTestId('class-bar').count()).toBe(2);
    await session.app.page.getByTestId('evaluate-batch').fill('2');
    await session.app.page.getByTestId('evaluate-cpu-note').waitFor({ timeout: 60_000 });
    expect(await session.app.page.getByTestId('evaluate-problems').count()).toBe(0);
    await session.app.screenshot('evaluate');
  }, 120_000);

  it('starts, shows step 1 of 2 on the run page, goes on to step 2 and succeeds', async () => {
    await session.app.page.getByTestId('evaluate-start').click();
    await session.app.page.getByTestId('page-run').waitFor({ timeout: 60_000 });
    const list = await session.core.handlers['runs:list']({});
    if (!list.ok) throw new Error(list.error.message);
    const started = list.data.find((run) => run.mode === 'evaluation')!;
    runIds.push(started.id);
    expect(await session.app.page.locator('h1').textContent()).toBe('Evaluation: Vanilla model');
    const step = session.app.page.getByTestId('run-step');
    await step.waitFor();
    expect(await step.textContent()).toMatch(/^Step 1 of 2: predicting the labelled images/);
    // The batches of step 1 are shown as they go, unless the step is over before the first one is reported.
    const seen = await session.app.page.waitForFunction(
      () => {
        const bar = document.querySelector('[data-testid=batch-bar]')?.textContent ?? '';
        if (/^Batch \d+ of \d+/.test(bar)) return bar;
        return document.querySelector('[data-testid=run-step]')?.getAttribute('data-step') === 'prediction' ? false : 'step 1 over';
      },
      null,
      { timeout: 60_000 },
    );
    expect(await seen.jsonValue()).toMatch(/^Batch \d+ of 8|^step 1 over$/);
    await session.app.screenshot('evaluation-run');

    await session.app.page.locator('[data-testid=run-state][data-state=succeeded]').waitFor({ timeout: 180_000 });
    expect(steps).toEqual(expect.arrayContaining(['running:prediction', 'running:evaluation', 'succeeded:evaluation']));
    const response = await session.core.handlers['runs:get']({ runId: started.id });
    if (!response.ok || response.data.mode !== 'evaluation') throw new Error('no evaluation record');
    record = response.data;
    expect(await session.app.page.getByTestId('run-sentence').textContent()).toMatch(/The evaluation finished/);
  }, 240_000);

  it('draws the confusion matrix with the counts computed from preds.csv and the folder labels', async () => {
    const preds = readPredsCsv(path.join(record.outputDir, 'prediction', 'preds.csv'));
    expect(preds.rows).toHaveLength(16);
    const expected = new Map<string, number>();
    for (const truth of preds.classes) for (const predicted of preds.classes) expected.set(`${truth}>${predicted}`, 0);
    for (const row of preds.rows) expected.set(`${labels[row.sample]}>${row.best}`, expected.get(`${labels[row.sample]}>${row.best}`)! + 1);

    const matrix = session.app.page.getByTestId('confusion-matrix');
    await matrix.waitFor({ timeout: 30_000 });
    expect(await matrix.getAttribute('data-kind')).toBe('single-label');
    const cells = await session.app.page.getByTestId('confusion-cell').evaluateAll((elements) =>
      elements.map((cell) => ({ key: `${cell.getAttribute('data-truth')}>${cell.getAttribute('data-predicted')}`, count: Number(cell.textContent), title: cell.getAttribute('title') })),
    );
    expect(new Map(cells.map((cell) => [cell.key, cell.count]))).toEqual(expected);
    const first = cells.find((cell) => cell.key === 'benign>benign')!;
    expect(first.title).toBe(`${first.count} ${first.count === 1 ? 'image' : 'images'} of class benign predicted as benign`);
    expect(await session.app.page.getByTestId('evaluation-matched').textContent()).toBe('16 images scored');
    expect(await session.app.page.getByTestId('evaluation-without-truth').count()).toBe(0);
    expect(await session.app.page.getByTestId('evaluation-without-prediction').count()).toBe(0);
  }, 60_000);

  it('shows every metric AUCMEDI wrote per class, the ROC curves with their AUC, and AUCMEDI’s own plots', async () => {
    const results = await session.core.handlers['runs:evaluation']({ runId: record.id });
    if (!results.ok) throw new Error(results.error.message);
    const { metrics, roc } = results.data;
    expect(await session.app.page.getByTestId('metric-name').allTextContents()).toEqual(metrics.metrics);
    expect(await session.app.page.getByTestId('metrics-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-class')))).toEqual(['benign', 'malignant']);
    expect(metrics.metrics).toEqual(expect.arrayContaining(['Sensitivity', 'Specificity', 'AUC']));

    const legend = session.app.page.getByTestId('roc-legend-item');
    expect(await legend.count()).toBe(2);
    expect(await legend.first().textContent()).toMatch(/^benign: AUC (\d|not defined)/);
    expect(await session.app.page.getByTestId('roc-curve').count()).toBe(2);
    expect(Number(await session.app.page.getByTestId('roc-chart').locator('svg[data-curves]').getAttribute('data-curves'))).toBe(roc.filter((curve) => curve.points.length).length);
    // The keyboard reads a point of a curve.
    await session.app.page.getByTestId('roc-chart').locator('.chart-body').focus();
    await session.app.page.keyboard.press('ArrowRight');
    await session.app.page.keyboard.press('ArrowRight');
    expect(await session.app.page.getByTestId('roc-tooltip').textContent()).toMatch(/benign[\s\S]*False positive rate: [\d.]+[\s\S]*True positive rate: [\d.]+[\s\S]*Threshold: /);

    const plots = session.app.page.getByTestId('evaluation-plot');
    expect(await plots.count()).toBe(record.results!.plots.length);
    expect(record.results!.plots.length).toBeGreaterThan(0);
    const widths = await plots.evaluateAll((images) => images.map((image) => (image as HTMLImageElement).naturalWidth));
    expect(widths.every((width) => width > 0)).toBe(true);
    await session.app.page.mouse.move(0, 0);
    await session.app.page.getByTestId('evaluation-results').scrollIntoViewIfNeeded();
    await session.app.screenshot('evaluation-results');
  }, 60_000);

  it('exports the one-page HTML report', async () => {
    const report = path.join(dir, 'report.html');
    dialogs.saveQueue.push(report);
    await session.app.page.getByTestId('export-report').click();
    await session.app.page.getByTestId('report-saved').waitFor({ timeout: 20_000 });
    expect(await session.app.page.getByTestId('report-saved').textContent()).toBe(`Saved to ${report}`);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain(record.id);
    expect(html).toContain('Sensitivity');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('lists the evaluation on the Runs page with its mode and the training it used', async () => {
    await session.app.page.getByTestId('nav-runs').click();
    const row = session.app.page.locator(`[data-testid=runs-row][data-run-id="${record.id}"]`);
    await row.waitFor();
    expect(await row.getByTestId('runs-mode').textContent()).toBe('Evaluation');
    expect(await row.textContent()).toMatch(/labelled[\s\S]*Vanilla[\s\S]*model of the training of [\s\S]*16 images scored/);
    await row.getByTestId('model-run-link').click();
    await session.app.page.locator('h1').filter({ hasText: 'Training run: Vanilla' }).waitFor();
  });

  it('made no outside request and logged no error', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
