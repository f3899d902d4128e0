import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { CoreEvent } from '../../src/api';
import { createCore, type Core, type CoreDeps } from '../../src/core';
import type { Dialogs } from '../../src/dialogs';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { CONTENT_SECURITY_POLICY } from '../../electron/csp';
import { headersFor } from '../../electron/protocol';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { CHROMIUM_PATH } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

/** The origin the built renderer is served from inside the browser; nothing is listening anywhere. */
export const APP_URL = 'http://aucmedi.test/';
const RENDERER_ROOT = path.resolve('dist/renderer');
export const SCREENSHOT_DIR = path.resolve('test/e2e/screenshots');

/**
 * Trains a tiny Vanilla model through the core's handlers directly (no window), for the pages that
 * apply a model; resolves with the run id once the training has succeeded.
 */
export async function trainTinyModel(core: Core, dataset: string, epochs = 15): Promise<string> {
  const started = await core.handlers['runs:start-training']({
    dataset: { path: dataset, gtFile: null, ohe: false },
    options: { analysis: 'standard', architectures: ['Vanilla'], epochs, batchSize: 8, workers: 1, threeDim: false },
    gpus: { kind: 'none' },
  });
  if (!started.ok) throw new Error(`${started.error.code}: ${started.error.message}`);
  const trained = await core.runs.waitForEnd(started.data.id);
  if (trained.state !== 'succeeded') throw new Error(`the training ${trained.state}: ${trained.error?.message}`);
  return trained.id;
}

/** preds.csv read with nothing of the app: header, then the sample and one probability per class; `best` is the class with the highest one. */
export function readPredsCsv(file: string): { classes: string[]; rows: { sample: string; p: number[]; best: string; top: number }[] } {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const classes = header!.split(',').slice(1);
  const rows = lines.map((line) => {
    const [sample, ...values] = line.split(',');
    const p = values.map(Number);
    const top = Math.max(...p);
    return { sample: sample!, p, best: classes[p.indexOf(top)]!, top };
  });
  return { classes, rows };
}

