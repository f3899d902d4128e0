/**
 * A training on the hospital's GPU server, chosen on the Train page (issue 15), against real engines,
 * no mocks: the server (test/helpers/remote-engine.ts: a second dockerd in a mount namespace of its
 * own, behind TLS on 127.0.0.1) is added on the Setup page with its three files, chosen as "Where to
 * run", its GPUs asked for by name; Train asks the data-protection question in the core's own sentence
 * (Cancel sends nothing), and yes sends the same request again with the user's consent. The dataset
 * lives under this machine's /tmp, which the server cannot see: the run must stage it.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainingRequest } from '../../src/api/runs';
import { closeSshConnections } from '../../src/engine/client';
import { STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireRemoteEngineTools, startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine';
import { requireBuild, requireChromium, requireEngine, requireRoot } from '../helpers/requirements';
import { requireDockerd } from '../helpers/second-engine';
import { appSession, chooseEngineTlsFiles } from './harness';

const ready = requireRoot('start a second dockerd') && requireDockerd() && requireRemoteEngineTools() && requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Train page: a run on a server added on the Setup page (real UI in Chromium, real core, a real second engine over TLS)', () => {
  let remote: RemoteEngine | undefined;
  const session = appSession({
    core: (dir) => ({ env: { AUCMEDI_DESK_HOME: path.join(dir, 'app') }, homedir: path.join(dir, 'home'), username: 'nobody', runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.05'] }),
    prepare: async () => {
      remote = await startRemoteEngine();
      // the image in use, on the server (the app's own image load is tested in test/integration/remote-engine.test.ts)
      await remote.engine.loadFromMainEngine(STAND_IN_TAG);
      makeClassDataset(dataset, { classes: { benign: 16, malignant: 16 }, size: 16, seed: 5 });
    },
  });
  afterAll(async () => {
    closeSshConnections();
    await remote?.cleanup();
  });

  const { dir, dialogs } = session;
  const dataset = path.join(dir, 'lesions');
  const page = () => session.app.page;
  const server = () => remote!;
  const gpuDetects = () => session.app.invocations.filter((call) => call.channel === 'gpu:detect').map((call) => call.request);
  const trainingStarts = () => session.app.invocations.filter((call) => call.channel === 'runs:start-training').map((call) => call.request as TrainingRequest);
  const runsOnRecord = async () => {
    const response = await session.core.handlers['runs:list']({});
    if (!response.ok) throw new Error(response.error.message);
    return response.data;
  };

  it('adds the server on the Setup page with its CA, certificate and key: ready, with its own files', async () => {
    // proof that the server cannot see the dataset: the run has to send it
    expect(server().serverSees(dataset)).toBe(false);
    await page().getByTestId('nav-setup').click();
    await page().getByTestId('engines-card').waitFor({ timeout: 30_000 });
    await page().getByTestId('engine-add-name').fill('gpu-tls');
    await page().getByTestId('engine-add-url').fill(server().tlsUrl);
    await chooseEngineTlsFiles(page(), dialogs, server().certs);
    await page().getByTestId('engine-add-submit').click();
    const row = page().locator('[data-testid="engine-row"][data-engine-name="gpu-tls"]');
    await row.getByTestId('engine-row-state').filter({ hasText: 'Ready' }).waitFor({ timeout: 60_000 });
    await row.locator('[data-testid="engine-row-files"][data-files="own-files"]').waitFor({ timeout: 60_000 });
  }, 180_000);

  it("chooses the server on the Train page: its GPUs are asked for by its name, and the page says the data will be uploaded", async () => {
    dialogs.folderQueue.push(dataset);
    await page().getByTestId('nav-dataset').click();
    await page().getByTestId('dataset-choose').click();
    await page().getByTestId('dataset-verdict').filter({ hasText: 'Ready for training' }).waitFor({ timeout: 60_000 });

    await page().getByTestId('nav-train').click();
    await page().getByTestId('arch-search').waitFor({ timeout: 30_000 });
    await page().getByTestId('arch-Vanilla').click();
    await page().getByTestId('train-epochs').fill('12');
    await page().getByTestId('train-batch').fill('8');
    const picker = page().getByTestId('train-engine');
    expect(await picker.inputValue()).toBe('local');
    await expect.poll(() => picker.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['local', 'gpu-tls']);
    // this computer's GPUs asked for as before the servers came: no engine named
    await expect.poll(gpuDetects).toContainEqual({});
    expect(gpuDetects().every((request) => JSON.stringify(request) === '{}')).toBe(true);

    await picker.selectOption('gpu-tls');
    await expect.poll(gpuDetects).toContainEqual({ engine: 'gpu-tls' });
    const files = page().getByTestId('train-engine-files');
    await files.waitFor({ timeout: 60_000 });
    expect(await files.getAttribute('data-files')).toBe('own-files');
    expect(await files.textContent()).toBe("gpu-tls does not see this computer's files: the images will be uploaded to it (and kept there for later runs on the same data, until removed on the Setup page).");
    // the server has no GPU: the CPU, said so once its report came
    await page().getByTestId('train-cpu-note').waitFor({ timeout: 60_000 });
    expect(await page().getByTestId('train-gpu').inputValue()).toBe('none');
    expect(await page().getByTestId('train-problems').count()).toBe(0);
    await session.app.screenshot('train-remote-engine');
  }, 180_000);

  it('asks before anything is uploaded, in the core\'s own sentence; Cancel sends nothing', async () => {
    await page().getByTestId('train-start').click();
    const consent = page().getByTestId('train-consent');
    await consent.waitFor({ timeout: 60_000 });
    const starts = trainingStarts();
    expect(starts).toHaveLength(1);
    expect(starts[0]!.engine).toBe('gpu-tls');
    expect(starts[0]!.allowUpload).toBeUndefined();
    expect(await page().getByTestId('train-start-error').count()).toBe(0);
    // the core's sentence: which host gets the data
    expect(await page().getByTestId('train-consent-message').textContent()).toContain('127.0.0.1');
    expect(await page().getByTestId('train-consent-yes').textContent()).toBe('Upload and run');
    await session.app.screenshot('train-remote-consent');

    await page().getByTestId('train-consent-no').click();
    await consent.waitFor({ state: 'detached' });
    expect(trainingStarts()).toHaveLength(1);
    expect(await runsOnRecord()).toEqual([]);
  }, 120_000);

  it('on yes sends the same request with the consent, shows the upload, and the run succeeds on the server with its charts', async () => {
    await page().getByTestId('train-start').click();
    await page().getByTestId('train-consent').waitFor({ timeout: 60_000 });
    // The upload may be over in a moment: note every phase the Run page showed.
    await page().evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { __transferPhases: string[] }).__transferPhases = seen;
      new MutationObserver(() => {
        const phase = document.querySelector('[data-testid="run-transfer"]')?.getAttribute('data-phase');
        if (phase && seen[seen.length - 1] !== phase) seen.push(phase);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page().getByTestId('train-consent-yes').click();
    await expect.poll(() => trainingStarts().length).toBe(3);
    const starts = trainingStarts();
    expect(starts[2]).toEqual({ ...starts[1], allowUpload: true });

    await page().getByTestId('page-run').waitFor({ timeout: 120_000 });
    const runs = await runsOnRecord();
    expect(runs).toHaveLength(1);
    const runId = runs[0]!.id;
    session.runIds.push(runId);
    await page().locator('[data-testid="run-state"][data-state="succeeded"]').waitFor({ timeout: 300_000 });
    await page().waitForFunction(() => Number(document.querySelector('[data-testid=chart-loss] svg[data-points]')?.getAttribute('data-points')) >= 4, null, { timeout: 30_000 });
    // the upload was shown while the run prepared (its outputs' download may follow)
    expect(await page().evaluate(() => (window as unknown as { __transferPhases: string[] }).__transferPhases)).toContain('uploading');

    const record = await session.core.handlers['runs:get']({ runId });
    if (!record.ok) throw new Error(record.error.message);
    expect(record.data.placement).toMatchObject({ engine: 'gpu-tls', data: 'staged' });
    await page().locator('#run-details-heading').click();
    expect(await page().getByTestId('run-placement').getAttribute('data-engine')).toBe('gpu-tls');
    expect(await page().getByTestId('run-placement-data').textContent()).toBe('uploaded to the server for the run; the images are kept there until removed on the Setup page');
    await session.app.screenshot('run-remote-succeeded');

    await page().getByTestId('run-back').click();
    const row = page().locator(`[data-testid="runs-row"][data-run-id="${runId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('runs-engine').textContent()).toBe('on gpu-tls');
  }, 420_000);

  it('lists the images kept on the server on the Setup page, and removes them from it', async () => {
    const keptVolumes = () => server().engine.docker(['volume', 'ls', '-q', '--filter', 'label=org.aucmedi-desk.staged=dataset']).stdout.split('\n').filter(Boolean);
    expect(keptVolumes()).toHaveLength(1);
    await page().getByTestId('nav-setup').click();
    const row = page().locator('[data-testid="engine-row"][data-engine-name="gpu-tls"]');
    const item = row.getByTestId('engine-kept-item');
    await item.waitFor({ timeout: 60_000 });
    expect(await item.getAttribute('data-volume')).toBe(keptVolumes()[0]);
    expect(await item.textContent()).toContain(dataset);
    await session.app.screenshot('setup-kept-datasets');
    await item.getByTestId('engine-kept-remove').click();
    await row.getByTestId('engine-kept').filter({ hasText: 'No images are kept on this server.' }).waitFor({ timeout: 30_000 });
    expect(keptVolumes()).toEqual([]);
  }, 120_000);

  it("goes back to this computer's engine and its GPUs, asked for as before", async () => {
    await page().getByTestId('nav-train').click();
    await page().getByTestId('train-engine').selectOption('local');
    await expect.poll(() => gpuDetects().at(-1)).toEqual({});
    expect(await page().getByTestId('train-engine-files').count()).toBe(0);
  });

  it('makes no request outside the app and logs no error', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
