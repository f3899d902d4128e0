/**
 * Issue 14 point 3 in the window: a class-folder set exported with the litter a workstation leaves
 * (.DS_Store, a notes file, a sub-folder) is shown with what AUCMEDI gets and what is left out,
 * called ready, and trains to success on the stand-in, which reads class folders whole as AUCMEDI does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { snapshotFolder } from '../helpers/snapshot';
import { appSession } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('a littered dataset folder on the Dataset page trains (real UI, real core, real engine, stand-in)', () => {
  let dataset = '';
  let before: string[] = [];
  const session = appSession({
    prepare: () => {
      dataset = path.join(session.dir, 'PACS export');
      makeClassDataset(dataset, { classes: { benign: 12, malignant: 12 }, size: 16, seed: 41 });
      writeFileSync(path.join(dataset, 'benign', '.DS_Store'), Buffer.from('\0\0\0\x01Bud1'));
      writeFileSync(path.join(dataset, 'malignant', 'notes.txt'), 'second reader: agreed');
      mkdirSync(path.join(dataset, 'malignant', 'old'));
      writeFileSync(path.join(dataset, 'malignant', 'old', 'readme.txt'), 'old scans');
      before = snapshotFolder(dataset);
    },
  });

  it('shows what AUCMEDI gets and what is left out, calls it ready, and the training succeeds', async () => {
    const { app, core } = session;
    await app.page.getByTestId('nav-dataset').click();
    await app.drop('[data-testid=dataset-drop]', [dataset]);
    await app.page.getByTestId('dataset-verdict').filter({ hasText: 'Ready for training' }).waitFor({ timeout: 60_000 });
    expect(await app.page.getByTestId('dataset-dimensionality').textContent()).toMatch(/^24 2D images/);
    expect(await app.page.getByTestId('dataset-left-out').textContent()).toMatch(/^3 files and folders \(system files, notes, sub-folders; listed below\)/);
    const warnings = await app.page.getByTestId('problem-warning').evaluateAll((items) => items.map((item) => item.getAttribute('data-code')));
    expect(warnings).toEqual(expect.arrayContaining(['HIDDEN_FILES', 'IGNORED_NON_IMAGE', 'NESTED_FOLDERS']));
    expect(await app.page.getByTestId('problem-error').count()).toBe(0);
    await app.screenshot('dataset-left-out');

    await app.page.getByTestId('nav-train').click();
    await app.page.getByTestId('arch-search').waitFor({ timeout: 30_000 });
    await app.page.getByTestId('arch-search').fill('vanil');
    await app.page.getByTestId('arch-Vanilla').click();
    await app.page.getByTestId('train-epochs').fill('10');
    await app.page.getByTestId('train-batch').fill('8');
    await app.page.getByTestId('train-gpu').selectOption('none');
    await app.page.getByTestId('train-start').click();
    await app.page.getByTestId('page-run').waitFor({ timeout: 60_000 });
    await app.page.locator('[data-testid=run-state][data-state=succeeded]').waitFor({ timeout: 180_000 });
    const runs = await core.handlers['runs:list']({});
    if (runs.ok) session.runIds.push(...runs.data.map((run) => run.id));
    expect(runs.ok && runs.data.map((run) => run.state)).toEqual(['succeeded']);
    expect(snapshotFolder(dataset)).toEqual(before);
  }, 300_000);
});