/** Removes the containers of the given runs that are still there (a failing test must leave none behind). */
export async function removeRunContainers(core: Core | undefined, runIds: string[]): Promise<void> {
  for (const runId of runIds) {
    await core?.handlers['runs:stop']({ runId }).catch(() => undefined);
    const ids = docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${runId}`]).stdout.split('\n').filter(Boolean);
    if (ids.length) docker(['rm', '-f', ...ids], { allowFail: true });
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** File dialogs that answer with the paths a test queued, as a user picking them would. */
export class ScriptedDialogs implements Dialogs {
  readonly openQueue: string[] = [];
  readonly saveQueue: string[] = [];
  readonly folderQueue: string[] = [];
  async openFolder() {
    return this.folderQueue.shift() ?? null;
  }
  async openFile() {
    return this.openQueue.shift() ?? null;
  }
  async saveFile() {
    return this.saveQueue.shift() ?? null;
  }
  /** Folders the app asked the file manager to show. */
  readonly shownFolders: string[] = [];
  async showFolder(folder: string) {
    this.shownFolders.push(folder);
  }
}

export interface AppPage {
  page: Page;
  /** Drops files (host paths) on the element, as the file manager would. */
  drop(selector: string, paths: string[]): Promise<void>;
  /** Every request the page made outside the app's own origin (all refused). */
  foreignRequests: string[];
  /** Console errors and uncaught page errors. */
  pageErrors: string[];
  /** Every request the page sent to the core, in order (to check what was, or was not, asked for). */
  invocations: { channel: string; request: unknown }[];
  screenshot(name: string): Promise<string>;
  /** Delivers an event to the page as the core's own events are delivered (for events this machine cannot produce). */
  pushEvent(event: CoreEvent): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the real, built renderer with the real core behind it, mounted exactly as Electron mounts
 * it: `window.aucmedi.invoke` reaches the core's handler table, core events are pushed in.
 */
export async function openApp(browser: Browser, core: Core, viewport = { width: 1280, height: 820 }): Promise<AppPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });

  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (!url.startsWith(APP_URL)) {
      foreignRequests.push(url);
      return route.abort('blockedbyclient');
    }
    const relative = decodeURIComponent(new URL(url).pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(RENDERER_ROOT, relative);
    if (!file.startsWith(RENDERER_ROOT + path.sep)) return route.fulfill({ status: 404, body: 'Not found' });
    try {
      const headers = { ...headersFor(file), 'content-security-policy': CONTENT_SECURITY_POLICY };
      return route.fulfill({ status: 200, headers, body: readFileSync(file) });
    } catch {
      return route.fulfill({ status: 404, body: 'Not found' });
    }
  });

  const invocations: { channel: string; request: unknown }[] = [];
  await page.exposeBinding('__aucmediInvoke', (_source, channel: unknown, request: unknown) => {
    invocations.push({ channel: String(channel), request });
    return core.invoke(channel, request);
  });
  await page.addInitScript(() => {
    type Listener = (event: unknown) => void;
    const listeners = new Set<Listener>();
    const w = window as unknown as Record<string, unknown>;
    w.__aucmediPush = (event: unknown) => listeners.forEach((listener) => listener(event));
    const dropped = new WeakMap<File, string>();
    w.__aucmediDropped = dropped;
    w.aucmedi = Object.freeze({
      pathForFile: (file: File) => dropped.get(file) ?? '',
      invoke: (channel: string, request: unknown) => (w.__aucmediInvoke as (c: string, r: unknown) => Promise<unknown>)(channel, request),
      onEvent: (listener: Listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    });
  });
  const unsubscribe = core.subscribe((event) => {
    page.evaluate((e) => (window as unknown as { __aucmediPush?: (e: unknown) => void }).__aucmediPush?.(e), event).catch(() => undefined);
  });

  await page.goto(`${APP_URL}index.html`);
  return {
    page,
    async drop(selector, paths) {
      await page.evaluate(
        ({ selector, paths }) => {
          const target = document.querySelector(selector);
          if (!target) throw new Error(`nothing matches ${selector}`);
          const dropped = (window as unknown as { __aucmediDropped: WeakMap<File, string> }).__aucmediDropped;
          const transfer = new DataTransfer();
          for (const p of paths) {
            const file = new File(['x'], p.split(/[\\/]/).pop()!);
            dropped.set(file, p);
            transfer.items.add(file);
          }
          for (const type of ['dragenter', 'dragover', 'drop']) {
            target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
          }
        },
        { selector, paths },
      );
    },
    foreignRequests,
    pageErrors,
    invocations,
    async screenshot(name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async pushEvent(event) {
      await page.evaluate((e) => (window as unknown as { __aucmediPush: (e: unknown) => void }).__aucmediPush(e), event);
    },
    async close() {
      unsubscribe();
      await context.close();
    },
  };
}

export interface AppSessionOptions {
  /** The image the settings name; the stand-in image (built first) unless given. */
  imageRef?: string;
  /** The runs folder the settings name; `<dir>/runs` unless given. */
  runsDir?: string;
  /** More for createCore (runEnv, runQueue, bundleDirs…), besides the settings, the data folder and the dialogs; a function gets the session's folder. */
  core?: Omit<CoreDeps, 'settings' | 'dataDir' | 'dialogs'> | ((dir: string) => Omit<CoreDeps, 'settings' | 'dataDir' | 'dialogs'>);
  /** Runs once the core exists, before the browser opens: data sets, a trained model, event listeners. */
  prepare?(core: Core): Promise<void> | void;
  /** The time limit of the setup, in ms. */
  timeout?: number;
}

export interface AppSession {
  /** A temporary folder of the test file's own, removed after its tests. */
  dir: string;
  /** `<dir>/app-data`: the core's data folder, with settings.json. */
  dataDir: string;
  dialogs: ScriptedDialogs;
  /** The runs a test started: their containers are removed after the tests, even when one failed. */
  runIds: string[];
  /** Set once the file's beforeAll has run. */
  readonly core: Core;
  readonly app: AppPage;
}

/**
 * The usual setup of an e2e test file, as beforeAll/afterAll of the calling describe: a temporary
 * folder, settings that name the image (the stand-in unless told), a real core with scripted
 * dialogs, a browser with the app open; afterwards the app, the browser and the core are closed
 * and the containers of `runIds` removed.
 */
export function appSession(options: AppSessionOptions = {}): AppSession {
  const dir = tempDir();
  const dataDir = path.join(dir, 'app-data');
  const dialogs = new ScriptedDialogs();
  const runIds: string[] = [];
  let browser: Browser | undefined;
  let core: Core | undefined;
  let app: AppPage | undefined;

  beforeAll(async () => {
    if (!options.imageRef) buildStandIn();
    const settings = new JsonFileSettingsStore(path.join(dataDir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: options.imageRef ?? STAND_IN_TAG, runsDir: options.runsDir ?? path.join(dir, 'runs') });
    const more = typeof options.core === 'function' ? options.core(dir) : options.core;
    core = createCore({ ...more, settings, dataDir, dialogs });
    await options.prepare?.(core);
    browser = await launchBrowser();
    app = await openApp(browser, core);
  }, options.timeout ?? 900_000);
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await removeRunContainers(core, runIds);
    core?.dispose();
  });

  return {
    dir,
    dataDir,
    dialogs,
    runIds,
    get core() {
      if (!core) throw new Error('the session has no core yet (beforeAll has not run)');
      return core;
    },
    get app() {
      if (!app) throw new Error('the session has no app yet (beforeAll has not run)');
      return app;
    },
  };
}

/**
 * Fills the Setup page's "add a server" form's TLS files (CA, client certificate, key) through the
 * native file dialog the harness scripts, checking each lands in its field.
 */
export async function chooseEngineTlsFiles(page: Page, dialogs: ScriptedDialogs, certs: { ca: string; cert: string; key: string }): Promise<void> {
  const files = { 'engine-add-ca': certs.ca, 'engine-add-cert': certs.cert, 'engine-add-key': certs.key };
  for (const [testId, file] of Object.entries(files)) {
    dialogs.openQueue.push(file);
    await page.getByTestId(`${testId}-choose`).click();
    await expect.poll(() => page.getByTestId(testId).inputValue()).toBe(file);
  }
}
