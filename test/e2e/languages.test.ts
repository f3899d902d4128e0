import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { appSession, trainTinyModel } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

/**
 * Every page in German and in English, with a dataset, a trained run and a model chosen so that the
 * pages hold their longest texts; each screenshot is kept (test/e2e/screenshots/lang-*.png) and
 * each page is checked for text that is cut off or overflows.
 */
describe.runIf(ready)('German and English (real UI in Chromium, real core, real engine)', () => {
  const session = appSession({
    prepare: async (core) => {
      makeClassDataset(dataset, { classes: { benign: 12, malignant: 12 }, size: 16, seed: 9 });
      makeClassDataset(images, { classes: { benign: 3, malignant: 3 }, size: 16, seed: 4, layout: 'flat' });
      trainingId = await trainTinyModel(core, dataset, 3);
      runIds.push(trainingId);
    },
  });
  const { dir, dataDir, dialogs, runIds } = session;
  const dataset = path.join(dir, 'lesions');
  const images = path.join(dir, 'new-images');
  let trainingId = '';
  const page = () => session.app.page;
  const storedLanguage = () => (JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as { language?: string }).language;

  /** Elements whose text does not fit: clipped boxes, text running out of a button, a page wider than the window. */
  const overflowing = () =>
    page().evaluate(() => {
      const found: string[] = [];
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > width + 1) found.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
      for (const element of document.querySelectorAll<HTMLElement>('main *, nav *')) {
        if (element.closest('svg, canvas, pre, code, table') || element.getClientRects().length === 0) continue;
        const rect = element.getBoundingClientRect();
        // a visually hidden label (1px, clipped) is read by screen readers only
        if (rect.width <= 1 || rect.height <= 1) continue;
        const style = getComputedStyle(element);
        if (style.display === 'inline' || style.display === 'contents') continue;
        const scrolls = style.overflowX === 'auto' || style.overflowX === 'scroll';
        const clips = style.overflowX === 'hidden' || style.overflowX === 'clip' || style.textOverflow === 'ellipsis';
        const tooWide = element.scrollWidth > element.clientWidth + 1;
        const isControl = /^(BUTTON|SELECT|LABEL|SUMMARY|DT|DD|TH|H1|H2|H3)$/.test(element.tagName) || element.classList.contains('nav-item');
        const name = `${element.tagName.toLowerCase()}${element.dataset.testid ? `[${element.dataset.testid}]` : ''} "${(element.textContent ?? '').trim().slice(0, 60)}"`;
        if (!scrolls && tooWide && (clips || isControl)) found.push(`${name}: text needs ${element.scrollWidth}px, has ${element.clientWidth}px`);
        if (rect.right > width + 1) found.push(`${name}: reaches ${Math.round(rect.right)}px in a ${width}px window`);
      }
      return found;
    });

  const visitEveryPage = async (language: 'de' | 'en') => {
    const problems: string[] = [];
    const check = async (name: string) => {
      await page().waitForTimeout(300);
      await session.app.screenshot(`lang-${language}-${name}`);
      problems.push(...(await overflowing()).map((problem) => `${name}: ${problem}`));
    };
    await page().getByTestId('nav-setup').click();
    await page().getByTestId('engine-version').waitFor({ timeout: 30_000 });
    await check('setup');

    dialogs.folderQueue.push(dataset);
    await page().getByTestId('nav-dataset').click();
    await page().getByTestId('dataset-choose').click();
    await page().getByTestId('dataset-verdict').waitFor({ timeout: 60_000 });
    await check('dataset');

    await page().getByTestId('nav-train').click();
    await check('train');

    await page().getByTestId('nav-runs').click();
    await page().getByTestId('runs-row').first().waitFor({ timeout: 30_000 });
    await check('runs');
    await page().getByTestId('runs-open').first().click();
    await page().getByTestId('page-run').waitFor({ timeout: 30_000 });
    await check('run');

    await page().getByTestId('nav-predict').click();
    dialogs.folderQueue.push(session.core.runs.get(trainingId).outputDir);
    await page().getByTestId('predict-model-folder').click();
    await page().getByTestId('predict-model-dir-facts').waitFor({ timeout: 30_000 });
    dialogs.folderQueue.push(images);
    await page().getByTestId('predict-images-choose').click();
    await page().getByTestId('predict-images-verdict').waitFor({ timeout: 60_000 });
    await check('predict');

    await page().getByTestId('nav-evaluate').click();
    await check('evaluate');
    return problems;
  };

  it('switches to German on the Setup page at once, and keeps it after a reload', async () => {
    await page().getByTestId('nav-setup').click();
    expect(await page().getByTestId('nav-setup').textContent()).toBe('Setup');
    await page().getByTestId('language-select').selectOption('de');
    await page().getByTestId('nav-setup').filter({ hasText: 'Einrichtung' }).waitFor({ timeout: 5_000 });
    expect(await page().evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await page().getByTestId('nav-predict').textContent()).toBe('Vorhersage');
    await expect.poll(storedLanguage, { timeout: 5_000 }).toBe('de');

    await page().reload();
    await page().getByTestId('nav-setup').filter({ hasText: 'Einrichtung' }).waitFor({ timeout: 10_000 });
    expect(await page().getByTestId('language-select').inputValue()).toBe('de');
  });

  it('shows every page in German with nothing cut off', async () => {
    expect(await visitEveryPage('de')).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  }, 180_000);

  it('switches back to English and shows every page with nothing cut off', async () => {
    await page().getByTestId('nav-setup').click();
    await page().getByTestId('language-select').selectOption('en');
    await page().getByTestId('nav-setup').filter({ hasText: 'Setup' }).waitFor({ timeout: 5_000 });
    await expect.poll(storedLanguage, { timeout: 5_000 }).toBe('en');
    expect(await visitEveryPage('en')).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  }, 180_000);
});
