import path from 'node:path';
import type { Browser, WebSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { CONTENT_SECURITY_POLICY } from '../../electron/csp';
import { headersFor } from '../../electron/protocol';
import { PAGES } from '../../renderer/src/store/navigation';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';
import { inspectPage, smokeVerdict, visitEveryPage } from '../electron-smoke/checks';
import { APP_URL, launchBrowser, openApp, ScriptedDialogs, type AppPage } from './harness';

/*
 * No request leaves the window: the real renderer, every page of the sidebar opened by clicking it,
 * every request the browser makes recorded (Playwright's request events, route interception and
 * WebSockets), and the Content-Security-Policy shown to forbid every remote origin, on paper and in
 * the browser. Uses the engine when there is one (the Setup page then lists images and GPUs), and
 * does without.
 */

const APP_ORIGIN = new URL(APP_URL).origin;
/** Not network requests: in-page bytes the CSP allows for images (dataset previews are data: URLs). */
const LOCAL_SCHEMES = new Set(['data:', 'blob:']);
const foreign = (url: string) => {
  const parsed = new URL(url);
  return !LOCAL_SCHEMES.has(parsed.protocol) && parsed.origin !== APP_ORIGIN;
};

/** The CSP as directive -> sources. */
function parseCsp(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((tokens) => tokens[0])
      .map(([name, ...sources]) => [name!.toLowerCase(), sources]),
  );
}

const ready = requireChromium() && requireBuild();

