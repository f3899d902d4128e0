import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GpuSampleBatch } from '../../src/api';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { appSession } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Run extras: output folder, GPU readings, saving the log, opening the folder, comparing runs', () => {
  const session = appSession({
    core: { runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.2'] },
    prepare: () => void makeClassDataset(dataset, { classes: { benign: 12, malignant: 12 }, size: 16, seed: 5 }),
  });
  const { dir, dialogs, runIds } = session;
  const dataset = path.join(dir, 'lesions');
  const runsDir = path.join(dir, 'runs');
  const chosen = path.join(dir, 'chosen-output');

  const summaryOf = async (runId: string) => {
    const response = await session.core.handlers['runs:list']({});
    if (!response.ok) throw new Error(response.error.message);
    return response.data.find((run) => run.id === runId)!;
  };
  const sample = (utilization: number, usedMiB: number): GpuSampleBatch => ({
    at: new Date().toISOString(),
    gpus: [
      { index: 0, utilizationPercent: utilization, memoryUsedMiB: usedMiB, memoryTotalMiB: 24576 },
      { index: 1, utilizationPercent: null, memoryUsedMiB: null, memoryTotalMiB: null },
    ],
  });
  const startFromTrainPage = async () => {
    await session.app.page.getByTestId('train-start').click();
    await session.app.page.getByTestId('page-run').waitFor({ timeout: 60_000 });
    const response = await session.core.handlers['runs:list']({});
    if (!response.ok) throw new Error(response.error.message);
    const fresh = response.data.find((run) => !runIds.includes(run.id))!;
    runIds.push(fresh.id);
    return fresh;
  };

  it('chooses the output folder on the Train page; a folder that is not empty is refused like any start problem', async () => {
    dialogs.folderQueue.push(dataset);
    await session.app.page.getByTestId('nav-dataset').click();
    await session.app.page.getByTestId('dataset-choose').click();
    await session.app.page.getByTestId('dataset-verdict').filter({ hasText: 'Ready for training' }).waitFor({ timeout: 60_000 });
    await session.app.page.getByTestId('nav-train').click();
    await session.app.page.getByTestId('arch-search').fill('vanil');
    await session.app.page.getByTestId('arch-Vanilla').click();
    await session.app.page.getByTestId('arch-search').fill('');
    await session.app.page.getByTestId('train-epochs').fill('60');
    await session.app.page.getByTestId('train-batch').fill('8');
    await session.app.page.getByTestId('train-cpu-note').waitFor({ timeout: 60_000 });
    expect(await session.app.page.getByTestId('train-output').textContent()).toBe(`A new folder under ${runsDir}`);
    expect(await session.app.page.getByTestId('train-output-default').count()).toBe(0);

    const occupied = path.join(dir, 'occupied');
    mkdirSync(occupied);
    writeFileSync(path.join(occupied, 'notes.txt'), 'not for AUCMEDI');
    dialogs.folderQueue.push(occupied);
    await session.app.page.getByTestId('train-output-choose').click();
    expect(await session.app.page.getByTestId('train-output-chosen').textContent()).toBe(occupied);
    await session.app.page.getByTestId('train-start').click();
    const refusal = session.app.page.getByTestId('train-start-error');
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.textContent()).toMatch(/is not empty[\s\S]*What to do:[\s\S]*empty or new folder/);
    expect(await session.app.page.getByTestId('page-train').count()).toBe(1);
    expect((await session.core.handlers['runs:list']({})) as unknown).toMatchObject({ ok: true, data: [] });

    await session.app.page.getByTestId('train-output-default').click();
    expect(await session.app.page.getByTestId('train-output').textContent()).toBe(`A new folder under ${runsDir}`);
    expect(await session.app.page.getByTestId('train-start-error').count()).toBe(0);

    // Cancelling the dialog keeps what was there.
    await session.app.page.getByTestId('train-output-choose').click();
    expect(await session.app.page.getByTestId('train-output').textContent()).toBe(`A new folder under ${runsDir}`);

    mkdirSync(chosen);
    dialogs.folderQueue.push(chosen);
    await session.app.page.getByTestId('train-output-choose').click();
    await session.app.page.getByTestId('train-output-chosen').filter({ hasText: chosen }).waitFor();
    await session.app.page.getByTestId('train-hardware').scrollIntoViewIfNeeded();
    await session.app.screenshot('train-output-folder');

    const run = await startFromTrainPage();
    expect(run.outputDir).toBe(chosen);
    expect(await session.app.page.getByTestId('run-output-live').textContent()).toBe(chosen);
  }, 180_000);

  it('says a CPU run runs on the CPU, and shows each GPU while the core reports readings for a GPU run', async () => {
    const runId = runIds[0]!;
    await session.app.page.getByTestId('run-state').filter({ hasText: 'Running' }).waitFor({ timeout: 30_000 });
    expect(await session.app.page.getByTestId('run-cpu').textContent()).toMatch(/^Running on the CPU\./);
    expect(await session.app.page.getByTestId('gpu-panel').count()).toBe(0);

    // No GPU here: the page is told this run uses GPUs, then gets readings, as the core sends them for a GPU run.
    const summary = await summaryOf(runId);
    await session.app.pushEvent({ type: 'run:state', run: { ...summary, gpus: { kind: 'all' } } });
    await session.app.page.getByTestId('gpu-waiting').waitFor();
    expect(await session.app.page.getByTestId('run-cpu').count()).toBe(0);
    await session.app.pushEvent({ type: 'run:gpu', runId, sample: sample(35, 3072) });
    await session.app.pushEvent({ type: 'run:gpu', runId, sample: sample(64, 4608) });
    await session.app.pushEvent({ type: 'run:gpu', runId, sample: sample(87, 5120) });
    await session.app.pushEvent({ type: 'run:gpu', runId: 'another-run', sample: sample(5, 100) });

    await session.app.page.getByTestId('gpu-item').first().waitFor();
    const first = session.app.page.locator('[data-testid=gpu-item][data-index="0"]');
    await first.getByTestId('gpu-utilization').filter({ hasText: '87 %' }).waitFor();
    expect(await session.app.page.getByTestId('gpu-item').count()).toBe(2);
    expect(await first.textContent()).toMatch(/^GPU 0/);
    expect(await first.getByTestId('gpu-memory').textContent()).toMatch(/5\.0 GiB of 24\.0 GiB/);
    expect(await first.getByTestId('gpu-sparkline').getAttribute('data-points')).toBe('3');
    expect(await first.getByTestId('gpu-utilization').locator('[role=meter]').getAttribute('aria-valuenow')).toBe('87');
    const second = session.app.page.locator('[data-testid=gpu-item][data-index="1"]');
    expect(await second.getByTestId('gpu-utilization').textContent()).toMatch(/not reported/);
    await session.app.page.getByTestId('run-processor').scrollIntoViewIfNeeded();
    await session.app.screenshot('run-gpu');

    await session.app.pushEvent({ type: 'run:state', run: summary });
    await session.app.page.getByTestId('run-cpu').waitFor();
  }, 60_000);

  it('puts the outputs in the chosen folder; saves the log where the user says; opens the folder', async () => {
    const runId = runIds[0]!;
    // At least two epochs, so the comparison below has a curve of this run.
    await session.app.page.waitForFunction(() => Number(document.querySelector('[data-testid=chart-loss] svg[data-points]')?.getAttribute('data-points')) >= 4, null, { timeout: 60_000 });
    await session.app.page.getByTestId('run-stop').click();
    await session.app.page.getByTestId('stop-yes').click();
    await session.app.page.locator('[data-testid=run-state][data-state=cancelled]').waitFor({ timeout: 60_000 });
    expect(await session.app.page.getByTestId('run-processor').count()).toBe(0);
    expect(existsSync(path.join(chosen, 'run.log'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(chosen, 'run.json'), 'utf8'))).toMatchObject({ run: { id: runId } });
    expect(await session.app.page.getByTestId('run-output-dir').textContent()).toBe(chosen);

    await session.app.page.getByTestId('run-log-toggle').click();
    await session.app.page.getByTestId('log-count').filter({ hasText: /[1-9]\d* lines/ }).waitFor({ timeout: 10_000 });
    const target = path.join(dir, 'saved', 'lesions-run.log');
    mkdirSync(path.dirname(target));
    dialogs.saveQueue.push(target);
    await session.app.page.getByTestId('log-save').click();
    await session.app.page.getByTestId('log-saved').waitFor();
    expect(await session.app.page.getByTestId('log-saved').textContent()).toBe(`Saved to ${target}`);
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(path.join(chosen, 'run.log'), 'utf8'));

    // Cancelled: nothing is said; a folder that cannot be written to: the reason and what to do.
    await session.app.page.getByTestId('log-save').click();
    await session.app.page.getByTestId('log-saved').waitFor({ state: 'detached' });
    dialogs.saveQueue.push(path.join(dir, 'no-such-folder', 'run.log'));
    await session.app.page.getByTestId('log-save').click();
    const problem = session.app.page.getByTestId('log-save-error');
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(/could not be saved[\s\S]*What to do:/);

    // The learning curves: exported as CSV (every epoch of the record), zoomed, smoothed, as a table.
    const curvesFile = path.join(dir, 'saved', 'curves.csv');
    dialogs.saveQueue.push(curvesFile);
    await session.app.page.getByTestId('curves-export').click();
    await session.app.page.getByTestId('curves-exported').waitFor();
    expect(await session.app.page.getByTestId('curves-exported').textContent()).toContain(curvesFile);
    const record = await session.core.handlers['runs:get']({ runId });
    if (!record.ok || record.data.mode !== 'training') throw new Error('no training record');
    const [header, ...rows] = readFileSync(curvesFile, 'utf8').trim().split('\n');
    expect(header).toMatch(/^model,epoch,phase,seconds,.*\bval_loss\b/);
    expect(rows).toHaveLength(record.data.epochs.length);
    const columns = header!.split(',');
    const first = rows[0]!.split(',');
    expect(Number(first[columns.indexOf('val_loss')])).toBeCloseTo(record.data.epochs[0]!.metrics.val_loss!, 10);

    const loss = session.app.page.getByTestId('chart-loss');
    await loss.getByTestId('chart-loss-table').locator('summary').click();
    // The table is drawn on the toggle event, after the click returns.
    await expect.poll(() => loss.getByTestId('chart-loss-table').locator('tbody tr').count()).toBe(record.data.epochs.filter((e) => e.model === 0).length);
    const svg = loss.locator('svg[data-points]');
    const box = (await svg.boundingBox())!;
    await session.app.page.mouse.move(box.x + 70, box.y + 60);
    await session.app.page.mouse.down();
    await session.app.page.mouse.move(box.x + 70 + (box.width - 90) / 3, box.y + 60, { steps: 5 });
    await session.app.page.mouse.up();
    await loss.getByTestId('chart-loss-reset-zoom').waitFor();
    // the x range dragged across, in epochs, starting after the first epoch's left edge
    const [zoomFrom, zoomTo] = (await svg.getAttribute('data-zoom'))!.split('-').map(Number);
    expect(zoomFrom).toBeGreaterThanOrEqual(1);
    expect(zoomTo).toBeGreaterThan(zoomFrom!);
    await loss.getByTestId('chart-loss-reset-zoom').click();
    expect(await svg.getAttribute('data-zoom')).toBeNull();
    await loss.getByTestId('chart-loss-smoothing').fill('0.8');
    await expect.poll(() => loss.getByTestId('chart-raw').locator('path').count()).toBe(2);

    await session.app.page.getByTestId('run-results').getByTestId('run-open-folder').click();
    await expect.poll(() => dialogs.shownFolders).toEqual([chosen]);
    expect(await session.app.page.getByTestId('run-folder-error').count()).toBe(0);
    await session.app.screenshot('run-log-saved');
  }, 120_000);

  it('runs a second short training into the default folder to its end', async () => {
    await session.app.page.getByTestId('nav-train').click();
    expect(await session.app.page.getByTestId('train-output').textContent()).toBe(`A new folder under ${runsDir}`);
    await session.app.page.getByTestId('train-epochs').fill('3');
    const run = await startFromTrainPage();
    expect(run.outputDir).toBe(path.join(runsDir, run.id));
    await session.app.page.locator('[data-testid=run-state][data-state=succeeded]').waitFor({ timeout: 120_000 });
  }, 180_000);

  it('opens each run\'s folder from the Runs page and says when a folder is gone', async () => {
    const [first, second] = runIds as [string, string];
    await session.app.page.getByTestId('nav-runs').click();
    await session.app.page.getByTestId('runs-table').waitFor();
    expect(await session.app.page.getByTestId('runs-row').count()).toBe(2);
    const row = session.app.page.locator(`[data-testid=runs-row][data-run-id="${second}"]`);
    await row.getByTestId('run-open-folder').click();
    const secondDir = path.join(runsDir, second);
    await expect.poll(() => dialogs.shownFolders.at(-1)).toBe(secondDir);
    expect(await session.app.page.getByTestId('page-runs').count()).toBe(1);

    renameSync(secondDir, `${secondDir}-moved`);
    try {
      await row.getByTestId('run-open-folder').click();
      const problem = session.app.page.getByTestId('runs-folder-error');
      await problem.waitFor();
      expect(await problem.textContent()).toMatch(new RegExp(`${second}[\\s\\S]*not there any more[\\s\\S]*What to do:`));
      expect(dialogs.shownFolders).toHaveLength(2);
    } finally {
      renameSync(`${secondDir}-moved`, secondDir);
    }
    await session.app.page.locator(`[data-testid=runs-row][data-run-id="${first}"]`).getByTestId('run-open-folder').click();
    await session.app.page.getByTestId('runs-folder-error').waitFor({ state: 'detached' });
    expect(dialogs.shownFolders.at(-1)).toBe(chosen);
  });

  it('compares two runs: both runs\' curves on shared charts, with a legend naming each', async () => {
    const [first, second] = runIds as [string, string];
    expect(await session.app.page.getByTestId('runs-compare').isDisabled()).toBe(true);
    await session.app.page.locator(`[data-testid=runs-row][data-run-id="${first}"]`).getByTestId('runs-compare-tick').check();
    expect(await session.app.page.getByTestId('page-runs').count()).toBe(1); // ticking does not open the run
    expect(await session.app.page.getByTestId('runs-compare').isDisabled()).toBe(true);
    await session.app.page.locator(`[data-testid=runs-row][data-run-id="${second}"]`).getByTestId('runs-compare-tick').check();
    await session.app.page.getByTestId('runs-compare').click();

    const legend = session.app.page.getByTestId('compare-legend-item');
    await legend.first().waitFor();
    expect(await legend.evaluateAll((items) => items.map((item) => item.getAttribute('data-run-id')))).toEqual([first, second]);
    expect(await legend.nth(0).textContent()).toMatch(/#1 Vanilla · lesions · [\s\S]*Cancelled/);
    // --epochs 3: AUCMEDI trains its first phase of 10 epochs all the same.
    expect(await legend.nth(1).textContent()).toMatch(/#2 Vanilla · lesions · [\s\S]*Finished, 10 epochs/);
    // One path per drawn series: val_loss and loss of each run; val_auc of each run.
    expect(await session.app.page.getByTestId('compare-loss').locator('svg[data-points] path').count()).toBe(4);
    expect(await session.app.page.getByTestId('compare-auc').locator('svg[data-points] path').count()).toBe(2);
    expect(await session.app.page.getByTestId('compare-loss').textContent()).toMatch(/#1 val_loss[\s\S]*#1 loss[\s\S]*#2 val_loss[\s\S]*#2 loss/);
    await session.app.screenshot('runs-compare');

    await session.app.page.getByTestId('runs-compare-close').click();
    expect(await session.app.page.getByTestId('compare-charts').count()).toBe(0);
  });

  it('made no outside request and logged no error', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
