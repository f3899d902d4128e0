import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { dockerServerVersion, requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { list } from 'tar';
import { launchBrowser, openApp, ScriptedDialogs, type AppPage } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Setup page (real UI in Chromium, real core, real engine)', () => {
  const dir = tempDir();
  const settingsFile = path.join(dir, 'settings.json');
  let browser: Browser;
  let core: Core;
  let app: AppPage;
  const dialogs = new ScriptedDialogs();

  beforeAll(async () => {
    core = createCore({ settings: new JsonFileSettingsStore(settingsFile), dialogs, noticesFile: path.resolve('dist/THIRD-PARTY-NOTICES'), watchTimings: { okIntervalMs: 300, minBackoffMs: 200, maxBackoffMs: 500 } });
    core.start();
    browser = await launchBrowser();
    app = await openApp(browser, core);
  });
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    core?.dispose();
  });

  const state = () => app.page.getByTestId('engine-state');
  const waitForState = (text: string) => app.page.getByTestId('engine-state').filter({ hasText: text }).waitFor({ timeout: 20_000 });

  it("shows the real engine's version", async () => {
    await waitForState('Ready');
    expect(await app.page.getByTestId('engine-version').textContent()).toBe(dockerServerVersion());
    expect(await app.page.getByTestId('engine-message').textContent()).toMatch(/is running and ready/);
    const file = await app.screenshot('setup');
    expect(existsSync(file)).toBe(true);
  });

  it('shows what the GPU can do, as the core detects it', async () => {
    const report = await core.handlers['gpu:detect']({});
    if (!report.ok) throw new Error(report.error.message);
    await app.page.getByTestId('gpu-message').waitFor({ timeout: 30_000 });
    expect(await app.page.getByTestId('gpu-message').textContent()).toContain(report.data.message);
    if (!report.data.ok) expect(await app.page.getByTestId('gpu-problem').textContent()).toContain(report.data.action);
    await app.screenshot('setup-gpu');
  });

  it('shows the not-running diagnosis with its action when pointed at a missing socket, and recovers when pointed back', async () => {
    const dead = `unix://${path.join(dir, 'dead.sock')}`;
    await app.page.getByTestId('endpoint-input').fill(dead);
    await app.page.getByTestId('endpoint-save').click();
    await waitForState('Not running');
    const problem = app.page.getByTestId('engine-problem');
    expect(await problem.textContent()).toMatch(/There is no Docker socket at \S*dead\.sock \(the address set in Settings\)/);
    expect(await problem.textContent()).toMatch(/What to do: Start Docker, or correct the engine address in Settings, or clear it/);
    expect(await app.page.getByTestId('engine-endpoint').textContent()).toBe(dead);
    expect(new JsonFileSettingsStore(settingsFile).read().engineEndpoint).toBe(dead);
    await app.screenshot('setup-not-running');

    await app.page.getByTestId('endpoint-auto').click();
    await waitForState('Ready');
    expect(await app.page.getByTestId('engine-version').textContent()).toBe(dockerServerVersion());
  });

  it('updates by itself when the engine changes behind its back (events pushed from the core)', async () => {
    const store = new JsonFileSettingsStore(settingsFile);
    store.write({ ...store.read(), engineEndpoint: `unix://${path.join(dir, 'elsewhere.sock')}` });
    await waitForState('Not running');
    store.write({ ...store.read(), engineEndpoint: null });
    await waitForState('Ready');
  });

  it('rejects an invalid engine address with a clear message and keeps the old one', async () => {
    await app.page.getByTestId('endpoint-input').fill('http://example.com');
    await app.page.getByTestId('endpoint-save').click();
    const error = app.page.getByTestId('settings-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/must start with unix:\/\/, npipe:\/\/, tcp:\/\/ or ssh:\/\//);
    expect(new JsonFileSettingsStore(settingsFile).read().engineEndpoint).toBeNull();
    expect(await state().textContent()).toBe('Ready');
  });

  it('can be used with the keyboard alone', async () => {
    await app.page.reload();
    await waitForState('Ready');
    await app.page.keyboard.press('Tab');
    expect(await app.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('nav-setup');
    await app.page.keyboard.press('Tab');
    await app.page.keyboard.press('Enter');
    await app.page.getByTestId('page-dataset').waitFor();
    await app.page.getByTestId('nav-setup').click();
  });

  it('exports the diagnostics archive for IT from the Support card, without folder names unless ticked', async () => {
    const archive = path.join(dir, 'for IT.tar.gz');
    dialogs.saveQueue.push(archive);
    expect(await app.page.getByTestId('diagnostics-folder-names').isChecked()).toBe(false);
    await app.page.getByTestId('diagnostics-export').click();
    await app.page.getByTestId('diagnostics-saved').waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('diagnostics-saved').textContent()).toContain(archive);
    const names: string[] = [];
    await list({ file: archive, onReadEntry: (entry) => void names.push(entry.path) });
    expect(names).toEqual(expect.arrayContaining(['aucmedi-desk-diagnostics/README.txt', 'aucmedi-desk-diagnostics/engine.json', 'aucmedi-desk-diagnostics/versions.json']));
    expect(app.invocations.filter((call) => call.channel === 'app:export-diagnostics').map((call) => call.request)).toEqual([{ includeFolderNames: false }]);
    await app.screenshot('setup-support');
  });

  it('says on the About card the versions IT asks for, the licence, and the third-party notices', async () => {
    await app.page.getByTestId('about-facts').waitFor({ timeout: 20_000 });
    expect(await app.page.getByTestId('about-version').textContent()).toMatch(/^AUCMEDI Desk \d+\.\d+\.\d+ \(commit development\)$/); // the sources run here, not a build
    expect(await app.page.getByTestId('about-runtime').textContent()).toContain(`Node ${process.versions.node}`);
    await app.page.getByTestId('about-engine').getByText(dockerServerVersion()!).waitFor({ timeout: 20_000 });
    expect(await app.page.getByTestId('about-license').textContent()).toBe('GPL-3.0-or-later');
    await app.page.getByTestId('about-notices').locator('summary').click();
    await app.page.getByTestId('about-notices-text').waitFor({ timeout: 20_000 });
    const notices = await app.page.getByTestId('about-notices-text').textContent();
    expect(notices).toMatch(/^AUCMEDI Desk .* is licensed GPL-3\.0-or-later/);
    expect(notices).toContain('dockerode');
    await app.screenshot('setup-about');
  });

  it('makes no request outside the app and logs no error', () => {
    expect(app.foreignRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });
});
