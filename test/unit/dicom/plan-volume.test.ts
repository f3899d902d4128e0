import { describe, expect, it } from 'vitest';
import { planVolume, type SliceInfo } from '../../../src/dicom/volume';

const slice = (k: number, extra: Partial<SliceInfo> = {}): SliceInfo => ({
  rel: `s${k}`, position: [0, 0, 2 * k], orientation: [1, 0, 0, 0, 1, 0], pixelSpacing: [0.5, 0.5], rows: 4, columns: 4, fitsInt16: true, ...extra,
});

describe('a series planned as AUCMEDI will resample it (sitk_loader.py: size x spacing to 1 mm)', () => {
  it('gives positive spacings from Pixel Spacing and the positions', () => {
    const plan = planVolume([slice(2), slice(0), slice(1)]);
    expect(plan).toMatchObject({ files: ['s0', 's1', 's2'], spacing: [0.5, 0.5, 2] });
  });

  it('refuses a Pixel Spacing of zero or below, which AUCMEDI would resample to an empty volume', () => {
    for (const pixelSpacing of [[0, 0.5], [0.5, -0.5]] as [number, number][]) {
      expect(planVolume([0, 1, 2].map((k) => slice(k, { pixelSpacing })))).toMatchObject({ problem: expect.stringMatching(/Pixel Spacing .* is not positive/) });
    }
  });
});
