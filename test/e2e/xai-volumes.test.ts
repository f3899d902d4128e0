import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeVolumeDataset } from '../helpers/images';
import { requireBuild, requireChromium, requireEngine } from '../helpers/requirements';
import { appSession } from './harness';

const ready = requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Run page: the heat maps of a 3D prediction are volumes, named with their folder, not drawn', () => {
  const session = appSession();
  const { dir, runIds } = session;

  it('says where the volume files are, with the open-folder button, and shows no broken image', async () => {
    const { core, app } = session;
    makeVolumeDataset(path.join(dir, 'training'), { classes: { left: 6, right: 6 }, size: 12, seed: 51 });
    makeVolumeDataset(path.join(dir, 'new'), { classes: { scans: 3 }, size: 12, seed: 53 });
    const ok = async <T>(promise: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>) => {
      const response = await promise;
      if (!response.ok) throw new Error(response.error.message);
      return response.data;
    };
    const training = await ok(
      core.handlers['runs:start-training']({
        dataset: { path: path.join(dir, 'training'), gtFile: null, ohe: false },
        options: { analysis: 'standard', architectures: ['Vanilla'], epochs: 11, batchSize: 4, workers: 1, threeDim: true, shape3D: [16, 16, 16] },
        gpus: { kind: 'none' },
      }),
    );
    runIds.push(training.id);
    expect((await core.runs.waitForEnd(training.id)).state).toBe('succeeded');
    const started = await ok(
      core.handlers['runs:start-prediction']({ model: { runId: training.id }, images: path.join(dir, 'new', 'scans'), options: { batchSize: 4, workers: 1, xaiMethod: 'gradcam' }, gpus: { kind: 'none' } }),
    );
    runIds.push(started.id);
    expect((await core.runs.waitForEnd(started.id)).state).toBe('succeeded');

    await app.page.getByTestId('nav-runs').click();
    await app.page.locator(`[data-testid=runs-row][data-run-id="${started.id}"]`).click();
    const volumes = app.page.getByTestId('heatmap-volumes');
    await volumes.waitFor({ timeout: 30_000 });
    expect(await volumes.textContent()).toMatch(/3D volumes[\s\S]*scans_000\.nii[\s\S]*volume viewer/);
    expect(await app.page.getByTestId('heatmap-dir').textContent()).toBe(path.join(started.outputDir, 'xai'));
    expect(await volumes.getByTestId('run-open-folder').count()).toBe(1);
    // no heat map pictures offered
    expect(await app.page.getByTestId('prediction-heatmaps').count()).toBe(0);
    await app.page.getByTestId('prediction-open').first().click();
    const detail = app.page.getByTestId('prediction-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('heatmap-volume-file').textContent()).toContain(path.join(started.outputDir, 'xai', 'scans_000.nii'));
    expect(await detail.getByTestId('heatmap-large').count()).toBe(0);
    await app.screenshot('prediction-3d-heatmap-volumes');
  }, 300_000);
});