describe.runIf(ready)('no network from the window: every page opened, every request recorded', () => {
  const dir = tempDir('aucmedi-nonet-e2e-');
  const dataset = path.join(dir, 'dataset');
  const requests: string[] = [];
  const sockets: string[] = [];
  const violations: string[] = [];
  /** url -> why the browser failed it (a request the CSP refused is reported, and fails, before any network). */
  const failures = new Map<string, string>();
  let browser: Browser;
  let core: Core;
  let app: AppPage;

  beforeAll(async () => {
    makeClassDataset(dataset, { classes: { benign: 4, malignant: 4 }, size: 16, seed: 7 });
    const settings = new JsonFileSettingsStore(path.join(dir, 'app-data', 'settings.json'));
    settings.write({ ...settings.read(), runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir: path.join(dir, 'app-data'), dialogs: new ScriptedDialogs() });
    core.start();
    browser = await launchBrowser();
    app = await openApp(browser, core);
    const context = app.page.context();
    context.on('request', (request) => requests.push(request.url()));
    context.on('requestfailed', (request) => failures.set(request.url(), request.failure()?.errorText ?? 'failed'));
    app.page.on('websocket', (socket: WebSocket) => sockets.push(socket.url()));
    await app.page.exposeFunction('__cspViolation', (blocked: string) => violations.push(blocked));
    await app.page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => (window as unknown as { __cspViolation(b: string): void }).__cspViolation(`${event.violatedDirective} ${event.blockedURI}`));
    });
    // From the first byte: load the app again with the recorders in place.
    await app.page.reload();
    await app.page.getByTestId('page-setup').waitFor({ timeout: 20_000 });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await browser?.close();
    core?.dispose();
  });

  it('opens every page of the sidebar, and each page asks only the app for anything', async () => {
    expect(PAGES.map((p) => p.id)).toEqual(['setup', 'dataset', 'train', 'runs', 'predict', 'evaluate']);
    for (const { id } of PAGES) {
      await app.page.getByTestId(`nav-${id}`).click();
      await app.page.getByTestId(`page-${id}`).waitFor({ timeout: 20_000 });
      if (id === 'dataset') {
        // A scanned dataset shows previews: image bytes handed over by the core, no request.
        await app.drop('[data-testid=dataset-drop]', [dataset]);
        await app.page.getByTestId('dataset-report').waitFor({ timeout: 60_000 });
        await app.page.getByTestId('preview-image').first().waitFor({ timeout: 30_000 });
      }
      await app.page.waitForLoadState('networkidle');
    }
    await app.page.getByTestId('nav-setup').click();
    await app.page.getByTestId('page-setup').waitFor();
    await app.page.waitForLoadState('networkidle');

    expect(requests.filter(foreign)).toEqual([]);
    expect(app.foreignRequests).toEqual([]);
    expect(sockets).toEqual([]);
    expect(violations).toEqual([]);
    expect(app.pageErrors).toEqual([]);
    // The recorders did record: the app's own document, script and style.
    const own = requests.filter((url) => new URL(url).origin === APP_ORIGIN).map((url) => new URL(url).pathname);
    expect(own).toContain('/index.html');
    expect(own.some((p) => p.endsWith('.js'))).toBe(true);
    expect(own.some((p) => p.endsWith('.css'))).toBe(true);
  }, 120_000);

  it("passes the packaged-app smoke test's checks (test/electron-smoke), run here in Chromium", async () => {
    // The release workflow runs the same visit and inspection in the packaged Electron app.
    const pagesVisited = await visitEveryPage(app.page);
    // before the inspection, whose CSP probes the browser reports as console errors
    const consoleErrors = [...app.pageErrors];
    const inspected = await inspectPage(app.page);
    const observations = { ...inspected, pagesVisited, consoleErrors, foreignRequests: app.foreignRequests, refusedRequests: [] };
    expect(smokeVerdict(observations, APP_ORIGIN)).toEqual([]);
    // and the checks see a hole where there is one
    expect(smokeVerdict({ ...observations, bridgeKeys: [...observations.bridgeKeys, 'require'] }, APP_ORIGIN)).toHaveLength(1);
  }, 120_000);

  it('has a CSP that allows no remote origin, no inline script and no eval', () => {
    const csp = parseCsp(CONTENT_SECURITY_POLICY);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    for (const name of ['object-src', 'frame-src', 'base-uri', 'form-action']) expect(csp.get(name), name).toEqual(["'none'"]);
    const everySource = [...csp.values()].flat();
    expect(everySource.filter((source) => !["'self'", "'none'", 'data:', 'blob:'].includes(source))).toEqual([]);
    // and so no *, no http:/https:/ws:/wss:, no host, no 'unsafe-inline' or 'unsafe-eval'
    expect(csp.has('worker-src') || csp.has('child-src')).toBe(false); // both fall back to default-src 'none'
  });

  it('is the CSP Electron sends with every file and the built index.html carries', async () => {
    for (const file of ['index.html', 'assets/index.js', 'assets/index.css']) expect(headersFor(file)['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    const meta = await app.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toBe(CONTENT_SECURITY_POLICY);
  });

  it('is enforced: remote fetch, image, script, frame and WebSocket are refused by the browser before any request', async () => {
    const before = requests.length;
    const outcome = await app.page.evaluate(async () => {
      const results: string[] = [];
      try {
        await fetch('https://example.org/data.json');
        results.push('fetch: loaded');
      } catch {
        results.push('fetch: refused');
      }
      const load = (element: HTMLImageElement | HTMLScriptElement | HTMLIFrameElement, attribute: 'src', url: string) =>
        new Promise<string>((resolve) => {
          element.addEventListener('load', () => resolve('loaded'));
          element.addEventListener('error', () => resolve('refused'));
          element[attribute] = url;
          document.body.appendChild(element);
          setTimeout(() => resolve('refused (no load)'), 1500);
        });
      results.push(`image: ${await load(new Image(), 'src', 'https://example.org/pixel.png')}`);
      results.push(`script: ${await load(document.createElement('script'), 'src', 'https://example.org/x.js')}`);
      // A refused frame still fires load (on an error page): only the violation and the request log tell.
      await load(document.createElement('iframe'), 'src', 'https://example.org/');
      try {
        const socket = new WebSocket('wss://example.org/');
        results.push(`websocket: ${await new Promise<string>((resolve) => {
          socket.onopen = () => resolve('open');
          socket.onerror = () => resolve('refused');
          setTimeout(() => resolve('refused (no open)'), 1500);
        })}`);
      } catch {
        results.push('websocket: refused');
      }
      return results;
    });
    expect(outcome.every((line) => line.includes('refused')), outcome.join('\n')).toBe(true);
    await app.page.waitForTimeout(200);
    // Chromium reports the refused image and script as requests that failed with 'csp'; none of them
    // reached the route every outgoing request passes (app.foreignRequests), fetch and the frame not even that.
    const attempted = requests.slice(before).filter(foreign);
    expect(attempted.map((url) => `${url} ${failures.get(url)}`)).toEqual(attempted.map((url) => `${url} csp`));
    expect(app.foreignRequests).toEqual([]);
    expect(sockets).toEqual([]);
    for (const directive of ['connect-src', 'img-src', 'script-src', 'frame-src']) {
      expect(violations.some((v) => v.startsWith(directive) && v.includes('example.org')), `${directive} in ${violations.join(', ')}`).toBe(true);
    }
  }, 30_000);
});
