import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QueueEntry, RunSummary } from '../../src/api/runs';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { appSession } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Run queue: Add to queue on the Train page, the Queue card on the Runs page (real UI, real core with its queue, stand-in image)', () => {
  const session = appSession({
    // runQueue: the core starts queued runs by itself, as the app's does.
    core: { runQueue: true, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.4'] },
    prepare: () => void makeClassDataset(dataset, { classes: { benign: 12, malignant: 12 }, size: 16, seed: 7 }),
  });
  const { dir, dialogs, runIds } = session;
  const dataset = path.join(dir, 'lesions');

  const queueOnRecord = async (): Promise<QueueEntry[]> => {
    const response = await session.core.handlers['queue:list']({});
    if (!response.ok) throw new Error(response.error.message);
    return response.data;
  };
  const runsOnRecord = async (): Promise<RunSummary[]> => {
    const response = await session.core.handlers['runs:list']({});
    if (!response.ok) throw new Error(response.error.message);
    return response.data;
  };
  const epochsOf = (entry: QueueEntry) => (entry.item.mode === 'training' ? entry.item.request.options.epochs : null);
  /** The "what" cell of each queued row, in the order shown. */
  const shownQueue = () => session.app.page.getByTestId('queue-row').evaluateAll((rows) => rows.map((row) => ({ position: row.getAttribute('data-position'), what: row.querySelector('[data-testid=queue-what]')!.textContent })));

  it('starts one CPU training, then adds two more to the queue from the Train page', async () => {
    dialogs.folderQueue.push(dataset);
    await session.app.page.getByTestId('nav-dataset').click();
    await session.app.page.getByTestId('dataset-choose').click();
    await session.app.page.getByTestId('dataset-verdict').filter({ hasText: 'Ready for training' }).waitFor({ timeout: 60_000 });
    await session.app.page.getByTestId('nav-train').click();
    await session.app.page.getByTestId('analysis-minimal').click();
    await session.app.page.getByTestId('arch-search').fill('vanil');
    await session.app.page.getByTestId('arch-Vanilla').click();
    await session.app.page.getByTestId('arch-search').fill('');
    // The minimal analysis runs every epoch: about 1.2 s each here, so the first run lasts while the queue is arranged.
    await session.app.page.getByTestId('train-epochs').fill('30');
    await session.app.page.getByTestId('train-batch').fill('8');
    await session.app.page.getByTestId('train-cpu-note').waitFor({ timeout: 60_000 });
    expect(await session.app.page.getByTestId('train-gpu').inputValue()).toBe('none');
    await session.app.page.getByTestId('train-start').click();
    await session.app.page.getByTestId('page-run').waitFor({ timeout: 60_000 });
    const [first] = await runsOnRecord();
    runIds.push(first!.id);

    await session.app.page.getByTestId('nav-train').click();
    await session.app.page.getByTestId('train-epochs').fill('6');
    await session.app.page.getByTestId('train-queue').click();
    await session.app.page.getByTestId('train-queued').filter({ hasText: 'Added to the queue (position 1).' }).waitFor({ timeout: 10_000 });
    await session.app.page.getByTestId('train-epochs').fill('9');
    await session.app.page.getByTestId('train-queue').click();
    await session.app.page.getByTestId('train-queued').filter({ hasText: 'Added to the queue (position 2).' }).waitFor({ timeout: 10_000 });
    await session.app.screenshot('train-added-to-queue');

    // The CPU is taken by the first run: both wait, exactly as the Start button would have started them.
    const queued = await queueOnRecord();
    expect(queued.map(epochsOf)).toEqual([6, 9]);
    expect(queued.every((entry) => entry.item.mode === 'training' && entry.item.request.gpus.kind === 'none' && entry.item.request.options.architectures[0] === 'Vanilla' && entry.error === null)).toBe(true);
    expect((await runsOnRecord()).map((run) => run.id)).toEqual(runIds);
  }, 180_000);

  it('shows the queue on the Runs page; Move up reorders it; Remove asks first', async () => {
    await session.app.page.getByTestId('train-queued-runs').click();
    await session.app.page.getByTestId('page-runs').waitFor();
    const card = session.app.page.getByTestId('queue-card');
    await card.waitFor();
    expect(await session.app.page.getByTestId('queue-count').textContent()).toBe('2 waiting');
    const rows = await shownQueue();
    expect(rows.map((row) => row.position)).toEqual(['1', '2']);
    // AUCMEDI trains at least 10 epochs: the queue says the real total and what was asked for.
    expect(rows[0]!.what).toMatch(/Vanilla · minimal · 10 epochs \(6 requested\) · batch 8[\s\S]*on lesions/);
    expect(rows[1]!.what).toMatch(/Vanilla · minimal · 10 epochs \(9 requested\)/);
    const firstRow = session.app.page.getByTestId('queue-row').first();
    expect(await firstRow.getByTestId('queue-mode').textContent()).toBe('Training');
    expect(await firstRow.getByTestId('queue-gpus').textContent()).toBe('CPU');
    expect(await firstRow.getByTestId('queue-up').isDisabled()).toBe(true);
    expect(await session.app.page.getByTestId('queue-row').last().getByTestId('queue-down').isDisabled()).toBe(true);
    await session.app.screenshot('runs-queue');

    // The second moves up: the 9-epoch run is next now, in the window and in the session.core.
    await session.app.page.getByTestId('queue-row').nth(1).getByTestId('queue-up').click();
    await session.app.page.waitForFunction(() => /9 requested/.test(document.querySelector('[data-testid=queue-row] [data-testid=queue-what]')?.textContent ?? ''));
    expect((await shownQueue()).map((row) => row.what?.match(/(\d+) requested/)?.[1])).toEqual(['9', '6']);
    expect((await queueOnRecord()).map(epochsOf)).toEqual([9, 6]);

    // Remove asks first; Keep keeps it.
    const second = session.app.page.getByTestId('queue-row').nth(1);
    await second.getByTestId('queue-remove').click();
    expect(await second.textContent()).toMatch(/Remove from the queue\?/);
    await second.getByTestId('queue-remove-keep').click();
    expect(await session.app.page.getByTestId('queue-row').count()).toBe(2);
    await second.getByTestId('queue-remove').click();
    await second.getByTestId('queue-remove-confirm').click();
    await session.app.page.waitForFunction(() => document.querySelectorAll('[data-testid=queue-row]').length === 1);
    expect(await session.app.page.getByTestId('queue-count').textContent()).toBe('1 waiting');
    expect((await queueOnRecord()).map(epochsOf)).toEqual([9]);
    // All this while the first run was still going: what follows is the queue's doing.
    expect((await runsOnRecord()).find((run) => run.id === runIds[0])!.state).toBe('running');
  }, 60_000);

  it('starts the remaining queued run by itself once the first has ended; the queue card empties', async () => {
    const newRow = session.app.page.locator(`[data-testid=runs-row]:not([data-run-id="${runIds[0]}"])`);
    await newRow.filter({ hasText: 'Running' }).waitFor({ timeout: 240_000 });
    await session.app.page.getByTestId('queue-card').waitFor({ state: 'detached', timeout: 10_000 });
    const runs = await runsOnRecord();
    expect(runs).toHaveLength(2);
    const first = runs.find((run) => run.id === runIds[0])!;
    const started = runs.find((run) => run.id !== runIds[0])!;
    runIds.push(started.id);
    expect(first.state).toBe('succeeded');
    expect(started.command).toEqual(expect.arrayContaining(['--architecture', 'Vanilla', '--epochs', '9', '--batch_size', '8']));
    expect(Date.parse(started.createdAt)).toBeGreaterThanOrEqual(Date.parse(first.endedAt!));
    expect(await queueOnRecord()).toEqual([]);
    expect(await session.app.page.locator(`[data-testid=runs-row][data-run-id="${runIds[0]}"]`).textContent()).toMatch(/Finished/);
    await session.app.screenshot('runs-queue-started');

    const ended = await session.core.runs.waitForEnd(started.id);
    expect(ended.state).toBe('succeeded');
  }, 300_000);

  it('keeps a queued run whose start was refused, with the reason and what to do, until it is removed', async () => {
    // A dataset changed after the run was queued: one class left (the folder is checked when added, its content when the run starts).
    const changed = path.join(dir, 'changed-since');
    makeClassDataset(changed, { classes: { benign: 4 }, size: 16, seed: 9 });
    const added = await session.core.handlers['queue:add']({
      mode: 'training',
      request: { dataset: { path: changed, gtFile: null, ohe: false }, options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 2, batchSize: 8, workers: 1, threeDim: false }, gpus: { kind: 'none' } },
    });
    if (!added.ok) throw new Error(added.error.message);
    const refusal = session.app.page.locator(`[data-testid=queue-refusal][data-id="${added.data.id}"]`);
    await refusal.waitFor({ timeout: 60_000 });
    const [entry] = await queueOnRecord();
    expect(entry!.error).not.toBeNull();
    expect(await refusal.textContent()).toContain(`Its start was refused: ${entry!.error!.message}`);
    expect(await refusal.textContent()).toMatch(/What to do:[\s\S]*It waits here until you remove it/);
    expect((await runsOnRecord()).length).toBe(2);
    await session.app.screenshot('runs-queue-refused');

    const row = session.app.page.locator(`[data-testid=queue-row][data-id="${added.data.id}"]`);
    await row.getByTestId('queue-remove').click();
    await row.getByTestId('queue-remove-confirm').click();
    await session.app.page.getByTestId('queue-card').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await queueOnRecord()).toEqual([]);
  }, 120_000);

  it('queues a prediction from the Predict page with the same request as Start; the CPU being free, it starts at once', async () => {
    const images = path.join(dir, 'new-images');
    makeClassDataset(images, { classes: { benign: 3, malignant: 3 }, size: 16, seed: 4, layout: 'flat' });
    await session.app.page.getByTestId('nav-predict').click();
    await session.app.page.locator(`[data-testid=predict-model-run][data-run-id="${runIds[0]}"]`).click();
    dialogs.folderQueue.push(images);
    await session.app.page.getByTestId('predict-images-choose').click();
    await session.app.page.getByTestId('predict-images-verdict').filter({ hasText: 'Ready' }).waitFor({ timeout: 60_000 });
    await session.app.page.getByTestId('predict-cpu-note').waitFor({ timeout: 60_000 });
    await session.app.page.getByTestId('predict-queue').click();
    await session.app.page.getByTestId('predict-queued').waitFor({ timeout: 10_000 });
    expect(await session.app.page.getByTestId('predict-queued').textContent()).toMatch(/^Added to the queue/);
    // It leaves the queue as it starts; the notice says so.
    await session.app.page.getByTestId('predict-queued').filter({ hasText: 'it has left the queue since' }).waitFor({ timeout: 60_000 });
    expect(await session.app.page.getByTestId('page-predict').count()).toBe(1);
    const prediction = (await runsOnRecord()).find((run) => run.mode === 'prediction');
    expect(prediction).toBeDefined();
    runIds.push(prediction!.id);
    if (prediction!.mode !== 'prediction') throw new Error('not a prediction');
    expect(prediction!.images.path).toBe(images);
    expect(prediction!.model.runId).toBe(runIds[0]);
    expect(prediction!.gpus).toEqual({ kind: 'none' });
    expect((await session.core.runs.waitForEnd(prediction!.id)).state).toBe('succeeded');
  }, 180_000);

  it('made no outside request and logged no error', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
