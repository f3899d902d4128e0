import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { STAND_IN_TAG } from '../helpers/docker-cli';
import { appSession } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

/* The app opens on Setup the first time and while something is missing, else on the last page. */
describe.runIf(ready)('the page the window opens on (real UI, real core, real engine)', () => {
  const session = appSession();
  const page = () => session.app.page;
  const settings = () => new JsonFileSettingsStore(path.join(session.dataDir, 'settings.json'));

  it('opens on Setup the first time, and on the last page once engine and image are there', async () => {
    await page().getByTestId('page-setup').waitFor({ timeout: 20_000 });
    await page().getByTestId('nav-predict').click();
    await page().getByTestId('page-predict').waitFor();
    await page().reload();
    await page().getByTestId('page-predict').waitFor({ timeout: 20_000 });
    expect(await page().getByTestId('nav-predict').getAttribute('aria-current')).toBe('page');
  });

  it('opens on Setup while the AUCMEDI image in use is missing', async () => {
    settings().write({ ...settings().read(), imageRef: 'aucmedi-desk/not-loaded:0.0.0' });
    try {
      await page().reload();
      await page().getByTestId('images-card').or(page().getByTestId('page-setup')).first().waitFor({ timeout: 20_000 });
      // the checks take a moment; the page must stay Setup after them
      await page().waitForTimeout(1_500);
      expect(await page().getByTestId('page-setup').count()).toBe(1);
    } finally {
      settings().write({ ...settings().read(), imageRef: STAND_IN_TAG });
    }
  });
});
