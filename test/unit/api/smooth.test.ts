import { describe, expect, it } from 'vitest';
import { pointsIn, smooth } from '../../../renderer/src/components/curve-math';

describe('learning-curve smoothing (TensorBoard EMA, debiased)', () => {
  it('leaves the values alone at 0, and starts at the first value, not at 0', () => {
    const points = [{ x: 1, y: 1 }, { x: 2, y: 3 }, { x: 3, y: 2 }];
    expect(smooth(points, 0)).toEqual(points);
    const smoothed = smooth(points, 0.5);
    expect(smoothed[0]!.y).toBeCloseTo(1);
    // (0.5*0.5 + 0.5*3) / (1 - 0.25) = 1.75 / 0.75
    expect(smoothed[1]!.y).toBeCloseTo(1.75 / 0.75);
    expect(smoothed.map((p) => p.x)).toEqual([1, 2, 3]);
  });

  it('keeps gaps, and restarts after one', () => {
    const smoothed = smooth([{ x: 1, y: 4 }, { x: 2, y: null }, { x: 3, y: 10 }], 0.9);
    expect(smoothed[1]!.y).toBeNull();
    expect(smoothed[2]!.y).toBeCloseTo(10);
  });

  it('zooms to an x range with one neighbour on each side', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ x: i + 1, y: i }));
    expect(pointsIn(points, 4, 6).map((p) => p.x)).toEqual([3, 4, 5, 6, 7]);
    expect(pointsIn(points, 0, 2).map((p) => p.x)).toEqual([1, 2, 3]);
  });
});
