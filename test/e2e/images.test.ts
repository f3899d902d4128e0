import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferProgress } from '../../src/api/types';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, imageExists, ownStandInCopy } from '../helpers/docker-cli';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { launchBrowser, openApp, ScriptedDialogs, type AppPage } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Setup page: the AUCMEDI image (real UI, real core, real engine)', () => {
  const dir = tempDir();
  const tag = `aucmedi-desk/aucmedi-e2e:${randomUUID().slice(0, 8)}`;
  const tarball = path.join(dir, 'aucmedi-e2e.tar');
  const dialogs = new ScriptedDialogs();
  const progress: TransferProgress[] = [];
  let browser: Browser;
  let core: Core;
  let app: AppPage;

  beforeAll(async () => {
    buildStandIn();
    ownStandInCopy(tag);
    docker(['save', '-o', tarball, tag]);
    spawnSync('bash', ['-c', `cd ${dir} && sha256sum aucmedi-e2e.tar > aucmedi-e2e.tar.sha256`]);
    docker(['rmi', tag]);
    const settings = new JsonFileSettingsStore(path.join(dir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: 'aucmedi-desk/not-here:1' });
    core = createCore({ settings, dialogs });
    core.subscribe((event) => event.type === 'image:progress' && progress.push(event.progress));
    core.start();
    browser = await launchBrowser();
    app = await openApp(browser, core);
  }, 900_000);
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    core?.dispose();
    docker(['rmi', tag], { allowFail: true });
  });

  const text = (testId: string) => app.page.getByTestId(testId).textContent();

  it('says the image in use is missing and what to do', async () => {
    await app.page.getByTestId('image-state').filter({ hasText: 'Missing' }).waitFor({ timeout: 60_000 });
    expect(await text('image-missing')).toMatch(/aucmedi-desk\/not-here:1 is not on this computer[\s\S]*Load it from the image file/);
    await app.screenshot('setup-image-missing');
  });

  it('loads an image file chosen in the file dialog, with progress, lists it and offers to use it', async () => {
    dialogs.openQueue.push(tarball);
    await app.page.getByTestId('image-load').click();
    const transfer = app.page.getByTestId('transfer');
    if (await transfer.isVisible()) await app.screenshot('setup-image-loading');
    await app.page.getByTestId('image-message').waitFor({ timeout: 120_000 });
    expect(await text('image-message')).toContain(`Loaded ${tag}. The checksum file matched.`);
    expect(imageExists(tag)).toBe(true);
    const loadEvents = progress.filter((p) => p.kind === 'load');
    expect(loadEvents.at(-1)).toMatchObject({ phase: 'done', bytesTotal: loadEvents.at(-1)!.bytesDone });
    await app.page.getByTestId('image-row').filter({ hasText: tag }).waitFor();

    await app.page.getByTestId('image-use-loaded').click();
    await app.page.getByTestId('image-state').filter({ hasText: 'Present' }).waitFor();
    expect(await text('image-in-use')).toBe(tag);
    expect(await app.page.getByTestId('image-row').filter({ hasText: tag }).textContent()).toMatch(/in use[\s\S]*test stand-in, not AUCMEDI[\s\S]*0\.11\.0-standin/);
    await app.screenshot('setup-image-loaded');
  });

  it('exports the image to the file chosen in the save dialog, with its checksum', async () => {
    const target = path.join(dir, 'exported.tar');
    dialogs.saveQueue.push(target);
    await app.page.getByTestId('image-row').filter({ hasText: tag }).getByTestId('image-export').click();
    await app.page.getByTestId('image-message').filter({ hasText: 'Exported' }).waitFor({ timeout: 120_000 });
    expect(existsSync(target)).toBe(true);
    const check = spawnSync('sha256sum', ['-c', 'exported.tar.sha256'], { cwd: dir, encoding: 'utf8' });
    expect(check.stdout.trim()).toBe('exported.tar: OK');
  });

  it('explains what is wrong with dropped items that are not image files, and loads nothing', async () => {
    const notes = path.join(dir, 'notes.txt');
    writeFileSync(notes, 'hello');
    await app.drop('[data-testid=image-drop]', [notes]);
    expect(await text('image-error')).toMatch(/notes\.txt is not an image file[\s\S]*What to do: Drop an image file/);

    await app.drop('[data-testid=image-drop]', [tarball, notes]);
    expect(await text('image-error')).toMatch(/2 items were dropped; only one is used at a time/);

    const fake = path.join(dir, 'fake.tar');
    writeFileSync(fake, 'not really a tarball');
    await app.drop('[data-testid=image-drop]', [fake]);
    await app.page.getByTestId('image-error').filter({ hasText: 'fake.tar is not a Docker image file' }).waitFor({ timeout: 30_000 });
    expect(await text('image-error')).toMatch(/What to do: Choose the image file made with "docker save"/);
    await app.screenshot('setup-image-bad-file');
  });

  it('made no request outside the app and logged no error', () => {
    expect(app.foreignRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });
});
