import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../../src/api/runs';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { appSession, readPredsCsv, trainTinyModel } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Predict page and prediction results (real UI, real core, real engine, stand-in image)', () => {
  const session = appSession({
    prepare: async (core) => {
      makeClassDataset(trainingSet, { classes: { benign: 20, malignant: 20 }, size: 16, seed: 3 });
      makeClassDataset(newImages, { classes: { benign: 5, malignant: 5 }, size: 16, seed: 5, layout: 'flat' });
      trainingId = await trainTinyModel(core, trainingSet);
      runIds.push(trainingId);
    },
  });
  const { dir, dialogs, runIds } = session;
  const trainingSet = path.join(dir, 'training');
  const newImages = path.join(dir, 'new-images');
  let trainingId = '';
  let record: PredictionRecord;

  const rowCount = () => session.app.page.getByTestId('prediction-row').count();
  /** The rows the table shows, as (sample, predicted class, probability). */
  const shownRows = () =>
    session.app.page.getByTestId('prediction-row').evaluateAll((rows) => rows.map((row) => ({ sample: row.getAttribute('data-sample')!, predicted: row.getAttribute('data-predicted')!, probability: Number(row.getAttribute('data-probability')) })));

  it('offers the finished training, checks the chosen image folder, and says what is missing', async () => {
    await session.app.page.getByTestId('nav-predict').click();
    const model = session.app.page.locator(`[data-testid=predict-model-run][data-run-id="${trainingId}"]`);
    await model.waitFor({ timeout: 30_000 });
    expect(await model.textContent()).toMatch(/Vanilla[\s\S]*standard[\s\S]*2D[\s\S]*Trained on training \(benign, malignant\)[\s\S]*best val_loss \d/);
    expect(await session.app.page.getByTestId('predict-start').isDisabled()).toBe(true);
    expect(await session.app.page.getByTestId('predict-problems').textContent()).toMatch(/Choose a model\.[\s\S]*Choose the images to classify\./);
    expect(await session.app.page.getByTestId('predict-batch').inputValue()).toBe('12');
    expect(await session.app.page.getByTestId('predict-workers').inputValue()).toBe('1');

    await model.click();
    expect(await model.locator('input[type=radio]').isChecked()).toBe(true);
    dialogs.folderQueue.push(newImages);
    await session.app.page.getByTestId('predict-images-choose').click();
    await session.app.page.getByTestId('predict-images-verdict').filter({ hasText: 'Ready' }).waitFor({ timeout: 60_000 });
    expect(await session.app.page.getByTestId('predict-images-count').textContent()).toMatch(/^10 2D images/);
    expect(await session.app.page.getByTestId('predict-problems').count()).toBe(0);
  }, 120_000);

  it('shows the core’s refusal of an incomplete model folder as a sentence with what to do, and starts nothing', async () => {
    const broken = path.join(dir, 'broken-model');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'meta.training.json'), JSON.stringify({ class_names: ['benign', 'malignant'], analysis: 'standard', architecture: 'Vanilla', three_dim: false }));
    dialogs.folderQueue.push(broken);
    await session.app.page.getByTestId('predict-model-folder').click();
    expect(await session.app.page.getByTestId('predict-model-dir').textContent()).toContain(broken);
    // Said as soon as the folder is chosen, before any start.
    const checked = session.app.page.getByTestId('predict-model-dir-problem');
    await checked.waitFor({ timeout: 30_000 });
    expect(await checked.textContent()).toMatch(/incomplete: model\.best_loss\.keras is missing[\s\S]*What to do:/);
    await session.app.page.getByTestId('predict-start').click();
    const refusal = session.app.page.getByTestId('predict-start-error');
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.textContent()).toMatch(/What to do:/);
    expect(await session.app.page.getByTestId('page-predict').count()).toBe(1);
    const runs = await session.core.handlers['runs:list']({});
    expect(runs.ok && runs.data.filter((run) => run.mode === 'prediction')).toEqual([]);
  }, 60_000);

  it('shows what a chosen model folder holds', async () => {
    const trained = session.core.runs.get(trainingId);
    dialogs.folderQueue.push(trained.outputDir);
    await session.app.page.getByTestId('predict-model-folder').click();
    const facts = session.app.page.getByTestId('predict-model-dir-facts');
    await facts.waitFor({ timeout: 30_000 });
    expect(await facts.textContent()).toBe('standard analysis · Vanilla · 2D · classes benign, malignant');
    expect(await session.app.page.getByTestId('predict-model-dir-problem').count()).toBe(0);
  }, 60_000);

  it('starts a prediction with heat maps and opens its run page', async () => {
    await session.app.page.locator(`[data-testid=predict-model-run][data-run-id="${trainingId}"]`).click();
    expect(await session.app.page.getByTestId('predict-model-dir').count()).toBe(0);
    expect(await session.app.page.getByTestId('predict-start-error').count()).toBe(0);
    await session.app.page.getByTestId('predict-xai-on').check();
    expect(await session.app.page.getByTestId('predict-xai-method').inputValue()).toBe('gradcam');
    expect(await session.app.page.getByTestId('predict-xai').textContent()).toMatch(/heat map colours the parts of an image/);
    await session.app.page.getByTestId('predict-batch').fill('4');
    await session.app.page.getByTestId('predict-cpu-note').waitFor({ timeout: 60_000 });
    expect(await session.app.page.getByTestId('predict-gpu').inputValue()).toBe('none');
    await session.app.screenshot('predict');

    await session.app.page.getByTestId('predict-start').click();
    await session.app.page.getByTestId('page-run').waitFor({ timeout: 60_000 });
    const list = await session.core.handlers['runs:list']({});
    if (!list.ok) throw new Error(list.error.message);
    const started = list.data.find((run) => run.mode === 'prediction')!;
    runIds.push(started.id);
    expect(started.command).toEqual(expect.arrayContaining(['prediction', '--xai_method', 'gradcam', '--batch_size', '4']));
    expect(await session.app.page.locator('h1').textContent()).toBe('Prediction: Vanilla model');
    expect(await session.app.page.getByTestId('model-run-link').getAttribute('data-run-id')).toBe(trainingId);

    await session.app.page.locator('[data-testid=run-state][data-state=succeeded]').waitFor({ timeout: 180_000 });
    const response = await session.core.handlers['runs:get']({ runId: started.id });
    if (!response.ok || response.data.mode !== 'prediction') throw new Error('no prediction record');
    record = response.data;
    expect(await session.app.page.getByTestId('run-sentence').textContent()).toMatch(/The prediction finished/);
  }, 240_000);

  it('lists one row per image with the class preds.csv gives it', async () => {
    const preds = readPredsCsv(path.join(record.outputDir, 'preds.csv'));
    expect(preds.rows).toHaveLength(10);
    await session.app.page.getByTestId('prediction-row').first().waitFor({ timeout: 30_000 });
    const rows = await shownRows();
    expect(rows).toHaveLength(preds.rows.length);
    expect(Object.fromEntries(rows.map((row) => [row.sample, row.predicted]))).toEqual(Object.fromEntries(preds.rows.map((row) => [row.sample, row.best])));
    expect(await session.app.page.getByTestId('run-results').textContent()).toMatch(/preds\.csv[\s\S]*stays exactly as AUCMEDI wrote it/);

    // Sorted by probability, highest first, with one click.
    await session.app.page.getByTestId('prediction-sort-probability').click();
    const byProbability = (await shownRows()).map((row) => row.probability);
    expect(byProbability).toEqual([...byProbability].sort((a, b) => b - a));
    await session.app.page.getByTestId('prediction-sort-sample').click();
  });

  it('filters by predicted class and by a confidence threshold, with the counts computed from preds.csv', async () => {
    const preds = readPredsCsv(path.join(record.outputDir, 'preds.csv'));
    const benign = preds.rows.filter((row) => row.best === 'benign').length;
    await session.app.page.getByTestId('prediction-filter-class').selectOption('benign');
    await session.app.page.waitForFunction((n) => document.querySelectorAll('[data-testid=prediction-row]').length === n, benign);
    expect(await rowCount()).toBe(benign);
    expect((await shownRows()).every((row) => row.predicted === 'benign')).toBe(true);

    await session.app.page.getByTestId('prediction-filter-class').selectOption('');
    // A threshold that splits the images: the median of the highest probabilities, rounded up to a whole percent.
    const tops = preds.rows.map((row) => row.top).sort((a, b) => a - b);
    const threshold = Math.min(100, Math.ceil(tops[Math.floor(tops.length / 2)]! * 100));
    const unsure = preds.rows.filter((row) => row.top < threshold / 100).length;
    await session.app.page.getByTestId('prediction-filter-below').fill(String(threshold));
    await session.app.page.waitForFunction((n) => document.querySelectorAll('[data-testid=prediction-row]').length === n, unsure);
    expect(await rowCount()).toBe(unsure);
    expect(await session.app.page.getByTestId('prediction-count').getAttribute('data-matching')).toBe(String(unsure));

    // Both filters, then export exactly those rows.
    await session.app.page.getByTestId('prediction-filter-class').selectOption('malignant');
    const both = preds.rows.filter((row) => row.best === 'malignant' && row.top < threshold / 100);
    await session.app.page.waitForFunction((n) => document.querySelectorAll('[data-testid=prediction-row]').length === n, both.length);
    const exported = path.join(dir, 'exported.csv');
    dialogs.saveQueue.push(exported);
    await session.app.page.getByTestId('prediction-export').click();
    await session.app.page.getByTestId('prediction-exported').waitFor({ timeout: 10_000 });
    expect(await session.app.page.getByTestId('prediction-exported').textContent()).toContain(`Saved to ${exported}`);
    const lines = readFileSync(exported, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('SAMPLE,benign,malignant,PREDICTED,PROBABILITY');
    expect(lines.slice(1).map((line) => line.split(',')[0]).sort()).toEqual(both.map((row) => row.sample).sort());
    expect(lines.slice(1).every((line) => line.split(',')[3] === 'malignant')).toBe(true);

    await session.app.page.getByTestId('prediction-filter-class').selectOption('');
    await session.app.page.getByTestId('prediction-filter-below').fill('');
    await session.app.page.waitForFunction(() => document.querySelectorAll('[data-testid=prediction-row]').length === 10);
  }, 60_000);

  it('shows a thumbnail of every image and, on request, its heat map beside it', async () => {
    await session.app.page.getByTestId('prediction-row').last().scrollIntoViewIfNeeded();
    await session.app.page.waitForFunction(() => document.querySelectorAll('[data-testid=image-thumb]').length === 10, null, { timeout: 30_000 });
    expect(await session.app.page.getByTestId('heatmap-thumb').count()).toBe(0);
    await session.app.page.getByTestId('prediction-heatmaps').check();
    // Thumbnails are read when their row comes into view.
    await session.app.page.getByTestId('prediction-row').last().scrollIntoViewIfNeeded();
    await session.app.page.waitForFunction(() => document.querySelectorAll('[data-testid=heatmap-thumb]').length === 10, null, { timeout: 30_000 });
    const sizes = await session.app.page.getByTestId('heatmap-thumb').evaluateAll((images) => images.map((image) => (image as HTMLImageElement).naturalWidth));
    expect(sizes.every((width) => width > 0 && width <= 64)).toBe(true);

    // A click shows the image and its heat map large, below the row.
    await session.app.page.getByTestId('prediction-open').first().click();
    const detail = session.app.page.getByTestId('prediction-detail');
    await detail.getByTestId('image-large').waitFor({ timeout: 10_000 });
    await detail.getByTestId('heatmap-large').waitFor({ timeout: 10_000 });
    expect(await session.app.page.getByTestId('prediction-detail').count()).toBe(1);
    await session.app.page.getByTestId('prediction-results').scrollIntoViewIfNeeded();
    await session.app.screenshot('prediction-results');
    await session.app.page.getByTestId('prediction-open').first().click();
    expect(await session.app.page.getByTestId('prediction-detail').count()).toBe(0);
  }, 60_000);

  it('lists the prediction on the Runs page with its mode, and links to the training it used', async () => {
    await session.app.page.getByTestId('nav-runs').click();
    const row = session.app.page.locator(`[data-testid=runs-row][data-run-id="${record.id}"]`);
    await row.waitFor();
    expect(await row.getByTestId('runs-mode').textContent()).toBe('Prediction');
    expect(await row.textContent()).toMatch(/new-images[\s\S]*Vanilla[\s\S]*model of the training of [\s\S]*10 images classified, with heat maps/);
    expect(await session.app.page.locator(`[data-testid=runs-row][data-run-id="${trainingId}"] [data-testid=runs-mode]`).textContent()).toBe('Training');
    // Only trainings can be compared.
    expect(await row.getByTestId('runs-compare-tick').count()).toBe(0);
    await session.app.screenshot('runs-with-prediction');
    await row.getByTestId('model-run-link').click();
    await session.app.page.locator('h1').filter({ hasText: 'Training run: Vanilla' }).waitFor();
  });

  it('made no outside request and logged no error', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
