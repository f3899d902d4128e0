import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium } from '../helpers/requirements';
import { snapshotFolder } from '../helpers/snapshot';
import { tempDir } from '../helpers/temp';
import { launchBrowser, openApp, ScriptedDialogs, type AppPage } from './harness';

const ready = requireChromium() && requireBuild();

describe.runIf(ready)('Dataset page (real UI in Chromium, real core)', () => {
  const dir = tempDir();
  const dataset = path.join(dir, 'chest x-ray (Ärzte) 🩻');
  const dialogs = new ScriptedDialogs();
  let before: string[];
  let browser: Browser;
  let core: Core;
  let app: AppPage;

  beforeAll(async () => {
    makeClassDataset(dataset, { classes: { normal: 40, pneumonia: 3 }, size: 48, seed: 7 });
    writeFileSync(path.join(dataset, 'normal', 'notes.txt'), 'seen by Dr. A');
    mkdirSync(path.join(dataset, 'pneumonia', 'old'));
    before = snapshotFolder(dataset);
    core = createCore({ settings: new JsonFileSettingsStore(path.join(dir, 'settings.json')), dialogs });
    browser = await launchBrowser();
    app = await openApp(browser, core);
    await app.page.getByTestId('nav-dataset').click();
  });
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    core?.dispose();
  });

  it('checks a dropped folder: class bars, 2D, the problems with what to do, previews', async () => {
    await app.drop('[data-testid=dataset-drop]', [dataset]);
    await app.page.getByTestId('dataset-report').waitFor({ timeout: 60_000 });
    const bars = app.page.getByTestId('class-bar');
    expect(await bars.count()).toBe(2);
    expect(await bars.nth(0).textContent()).toBe('normal40');
    expect(await bars.nth(1).textContent()).toBe('pneumonia3');
    expect(await app.page.getByTestId('dataset-dimensionality').textContent()).toMatch(/^43 2D images/);
    expect(await app.page.getByTestId('dataset-interface').textContent()).toBe('one folder per class');
    const warnings = app.page.getByTestId('problem-warning');
    const codes = await warnings.evaluateAll((items) => items.map((item) => item.getAttribute('data-code')));
    expect(codes).toEqual(expect.arrayContaining(['CLASS_IMBALANCE', 'SMALL_CLASS', 'IGNORED_NON_IMAGE', 'NESTED_FOLDERS']));
    expect(await app.page.getByTestId('problem-list').textContent()).toMatch(/What to do:/);
    // Previews arrive one by one: wait for the fourth before counting.
    await app.page.getByTestId('preview-image').nth(3).waitFor({ timeout: 30_000 });
    expect(await app.page.getByTestId('preview-image').count()).toBeGreaterThanOrEqual(4);
    const width = await app.page.getByTestId('preview-image').first().evaluate((img) => (img as HTMLImageElement).naturalWidth);
    expect(width).toBeLessThanOrEqual(112);
    await app.screenshot('dataset');
  });

  it('shows errors that would make AUCMEDI fail', async () => {
    const broken = path.join(dir, 'broken');
    makeClassDataset(broken, { classes: { a: 5, b: 5 }, seed: 3 });
    writeFileSync(path.join(broken, 'b', 'a_000.png'), readFileSync(path.join(broken, 'a', 'a_001.png')));
    mkdirSync(path.join(broken, 'c'));
    dialogs.folderQueue.push(broken);
    await app.page.getByTestId('dataset-choose').click();
    await app.page.getByTestId('dataset-verdict').filter({ hasText: 'to fix' }).waitFor({ timeout: 60_000 });
    const codes = await app.page.getByTestId('problem-error').evaluateAll((items) => items.map((item) => item.getAttribute('data-code')));
    expect(codes).toEqual(expect.arrayContaining(['DUPLICATE_NAMES', 'EMPTY_CLASS']));
    await app.screenshot('dataset-errors');
  });

  it('explains a folder that does not exist, and several dropped folders', async () => {
    await app.drop('[data-testid=dataset-drop]', [path.join(dir, 'nope')]);
    await app.page.getByTestId('dataset-error').waitFor({ timeout: 30_000 });
    expect(await app.page.getByTestId('dataset-error').textContent()).toMatch(/What to do:/);
    await app.drop('[data-testid=dataset-drop]', [dataset, dir]);
    expect(await app.page.getByTestId('dataset-error').textContent()).toMatch(/2 items were dropped; only one is used at a time/);
  });

  it('lists recently used datasets', async () => {
    const recent = app.page.getByTestId('recent-datasets');
    await recent.waitFor();
    expect(await recent.textContent()).toContain(dataset);
  });

  it('never changed the dataset, made no outside request and logged no error', () => {
    expect(snapshotFolder(dataset)).toEqual(before);
    expect(app.foreignRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });
});
