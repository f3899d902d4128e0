import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { waitFor } from '../helpers/wait';
import { appSession } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Run page: stopping an advanced training says it keeps no model, and says none was kept', () => {
  const session = appSession({
    core: { runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.4'] },
    prepare: () => void makeClassDataset(dataset, { classes: { benign: 12, malignant: 12 }, size: 16, seed: 41 }),
  });
  const { dir, runIds } = session;
  const dataset = path.join(dir, 'lesions');

  it('warns before the stop, ends cancelled, lists no model and claims none', async () => {
    const { core, app } = session;
    const response = await core.handlers['runs:start-training']({
      dataset: { path: dataset, gtFile: null, ohe: false },
      options: { analysis: 'advanced', architectures: ['Vanilla', 'Vanilla'], epochs: 60, batchSize: 8, workers: 1, threeDim: false },
      gpus: { kind: 'none' },
    });
    if (!response.ok) throw new Error(response.error.message);
    const runId = response.data.id;
    runIds.push(runId);
    await waitFor(() => {
      const run = core.runs.get(runId);
      return run.mode === 'training' && run.epochs.length >= 1 ? true : null;
    }, 120_000);

    await app.page.getByTestId('nav-runs').click();
    await app.page.locator(`[data-testid=runs-row][data-run-id="${runId}"]`).click();
    await app.page.getByTestId('run-stop').click();
    await app.page.getByTestId('stop-confirm').waitFor();
    expect(await app.page.getByTestId('stop-consequence').textContent()).toContain('An advanced run keeps no model when stopped');
    // the fold's checkpoint is not in the output folder (composite.py): the page does not say it is
    const best = await app.page.getByTestId('best-epoch').textContent();
    expect(best).toContain('temporary folder');
    expect(best).not.toContain('model.best_loss.keras');
    await app.screenshot('run-advanced-stop-confirm');
    await app.page.getByTestId('stop-yes').click();
    await app.page.locator('[data-testid=run-state][data-state=cancelled]').waitFor({ timeout: 60_000 });
    const sentence = await app.page.getByTestId('run-sentence').textContent();
    expect(sentence).toMatch(/You stopped this run\. No model was kept: an advanced run/);
    expect(sentence).not.toMatch(/saved so far|are kept|until then/);
    expect(await app.page.getByTestId('run-model-files').textContent()).toMatch(/^No model was saved \(an advanced run keeps no model when stopped\)\.$/);
    await app.screenshot('run-advanced-cancelled');
  }, 180_000);
});
