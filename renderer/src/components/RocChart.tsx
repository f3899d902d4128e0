import { useMemo, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { RocCurve } from '../../../src/api';
import { formatValue, useWidth } from './LineChart';
import { classColor } from './PredictionResults';

const MARGIN = { left: 52, right: 16, top: 12, bottom: 40 };
const MAX_SIDE = 380;

interface Hover {
  curve: number;
  point: number;
}

/** One ROC curve per class on a square chart with the chance diagonal; hover (or the arrow keys) reads a point. */
export function RocChart({ curves }: { curves: readonly RocCurve[] }) {
  const [wrapRef, width] = useWidth();
  const [hover, setHover] = useState<Hover | null>(null);
  const side = Math.max(160, Math.min(MAX_SIDE, width - MARGIN.left - MARGIN.right));
  const height = side + MARGIN.top + MARGIN.bottom;
  const sx = (fpr: number) => MARGIN.left + fpr * side;
  const sy = (tpr: number) => MARGIN.top + (1 - tpr) * side;
  const drawn = useMemo(() => curves.map((curve) => curve.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.fpr).toFixed(1)},${sy(p.tpr).toFixed(1)}`).join('')), [curves, side]);
  const ticks = [0, 0.25, 0.5, 0.75, 1];

  const onPointerMove = (event: PointerEvent<SVGSVGElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    let best: Hover | null = null;
    let bestDistance = 24 ** 2;
    curves.forEach((curve, c) =>
      curve.points.forEach((p, i) => {
        const d = (sx(p.fpr) - x) ** 2 + (sy(p.tpr) - y) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = { curve: c, point: i };
        }
      }),
    );
    setHover(best);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const withPoints = curves.map((c, i) => (c.points.length ? i : -1)).filter((i) => i >= 0);
    if (!withPoints.length) return;
    const current = hover ?? { curve: withPoints[0]!, point: 0 };
    const points = curves[current.curve]!.points.length;
    let next: Hover | null = current;
    if (event.key === 'ArrowRight') next = { ...current, point: Math.min(points - 1, current.point + (hover ? 1 : 0)) };
    else if (event.key === 'ArrowLeft') next = { ...current, point: Math.max(0, current.point - 1) };
    else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const at = withPoints.indexOf(current.curve);
      const curve = withPoints[(at + (event.key === 'ArrowDown' ? 1 : withPoints.length - 1)) % withPoints.length]!;
      next = { curve, point: Math.min(current.point, curves[curve]!.points.length - 1) };
    } else if (event.key === 'Escape') next = null;
    else return;
    event.preventDefault();
    setHover(next);
  };

  const hovered = hover ? { curve: curves[hover.curve]!, point: curves[hover.curve]!.points[hover.point]! } : null;
  const aucText = (curve: RocCurve) => (curve.auc === null ? 'AUC not defined' : `AUC ${formatValue(curve.auc)}`);

  const svgWidth = side + MARGIN.left + MARGIN.right;
  return (
    <figure className="chart roc-chart" data-testid="roc-chart">
      <div className="roc-layout" ref={wrapRef}>
        <div
          className="chart-body"
          style={{ width: svgWidth }}
          tabIndex={0}
          role="img"
          aria-label={`ROC curves: ${curves.map((c) => `${c.className} ${aucText(c)}`).join(', ')}. Use the arrow keys to read the points; up and down change the class.`}
          onKeyDown={onKeyDown}
          onBlur={() => setHover(null)}
        >
          <svg width={svgWidth} height={height} onPointerMove={onPointerMove} onPointerLeave={() => setHover(null)} data-curves={curves.filter((c) => c.points.length).length}>
            <rect x={MARGIN.left} y={MARGIN.top} width={side} height={side} className="chart-plot" />
            {ticks.map((t) => (
              <g key={t}>
                <line x1={MARGIN.left} x2={MARGIN.left + side} y1={sy(t)} y2={sy(t)} className="chart-grid" />
                <line x1={sx(t)} x2={sx(t)} y1={MARGIN.top} y2={MARGIN.top + side} className="chart-grid" />
                <text x={MARGIN.left - 6} y={sy(t)} dy="0.32em" textAnchor="end" className="chart-tick">
                  {t}
                </text>
                <text x={sx(t)} y={MARGIN.top + side + 16} textAnchor="middle" className="chart-tick">
                  {t}
                </text>
              </g>
            ))}
            <line x1={sx(0)} y1={sy(0)} x2={sx(1)} y2={sy(1)} stroke="#5c6a7d" strokeDasharray="4 4" />
            <text x={MARGIN.left + side} y={height - 4} textAnchor="end" className="chart-tick">
              False positive rate (1 − specificity)
            </text>
            <text transform={`translate(12 ${MARGIN.top + side / 2}) rotate(-90)`} textAnchor="middle" className="chart-tick">
              True positive rate (sensitivity)
            </text>
            {drawn.map((d, i) => (
              <path key={curves[i]!.className} d={d} fill="none" stroke={classColor(i)} strokeWidth="2" strokeLinejoin="round" data-testid="roc-curve" />
            ))}
            {hovered && hover && <circle cx={sx(hovered.point.fpr)} cy={sy(hovered.point.tpr)} r="4.5" fill={classColor(hover.curve)} stroke="#fff" strokeWidth="1" pointerEvents="none" />}
          </svg>
          {hovered && hover && (
            <div
              className="chart-tooltip"
              style={{ left: sx(hovered.point.fpr) + (hovered.point.fpr > 0.5 ? -12 : 12), top: sy(hovered.point.tpr) + (hovered.point.tpr > 0.5 ? 8 : -96), transform: hovered.point.fpr > 0.5 ? 'translateX(-100%)' : undefined }}
              data-testid="roc-tooltip"
            >
              <strong style={{ color: classColor(hover.curve) }}>{hovered.curve.className}</strong>
              <div>False positive rate: {formatValue(hovered.point.fpr)}</div>
              <div>True positive rate: {formatValue(hovered.point.tpr)}</div>
              <div>Threshold: {hovered.point.threshold === null ? 'above every score' : `probability ≥ ${formatValue(hovered.point.threshold)}`}</div>
            </div>
          )}
        </div>
        <figcaption>
          <ul className="roc-legend">
            {curves.map((curve, i) => (
              <li key={curve.className} data-testid="roc-legend-item" data-class={curve.className} data-auc={curve.auc ?? ''}>
                <span className="compare-swatch" style={{ background: classColor(i) }} aria-hidden="true" />
                <span>
                  <strong>{curve.className}</strong>: {aucText(curve)}
                  <span className="muted small">
                    {' '}
                    ({curve.positives.toLocaleString()} of {(curve.positives + curve.negatives).toLocaleString()} images of this class)
                  </span>
                </span>
              </li>
            ))}
          </ul>
          {curves.some((curve) => curve.auc === null) && <p className="muted small">Not defined: the set has no image of the class, or only images of it.</p>}
        </figcaption>
      </div>
    </figure>
  );
}
