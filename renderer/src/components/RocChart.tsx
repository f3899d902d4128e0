import { useMemo, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { RocCurve } from '../../../src/api';
import { useT } from '../i18n';
import { useWidth } from './LineChart';
import { useValue } from '../i18n';
import { classColor } from './PredictionResults';

const MARGIN = { left: 52, right: 16, top: 12, bottom: 40 };
const MAX_SIDE = 380;

interface Hover {
  curve: number;
  point: number;
}

/** One ROC curve per class on a square chart with the chance diagonal; hover (or the arrow keys) reads a point. */
export function RocChart({ curves }: { curves: readonly RocCurve[] }) {
  const t = useT();
  const formatValue = useValue();
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
  const aucText = (curve: RocCurve) => (curve.auc === null ? t('apply:roc.aucUndefined') : t('apply:roc.auc', { value: formatValue(curve.auc) }));

  const svgWidth = side + MARGIN.left + MARGIN.right;
  return (
    <figure className="chart roc-chart" data-testid="roc-chart">
      <div className="roc-layout" ref={wrapRef}>
        <div
          className="chart-body"
          style={{ width: svgWidth }}
          tabIndex={0}
          role="img"
          aria-label={t('apply:roc.ariaLabel', { curves: curves.map((c) => t('apply:roc.curveLabel', { name: c.className, auc: aucText(c) })).join(', ') })}
          onKeyDown={onKeyDown}
          onBlur={() => setHover(null)}
        >
          <svg width={svgWidth} height={height} onPointerMove={onPointerMove} onPointerLeave={() => setHover(null)} data-curves={curves.filter((c) => c.points.length).length}>
            <rect x={MARGIN.left} y={MARGIN.top} width={side} height={side} className="chart-plot" />
            {ticks.map((tick) => (
              <g key={tick}>
                <line x1={MARGIN.left} x2={MARGIN.left + side} y1={sy(tick)} y2={sy(tick)} className="chart-grid" />
                <line x1={sx(tick)} x2={sx(tick)} y1={MARGIN.top} y2={MARGIN.top + side} className="chart-grid" />
                <text x={MARGIN.left - 6} y={sy(tick)} dy="0.32em" textAnchor="end" className="chart-tick">
                  {formatValue(tick)}
                </text>
                <text x={sx(tick)} y={MARGIN.top + side + 16} textAnchor="middle" className="chart-tick">
                  {formatValue(tick)}
                </text>
              </g>
            ))}
            <line x1={sx(0)} y1={sy(0)} x2={sx(1)} y2={sy(1)} stroke="#5c6a7d" strokeDasharray="4 4" />
            <text x={MARGIN.left + side} y={height - 4} textAnchor="end" className="chart-tick">
              {t('apply:roc.xAxis')}
            </text>
            <text transform={`translate(12 ${MARGIN.top + side / 2}) rotate(-90)`} textAnchor="middle" className="chart-tick">
              {t('apply:roc.yAxis')}
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
              <div>{t('apply:roc.fpr', { value: formatValue(hovered.point.fpr) })}</div>
              <div>{t('apply:roc.tpr', { value: formatValue(hovered.point.tpr) })}</div>
              <div>{hovered.point.threshold === null ? t('apply:roc.thresholdAbove') : t('apply:roc.threshold', { value: formatValue(hovered.point.threshold) })}</div>
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
                    {t('apply:roc.ofClass', { positives: curve.positives, count: curve.positives + curve.negatives })}
                  </span>
                </span>
              </li>
            ))}
          </ul>
          {curves.some((curve) => curve.auc === null) && <p className="muted small">{t('apply:roc.undefinedExplain')}</p>}
        </figcaption>
      </div>
    </figure>
  );
}
