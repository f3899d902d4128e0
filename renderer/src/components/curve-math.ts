/** Point maths of the learning curves, pure (tested in Node): smoothing and the zoomed range. */
export interface CurvePoint {
  x: number;
  y: number | null;
}

/**
 * TensorBoard's smoothing: an exponential moving average with weight `weight` (0 = none, 0.99 =
 * strongest), debiased so the first points are not pulled towards 0; gaps stay gaps and restart it.
 */
export function smooth(points: readonly CurvePoint[], weight: number): CurvePoint[] {
  if (!(weight > 0)) return points as CurvePoint[];
  let last = 0;
  let count = 0;
  return points.map((p) => {
    if (p.y === null || !Number.isFinite(p.y)) {
      last = 0;
      count = 0;
      return p;
    }
    last = last * weight + (1 - weight) * p.y;
    count += 1;
    return { x: p.x, y: last / (1 - weight ** count) };
  });
}

/** The points with x in [x0, x1] (sorted by x), plus the nearest one outside on each side so lines run to the edge. */
export function pointsIn(points: readonly CurvePoint[], x0: number, x1: number): readonly CurvePoint[] {
  let start = 0;
  while (start < points.length && points[start]!.x < x0) start += 1;
  let end = points.length;
  while (end > start && points[end - 1]!.x > x1) end -= 1;
  return points.slice(Math.max(0, start - 1), Math.min(points.length, end + 1));
}
