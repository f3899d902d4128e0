import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { launchBrowser, openApp, ScriptedDialogs, type AppPage } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Train, Run and Runs pages (real UI, real core, real engine, stand-in image)', () => {
  const dir = tempDir();
  const dataset = path.join(dir, 'lesions');
  const dataDir = path.join(dir, 'app-data');
  const dialogs = new ScriptedDialogs();
  let browser: Browser;
  let core: Core;
  let app: AppPage;
  let runId = '';

  const points = (testId: string) => app.page.getByTestId(testId).locator('svg[data-points]').getAttribute('data-points').then(Number);
  const epochValue = () => app.page.getByTestId('epoch-bar').getAttribute('data-value').then(Number);
  const runsOnRecord = async () => {
    const response = await core.handlers['runs:list']({});
    if (!response.ok) throw new Error(response.error.message);
    return response.data;
  };

  beforeAll(async () => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { benign: 24, malignant: 24 }, size: 16, seed: 11 });
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir, dialogs, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.1'] });
    browser = await launchBrowser();
    app = await openApp(browser, core);
  }, 900_000);
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    if (runId) {
      // A failing test must not leave a training container behind.
      await core?.handlers['runs:stop']({ runId }).catch(() => undefined);
      docker(['rm', '-f', ...docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${runId}`]).stdout.split('\n').filter(Boolean)], { allowFail: true });
    }
    core?.dispose();
  });

  it('asks for a checked dataset first', async () => {
    await app.page.getByTestId('nav-train').click();
    await app.page.getByTestId('train-no-dataset').waitFor();
    expect(await app.page.getByTestId('train-no-dataset').textContent()).toMatch(/no checked dataset[\s\S]*What to do:/);
    await app.page.getByTestId('train-go-dataset').click();
    await app.page.getByTestId('page-dataset').waitFor();
  });

  it('starts a Vanilla run on the CPU with the chosen settings', async () => {
    dialogs.folderQueue.push(dataset);
    await app.page.getByTestId('dataset-choose').click();
    await app.page.getByTestId('dataset-verdict').filter({ hasText: 'Ready for training' }).waitFor({ timeout: 60_000 });

    await app.page.getByTestId('nav-train').click();
    await app.page.getByTestId('arch-search').waitFor({ timeout: 30_000 });
    // Only 2D architectures, with AUCMEDI's defaults in the fields.
    expect(await app.page.getByTestId('train-epochs').inputValue()).toBe('500');
    expect(await app.page.getByTestId('train-batch').inputValue()).toBe('24');
    expect(await app.page.getByTestId('arch-ResNet18').count()).toBe(0); // a 3D-only architecture
    await app.page.getByTestId('arch-search').fill('vanil');
    expect(await app.page.locator('label[data-testid^="arch-"]').count()).toBe(1);
    await app.page.getByTestId('arch-Vanilla').click();
    expect(await app.page.getByTestId('arch-Vanilla').textContent()).toMatch(/no weights needed/);
    await app.page.getByTestId('train-epochs').fill('60');
    await app.page.getByTestId('train-batch').fill('8');
    // No GPU in this machine's engine: the CPU is preselected and said so.
    await app.page.getByTestId('train-cpu-note').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('train-gpu').inputValue()).toBe('none');
    await app.page.getByTestId('train-gpu').selectOption('none');
    expect(await app.page.getByTestId('train-problems').count()).toBe(0);
    await app.page.getByTestId('arch-search').fill('');
    await app.screenshot('train');

    await app.page.getByTestId('train-start').click();
    await app.page.getByTestId('page-run').waitFor({ timeout: 60_000 });
    const runs = await runsOnRecord();
    expect(runs).toHaveLength(1);
    runId = runs[0]!.id;
    expect(runs[0]!.command).toEqual(expect.arrayContaining(['--architecture', 'Vanilla', '--epochs', '60', '--batch_size', '8']));
    expect(await app.page.getByTestId('run-output-live').textContent()).toBe(path.join(dir, 'runs', runId));
  }, 120_000);

  it('shows the run live: state, growing charts, moving progress, a ticking clock and the log', async () => {
    await app.page.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor({ timeout: 30_000 });
    await app.page.waitForFunction(() => Number(document.querySelector('[data-testid=chart-loss] svg[data-points]')?.getAttribute('data-points')) >= 4, null, { timeout: 60_000 });
    const firstPoints = await points('chart-loss');
    const firstEpoch = await epochValue();
    const firstElapsed = await app.page.getByTestId('run-elapsed').textContent();
    await app.page.waitForFunction((n) => Number(document.querySelector('[data-testid=chart-loss] svg[data-points]')?.getAttribute('data-points')) > n + 2, firstPoints, { timeout: 60_000 });
    expect(await epochValue()).toBeGreaterThan(firstEpoch);
    expect(await app.page.getByTestId('run-elapsed').textContent()).not.toBe(firstElapsed);
    expect(await points('chart-auc')).toBeGreaterThan(0);
    expect(await points('chart-lr')).toBeGreaterThan(0);
    expect(await app.page.getByTestId('run-phase').textContent()).toMatch(/Phase [12] of 2/);
    expect(await app.page.getByTestId('best-epoch').textContent()).toMatch(/Best so far: epoch \d+, val_loss/);
    await app.page.getByTestId('log-count').filter({ hasText: /[1-9]\d* lines/ }).waitFor({ timeout: 10_000 });
    expect(await app.page.getByTestId('log-panel').textContent()).toMatch(/Epoch \d+\/(10|60)/);

    // Hovering a chart reads out the values of the nearest epoch.
    const chart = app.page.getByTestId('chart-loss').locator('svg[data-points]');
    const box = (await chart.boundingBox())!;
    await chart.hover({ position: { x: box.width * 0.5, y: box.height * 0.5 } });
    expect(await app.page.getByTestId('chart-tooltip').textContent()).toMatch(/Epoch \d+[\s\S]*val_loss \(validation\): \d/);
    await app.page.mouse.move(0, 0);
    await app.screenshot('run-live');
  }, 120_000);

  it('stops after an inline confirmation: cancelled, with the saved model files listed', async () => {
    await app.page.getByTestId('run-stop').click();
    await app.page.getByTestId('stop-confirm').waitFor();
    await app.page.getByTestId('stop-no').click();
    expect(await app.page.getByTestId('stop-confirm').count()).toBe(0);
    expect(await app.page.getByTestId('run-state').getAttribute('data-state')).toBe('running');

    await app.page.getByTestId('run-stop').click();
    await app.page.getByTestId('stop-yes').click();
    await app.page.locator('[data-testid=run-state][data-state=cancelled]').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('run-sentence').textContent()).toMatch(/You stopped this run/);
    const files = await app.page.getByTestId('run-model-files').textContent();
    expect(files).toContain('model.best_loss.keras');
    expect(await app.page.getByTestId('run-output-dir').textContent()).toBe(path.join(dir, 'runs', runId));
    expect(await app.page.getByTestId('run-final-metrics').textContent()).toMatch(/val_loss/);
    const record = await core.handlers['runs:get']({ runId });
    expect(record).toMatchObject({ ok: true, data: { state: 'cancelled' } });
    if (record.ok && record.data.mode === 'training') expect(record.data.epochs.length).toBeLessThan(60);
    await app.screenshot('run-cancelled');
  }, 120_000);

  it('lists the run on the Runs page and opens it from there', async () => {
    await app.page.getByTestId('nav-runs').click();
    await app.page.getByTestId('runs-table').waitFor();
    const rows = app.page.getByTestId('runs-row');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/Cancelled[\s\S]*lesions[\s\S]*Vanilla/);
    await app.screenshot('runs');
    await rows.first().click();
    await app.page.locator('[data-testid=run-state][data-state=cancelled]').waitFor();
    // The log of an ended run is one click away, read to its end: the panel shows its last line.
    // (Only the lines in view are in the page, and how many a stop's traceback takes varies.)
    await app.page.getByTestId('run-log-toggle').click();
    await app.page.getByTestId('log-count').filter({ hasText: /[1-9]\d* lines/ }).waitFor({ timeout: 10_000 });
    const log = await core.handlers['runs:log']({ runId, offset: 0 });
    if (!log.ok) throw new Error(log.error.message);
    expect(log.data.text).toMatch(/Epoch \d+: val_loss/);
    const lastLine = log.data.text.split(/\r\n|\r|\n/).map((line) => line.trim()).filter(Boolean).at(-1)!;
    expect(await app.page.getByTestId('log-panel').textContent()).toContain(lastLine);
  });

  it('refuses DenseNet121 without its pretrained weights, says what to do and starts nothing', async () => {
    await app.page.getByTestId('nav-train').click();
    await app.page.getByTestId('arch-search').fill('dense');
    await app.page.getByTestId('arch-DenseNet121').click();
    expect(await app.page.getByTestId('weights-hint').textContent()).toMatch(/DenseNet121 must be imported first/);
    await app.page.getByTestId('train-start').click();
    const problem = app.page.getByTestId('train-start-error');
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.textContent()).toMatch(/pretrained weights for DenseNet121 are not on this computer[\s\S]*What to do:[\s\S]*Vanilla/);
    expect(await app.page.getByTestId('page-train').count()).toBe(1);
    expect(await runsOnRecord()).toHaveLength(1);
    await app.screenshot('train-weights-missing');
  }, 60_000);

  it('deletes the run: the record after one confirmation, its files only after a second', async () => {
    const record = await core.handlers['runs:get']({ runId });
    if (!record.ok) throw new Error(record.error.message);
    const outputDir = record.data.outputDir;
    expect(existsSync(outputDir)).toBe(true);
    await app.page.getByTestId('nav-runs').click();
    await app.page.getByTestId('run-delete').click();
    await app.page.getByTestId('run-delete-files-step').click();
    expect(await app.page.getByTestId('runs-table').textContent()).toContain(`Delete the folder ${outputDir}`);
    await app.page.getByTestId('run-delete-files').click();
    await app.page.getByTestId('runs-table').waitFor({ state: 'detached', timeout: 10_000 });
    expect(existsSync(outputDir)).toBe(false);
    expect(await runsOnRecord()).toHaveLength(0);
  });

  it('a small epoch count: the Train page and the run show the real total, as AUCMEDI trains at least 10', async () => {
    await app.page.getByTestId('nav-train').click();
    await app.page.getByTestId('arch-search').fill('vanil');
    await app.page.getByTestId('arch-Vanilla').click();
    await app.page.getByTestId('analysis-minimal').click();
    await app.page.getByTestId('train-epochs').fill('3');
    expect(await app.page.getByTestId('train-epochs-note').textContent()).toBe(
      '3 requested: AUCMEDI trains at least 10 (its first phase is always 10 epochs), so this run trains 10 epochs.',
    );
    await app.screenshot('train-few-epochs');
    await app.page.getByTestId('train-epochs').fill('25');
    expect(await app.page.getByTestId('train-epochs-note').textContent()).toBe(
      "This run trains AUCMEDI's first phase of 10 epochs, then 15 more fine-tuning the whole network: 25 in all.",
    );
    await app.page.getByTestId('train-epochs').fill('3');
    await app.page.getByTestId('train-start').click();
    await app.page.getByTestId('page-run').waitFor({ timeout: 60_000 });
    const run = (await runsOnRecord()).find((r) => r.mode === 'training' && r.options.epochs === 3)!;
    runId = run.id;
    expect(run.command).toEqual(expect.arrayContaining(['--epochs', '3'])); // AUCMEDI gets what was asked; the app says what it does with it
    expect(await app.page.getByTestId('epoch-bar').getAttribute('data-max')).toBe('10');
    expect(await app.page.getByTestId('run-epochs-note').textContent()).toContain('so this run trains 10 epochs');
    await app.page.locator('[data-testid=run-state][data-state=succeeded]').waitFor({ timeout: 120_000 });
    expect(await app.page.getByTestId('epoch-bar').getAttribute('data-value')).toBe('10');
    expect(await app.page.getByTestId('epoch-bar').getAttribute('data-max')).toBe('10');
    expect(await app.page.getByTestId('epoch-bar').textContent()).toContain('Epoch 10 of 10');
    const record = await core.handlers['runs:get']({ runId });
    if (!record.ok || record.data.mode !== 'training') throw new Error('no training record');
    expect(record.data.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await app.screenshot('run-few-epochs');
  }, 180_000);

  it('made no outside request and logged no error', () => {
    expect(app.foreignRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });
});
