import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../../../src/api/runs';
import { heatMapFileName, heatMapIndex, heatMapSample, isHeatMapVolume } from '../../../src/aucmedi/outputs';
import { readPredictionTable, readRunImage } from '../../../src/runs/results';
import { jpegBytes, niftiGzBytes, pngBytes } from '../../helpers/image-bytes';
import { tempDir } from '../../helpers/temp';

describe("AUCMEDI's heat map names (aucmedi/xai/decoder.py postprocess_output)", () => {
  it('names a heat map <sample>.<image format of the prediction folder>', () => {
    expect(heatMapFileName('case_01', 'jpg')).toBe('case_01.jpg');
    expect(heatMapFileName('scan', 'JPEG')).toBe('scan.JPEG');
    // io_directory.py: `x.nii.gz` is sample `x.nii` with format `gz`
    expect(heatMapFileName('x.nii', 'gz')).toBe('x.nii.gz');
    expect(heatMapFileName('a/b', 'png')).toBe('a.b.png');
    expect(heatMapFileName('plain', null)).toBe('plain');
  });

  it('finds the sample of a heat map file by its last extension only', () => {
    expect(heatMapSample('case_01.jpg')).toBe('case_01');
    expect(heatMapSample('x.nii.gz')).toBe('x.nii');
    expect(heatMapSample('v1.2.tif')).toBe('v1.2');
    expect(heatMapSample('noext')).toBeNull();
    expect(heatMapSample('.hidden')).toBeNull();
    for (const [sample, format] of [['a', 'png'], ['x.nii', 'gz'], ['v1.2', 'mha'], ['c', 'JPG']] as const) expect(heatMapSample(heatMapFileName(sample, format))).toBe(sample);
  });

  it('indexes an xai folder by sample', () => {
    expect([...heatMapIndex(['b.jpg', 'a.jpg', 'x.nii.gz', 'README'])]).toEqual([
      ['a', 'a.jpg'],
      ['b', 'b.jpg'],
      ['x.nii', 'x.nii.gz'],
    ]);
  });

  it("takes a 3D model's heat maps as volumes (utils/visualizer.py visualize_volume), except an animated GIF", () => {
    expect(isHeatMapVolume('x.nii.gz', true)).toBe(true);
    expect(isHeatMapVolume('x.mha', true)).toBe(true);
    expect(isHeatMapVolume('x.npy', true)).toBe(true);
    expect(isHeatMapVolume('x.gif', true)).toBe(false);
    expect(isHeatMapVolume('x.png', false)).toBe(false);
  });
});

describe('the heat maps of a finished prediction, as the window gets them', () => {
  const record = (outputDir: string, threeDim: boolean): PredictionRecord =>
    ({
      id: `run-heat-${threeDim ? '3d' : '2d'}-${path.basename(outputDir)}`,
      mode: 'prediction',
      state: 'succeeded',
      outputDir,
      images: { path: path.join(outputDir, 'images'), fingerprint: null, totalImages: 2 },
      model: { dir: '/m', runId: null, classNames: ['a', 'b'], analysis: 'standard', architectures: ['Vanilla'], threeDim },
      options: { batchSize: 1, workers: 1, xaiMethod: 'gradcam' },
    }) as unknown as PredictionRecord;

  it('2D on JPEG inputs: finds <sample>.jpg, and serves it as an image', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'xai'), { recursive: true });
    writeFileSync(path.join(dir, 'preds.csv'), 'SAMPLE,a,b\ncase.1,0.2,0.8\ncase2,0.9,0.1\nnone,0.5,0.5\n');
    writeFileSync(path.join(dir, 'xai', 'case.1.jpg'), jpegBytes(16, 16));
    writeFileSync(path.join(dir, 'xai', 'case2.jpg'), jpegBytes(16, 16));
    const run = record(dir, false);
    const table = await readPredictionTable(run);
    expect(table.heatMaps).toEqual(['case.1', 'case2']);
    expect(table.heatMapFiles).toEqual({ 'case.1': 'case.1.jpg', case2: 'case2.jpg' });
    expect(table.heatMapVolumes).toBe(false);
    expect(table.heatMapDir).toBe(path.join(dir, 'xai'));
    expect((await readRunImage(run, 'case.1', 'heatmap')).dataUrl).toMatch(/^data:image\/jpeg;base64,/);
    expect(await readRunImage(run, 'none', 'heatmap')).toMatchObject({ dataUrl: null, reason: 'no heat map for this image' });
  });

  it('a PNG heat map of a sample whose name has a dot is found (not cut at the first dot)', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'xai'), { recursive: true });
    writeFileSync(path.join(dir, 'preds.csv'), 'SAMPLE,a,b\nv1.2,0.2,0.8\n');
    writeFileSync(path.join(dir, 'xai', 'v1.2.png'), pngBytes(8, 8));
    const run = record(dir, false);
    expect((await readPredictionTable(run)).heatMaps).toEqual(['v1.2']);
    expect((await readRunImage(run, 'v1.2', 'heatmap')).dataUrl).toMatch(/^data:image\/png;base64,/);
  });

  it('3D: finds <sample>.nii.gz for the sample x.nii, says it is a volume and where, draws nothing', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'xai'), { recursive: true });
    writeFileSync(path.join(dir, 'preds.csv'), 'SAMPLE,a,b\nscan.nii,0.2,0.8\n');
    writeFileSync(path.join(dir, 'xai', 'scan.nii.gz'), niftiGzBytes([4, 4, 4]));
    const run = record(dir, true);
    const table = await readPredictionTable(run);
    expect(table.heatMaps).toEqual(['scan.nii']);
    expect(table.heatMapFiles).toEqual({ 'scan.nii': 'scan.nii.gz' });
    expect(table.heatMapVolumes).toBe(true);
    const image = await readRunImage(run, 'scan.nii', 'heatmap');
    expect(image.dataUrl).toBeNull();
    expect(image.reason).toContain('volume');
    expect(image.reason).toContain(path.join(dir, 'xai', 'scan.nii.gz'));
  });
});
