import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent, type RefObject } from 'react';
import { useT, useValue } from '../i18n';
import { formatValue } from '../value-format';
import { pointsIn, smooth } from './curve-math';

export { pointsIn, smooth };

export interface ChartPoint {
  x: number;
  /** null leaves a gap (Keras printed nan or inf). */
  y: number | null;
}

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  /** Sorted by x. */
  points: readonly ChartPoint[];
  dashed?: boolean;
}

export interface ChartMarker {
  x: number;
  label: string;
  color?: string;
}

interface LineChartProps {
  title: string;
  series: readonly ChartSeries[];
  /** Logarithmic y axis (values <= 0 are left out). */
  log?: boolean;
  height?: number;
  markers?: readonly ChartMarker[];
  xLabel?: string;
  testId?: string;
  emptyText?: string;
}

const MARGIN = { left: 60, right: 16, top: 18, bottom: 30 };

function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

function linearTicks(min: number, max: number, count: number, integer = false): number[] {
  if (!(max > min)) return [min];
  let step = niceStep(max - min, count);
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const multiples = hi - lo <= 3 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil((hi - lo + 1) / 6));
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e += every) for (const m of multiples) ticks.push(Number((m * 10 ** e).toPrecision(6)));
  return ticks.filter((t) => t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9));
}

interface Domain {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function domainOf(series: readonly ChartSeries[], log: boolean): Domain | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const s of series) {
    for (const p of s.points) {
      if (p.y === null || !Number.isFinite(p.y) || (log && p.y <= 0)) continue;
      if (p.x < x0) x0 = p.x;
      if (p.x > x1) x1 = p.x;
      if (p.y < y0) y0 = p.y;
      if (p.y > y1) y1 = p.y;
    }
  }
  if (!Number.isFinite(x0)) return null;
  if (x1 === x0) {
    x0 -= 1;
    x1 += 1;
  }
  if (log) {
    if (y1 === y0) {
      y0 /= 2;
      y1 *= 2;
    } else {
      const pad = (Math.log10(y1) - Math.log10(y0)) * 0.06;
      y0 = 10 ** (Math.log10(y0) - pad);
      y1 = 10 ** (Math.log10(y1) + pad);
    }
  } else if (y1 === y0) {
    const pad = Math.abs(y0) * 0.1 || 1;
    y0 -= pad;
    y1 += pad;
  } else {
    const pad = (y1 - y0) * 0.06;
    y0 = y0 >= 0 && y0 - pad < 0 ? 0 : y0 - pad;
    y1 += pad;
  }
  return { x0, x1, y0, y1 };
}

/**
 * At most four points per pixel column (first, lowest, highest, last, in order), so a series of a
 * hundred thousand epochs draws as many vertices as the chart is wide, and still shows every spike.
 * A null value (or, on a log axis, one <= 0) starts a new segment.
 */
export function downsample(points: readonly ChartPoint[], x0: number, x1: number, columns: number, log: boolean): ChartPoint[][] {
  const segments: ChartPoint[][] = [];
  let segment: ChartPoint[] = [];
  const span = x1 - x0 || 1;
  const cols = Math.max(1, Math.floor(columns));
  // The open column: indices of its first, lowest, highest and last point (-1: none open).
  let column = -1;
  let first = -1;
  let lo = -1;
  let hi = -1;
  let last = -1;
  const flush = () => {
    if (first < 0) return;
    const keep = [first, lo, hi, last].sort((a, b) => a - b);
    for (let k = 0; k < keep.length; k += 1) if (k === 0 || keep[k] !== keep[k - 1]) segment.push(points[keep[k]!]!);
    first = lo = hi = last = -1;
  };
  for (let i = 0; i < points.length; i += 1) {
    const p = points[i]!;
    if (p.y === null || !Number.isFinite(p.y) || (log && p.y <= 0)) {
      flush();
      if (segment.length) segments.push(segment);
      segment = [];
      column = -1;
      continue;
    }
    const c = Math.min(cols - 1, Math.floor(((p.x - x0) / span) * cols));
    if (c !== column) {
      flush();
      column = c;
      first = lo = hi = i;
    }
    if (p.y < points[lo]!.y!) lo = i;
    if (p.y > points[hi]!.y!) hi = i;
    last = i;
  }
  flush();
  if (segment.length) segments.push(segment);
  return segments;
}

/** Index of the point whose x is nearest to `x` (points sorted by x). */
function nearestIndex(points: readonly ChartPoint[], x: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.x <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(points[hi]!.x - x) < Math.abs(points[lo]!.x - x) ? hi : lo;
}

function valueAt(points: readonly ChartPoint[], x: number): number | null {
  if (!points.length) return null;
  const p = points[nearestIndex(points, x)]!;
  return p.x === x ? p.y : null;
}

export function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setWidth(Math.max(240, Math.floor(element.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

/** A line chart in SVG: axes with a few ticks, several series, a hover read-out of the nearest x, optional log scale. */
export const LineChart = memo(function LineChart({ title, series: allSeries, log = false, height = 220, markers = [], xLabel: xLabelProp, testId, emptyText: emptyTextProp }: LineChartProps) {
  const t = useT();
  const value = useValue();
  const xLabel = xLabelProp ?? t('charts:epoch');
  const emptyText = emptyTextProp ?? t('charts:noValues');
  const [wrapRef, width] = useWidth();
  const [hoverX, setHoverX] = useState<number | null>(null);
  /** Zoom (an x range dragged across the plot), smoothing weight, table shown: as TensorBoard offers them. */
  const [zoom, setZoom] = useState<{ x0: number; x1: number } | null>(null);
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  const [smoothing, setSmoothing] = useState(0);
  const [tableOpen, setTableOpen] = useState(false);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;

  /** The raw values in the zoomed range; `series` what is drawn (smoothed when asked). */
  const raw = useMemo(() => (zoom ? allSeries.map((s) => ({ ...s, points: pointsIn(s.points, zoom.x0, zoom.x1) })) : allSeries), [allSeries, zoom]);
  const series = useMemo(() => (smoothing > 0 ? raw.map((s) => ({ ...s, points: smooth(s.points, smoothing) })) : raw), [raw, smoothing]);
  const domain = useMemo(() => {
    const found = domainOf(raw, log);
    return found && zoom ? { ...found, x0: Math.max(found.x0, zoom.x0), x1: Math.min(found.x1, zoom.x1) } : found;
  }, [raw, log, zoom]);
  const pointCount = useMemo(() => series.reduce((n, s) => n + s.points.filter((p) => p.y !== null).length, 0), [series]);
  /** Every x of any series, sorted and unique: what the hover snaps to. */
  const xs = useMemo(() => {
    const all = new Set<number>();
    for (const s of series) for (const p of s.points) all.add(p.x);
    return [...all].sort((a, b) => a - b).map((x) => ({ x, y: 0 }));
  }, [series]);

  const scales = useMemo(() => {
    if (!domain) return null;
    const { x0, x1, y0, y1 } = domain;
    const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotWidth;
    const ly0 = log ? Math.log10(y0) : y0;
    const ly1 = log ? Math.log10(y1) : y1;
    const sy = (y: number) => MARGIN.top + (1 - ((log ? Math.log10(y) : y) - ly0) / (ly1 - ly0)) * plotHeight;
    return { sx, sy };
  }, [domain, log, plotWidth, plotHeight]);

  const paths = useMemo(() => {
    if (!domain || !scales) return [];
    return series.map((s) => {
      const segments = downsample(s.points, domain.x0, domain.x1, plotWidth, log);
      let vertices = 0;
      const d = segments
        .map((segment) => {
          vertices += segment.length;
          if (segment.length === 1) {
            const p = segment[0]!;
            const x = scales.sx(p.x);
            const y = scales.sy(p.y!);
            return `M${(x - 1.5).toFixed(1)},${y.toFixed(1)}h3`;
          }
          return segment.map((p, i) => `${i ? 'L' : 'M'}${scales.sx(p.x).toFixed(1)},${scales.sy(p.y!).toFixed(1)}`).join('');
        })
        .join('');
      return { series: s, d, vertices };
    });
  }, [series, domain, scales, plotWidth, log]);
  /** Under a smoothed line, the raw values, faint (as TensorBoard draws them). */
  const rawPaths = useMemo(() => {
    if (!(smoothing > 0) || !domain || !scales) return [];
    return raw.map((s) => ({
      key: s.key,
      color: s.color,
      d: downsample(s.points, domain.x0, domain.x1, plotWidth, log)
        .filter((segment) => segment.length > 1)
        .map((segment) => segment.map((p, i) => `${i ? 'L' : 'M'}${scales.sx(p.x).toFixed(1)},${scales.sy(p.y!).toFixed(1)}`).join(''))
        .join(''),
    }));
  }, [raw, smoothing, domain, scales, plotWidth, log]);

  const yTicks = useMemo(() => (domain ? (log ? logTicks(domain.y0, domain.y1) : linearTicks(domain.y0, domain.y1, 4)) : []), [domain, log]);
  const xTicks = useMemo(() => (domain ? linearTicks(domain.x0, domain.x1, Math.max(2, Math.floor(plotWidth / 90)), true) : []), [domain, plotWidth]);

  const pick = (clientX: number, element: Element) => {
    if (!scales || !domain || !xs.length) return;
    const rect = element.getBoundingClientRect();
    const x = domain.x0 + ((clientX - rect.left - MARGIN.left) / plotWidth) * (domain.x1 - domain.x0);
    setHoverX(xs[nearestIndex(xs, x)]!.x);
  };
  const dataX = (clientX: number, element: Element) => {
    const rect = element.getBoundingClientRect();
    return domain ? domain.x0 + ((clientX - rect.left - MARGIN.left) / plotWidth) * (domain.x1 - domain.x0) : 0;
  };
  const onPointerMove = (event: PointerEvent<SVGSVGElement>) => {
    pick(event.clientX, event.currentTarget);
    if (drag) setDrag({ ...drag, to: dataX(event.clientX, event.currentTarget) });
  };
  const onPointerDown = (event: PointerEvent<SVGSVGElement>) => {
    if (!domain || event.button !== 0) return;
    const x = dataX(event.clientX, event.currentTarget);
    setDrag({ from: x, to: x });
  };
  const onPointerUp = () => {
    if (drag && domain && scales) {
      const [x0, x1] = drag.from < drag.to ? [drag.from, drag.to] : [drag.to, drag.from];
      // a click is no zoom: at least 8 pixels across
      if (scales.sx(x1) - scales.sx(x0) >= 8) setZoom({ x0, x1 });
    }
    setDrag(null);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!xs.length) return;
    const index = hoverX === null ? xs.length - 1 : nearestIndex(xs, hoverX);
    const step = event.key === 'ArrowLeft' ? -1 : event.key === 'ArrowRight' ? 1 : event.key === 'Home' ? -xs.length : event.key === 'End' ? xs.length : 0;
    if (event.key === 'Escape') setHoverX(null);
    if (!step) return;
    event.preventDefault();
    setHoverX(xs[Math.max(0, Math.min(xs.length - 1, index + (hoverX === null ? 0 : step)))]!.x);
  };

  const latest = (s: ChartSeries) => {
    for (let i = s.points.length - 1; i >= 0; i -= 1) if (s.points[i]!.y !== null) return s.points[i]!.y;
    return null;
  };
  const hoverPx = hoverX !== null && scales ? scales.sx(hoverX) : null;

  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart-head">
        <span className="chart-title">
          {title}
          {log && <span className="muted small"> {t('charts:logScale')}</span>}
        </span>
        <span className="chart-controls">
          <label className="small muted">
            {t('charts:smoothing')}{' '}
            <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(event) => setSmoothing(Number(event.target.value))} data-testid={testId ? `${testId}-smoothing` : undefined} />{' '}
            <span className="legend-value">{smoothing.toFixed(2)}</span>
          </label>
          {zoom ? (
            <button type="button" className="link small" onClick={() => setZoom(null)} data-testid={testId ? `${testId}-reset-zoom` : undefined}>
              {t('charts:resetZoom')}
            </button>
          ) : (
            <span className="small muted">{t('charts:zoomHint')}</span>
          )}
        </span>
        <span className="chart-legend">
          {series.map((s) => (
            <span key={s.key} className="legend-item">
              <svg width="22" height="10" aria-hidden="true">
                <line x1="1" y1="5" x2="21" y2="5" stroke={s.color} strokeWidth="2.5" strokeDasharray={s.dashed ? '5 3' : undefined} />
              </svg>
              {s.label} <span className="legend-value">{value(hoverX !== null ? valueAt(s.points, hoverX) : latest(s))}</span>
            </span>
          ))}
        </span>
      </figcaption>
      <div
        className="chart-body"
        ref={wrapRef}
        tabIndex={0}
        role="img"
        aria-label={t('charts:aria', { title, values: series.map((s) => `${s.label} ${value(latest(s))}`).join(', ') })}
        onKeyDown={onKeyDown}
        onBlur={() => setHoverX(null)}
      >
        <svg width={width} height={height} data-points={pointCount} data-drawn={paths.reduce((n, p) => n + p.vertices, 0)} onPointerMove={onPointerMove} onPointerDown={onPointerDown} onPointerUp={onPointerUp} onDoubleClick={() => setZoom(null)} onPointerLeave={() => { setHoverX(null); setDrag(null); }} data-zoom={zoom ? `${formatValue(zoom.x0)}-${formatValue(zoom.x1)}` : undefined}>
          <defs>
            <clipPath id={`clip-${testId ?? 'chart'}`}>
              <rect x={MARGIN.left} y={MARGIN.top} width={Math.max(0, plotWidth)} height={Math.max(0, plotHeight)} />
            </clipPath>
          </defs>
          <rect x={MARGIN.left} y={MARGIN.top} width={Math.max(0, plotWidth)} height={Math.max(0, plotHeight)} className="chart-plot" />
          {!domain || !scales ? (
            <text x={MARGIN.left + plotWidth / 2} y={MARGIN.top + plotHeight / 2} textAnchor="middle" className="chart-empty">
              {emptyText}
            </text>
          ) : (
            <>
              {yTicks.map((t) => (
                <g key={`y${t}`}>
                  <line x1={MARGIN.left} x2={MARGIN.left + plotWidth} y1={scales.sy(t)} y2={scales.sy(t)} className="chart-grid" />
                  <text x={MARGIN.left - 6} y={scales.sy(t)} dy="0.32em" textAnchor="end" className="chart-tick">
                    {value(t)}
                  </text>
                </g>
              ))}
              {xTicks.map((t) => (
                <g key={`x${t}`}>
                  <line x1={scales.sx(t)} x2={scales.sx(t)} y1={MARGIN.top + plotHeight} y2={MARGIN.top + plotHeight + 4} className="chart-axis" />
                  <text x={scales.sx(t)} y={MARGIN.top + plotHeight + 17} textAnchor="middle" className="chart-tick">
                    {t}
                  </text>
                </g>
              ))}
              <text x={MARGIN.left + plotWidth} y={height - 2} textAnchor="end" className="chart-tick chart-axis-label">
                {xLabel}
              </text>
              {markers
                .filter((m) => m.x >= domain.x0 && m.x <= domain.x1)
                .map((m) => (
                  <g key={`m${m.label}${m.x}`} data-testid="chart-marker">
                    <line x1={scales.sx(m.x)} x2={scales.sx(m.x)} y1={MARGIN.top} y2={MARGIN.top + plotHeight} stroke={m.color ?? '#ffd166'} strokeDasharray="3 3" strokeWidth="1.5" />
                    <text
                      x={scales.sx(m.x) + (scales.sx(m.x) > MARGIN.left + plotWidth * 0.8 ? -4 : 4)}
                      y={MARGIN.top - 5}
                      textAnchor={scales.sx(m.x) > MARGIN.left + plotWidth * 0.8 ? 'end' : 'start'}
                      className="chart-marker-label"
                      fill={m.color ?? '#ffd166'}
                    >
                      {m.label}
                    </text>
                  </g>
                ))}
              <g clipPath={`url(#clip-${testId ?? 'chart'})`} opacity={0.3} data-testid="chart-raw">
                {rawPaths.map((p) => (
                  <path key={p.key} d={p.d} fill="none" stroke={p.color} strokeWidth="1.5" />
                ))}
              </g>
              <g clipPath={`url(#clip-${testId ?? 'chart'})`}>
                {paths.map(({ series: s, d }) => (
                  <path key={s.key} d={d} fill="none" stroke={s.color} strokeWidth="2" strokeLinejoin="round" strokeDasharray={s.dashed ? '6 4' : undefined} />
                ))}
              </g>
              {drag && Math.abs(scales.sx(drag.to) - scales.sx(drag.from)) > 1 && (
                <rect x={Math.min(scales.sx(drag.from), scales.sx(drag.to))} y={MARGIN.top} width={Math.abs(scales.sx(drag.to) - scales.sx(drag.from))} height={plotHeight} className="chart-selection" />
              )}
              {hoverPx !== null && hoverX !== null && (
                <g pointerEvents="none">
                  <line x1={hoverPx} x2={hoverPx} y1={MARGIN.top} y2={MARGIN.top + plotHeight} className="chart-cursor" />
                  {series.map((s) => {
                    const v = valueAt(s.points, hoverX);
                    if (v === null || (log && v <= 0)) return null;
                    return <circle key={s.key} cx={hoverPx} cy={scales.sy(v)} r="3.5" fill={s.color} />;
                  })}
                </g>
              )}
            </>
          )}
        </svg>
        {hoverX !== null && hoverPx !== null && (
          <div className="chart-tooltip" style={{ left: hoverPx > width / 2 ? hoverPx - 12 : hoverPx + 12, transform: hoverPx > width / 2 ? 'translateX(-100%)' : undefined }} data-testid="chart-tooltip">
            <strong>
              {xLabel} {hoverX}
            </strong>
            {series.map((s) => (
              <div key={s.key}>
                <span style={{ color: s.color }}>■</span> {s.label}: {value(valueAt(s.points, hoverX))}
              </div>
            ))}
          </div>
        )}
      </div>
      <details className="chart-table" onToggle={(event) => setTableOpen(event.currentTarget.open)} data-testid={testId ? `${testId}-table` : undefined}>
        <summary className="small muted">{t('charts:table')}</summary>
        {tableOpen && <CurveTable series={raw} xLabel={xLabel} />}
      </details>
    </figure>
  );
});

/** The values under a chart, one row per x (epoch), one column per series; raw, as logged. */
function CurveTable({ series, xLabel }: { series: readonly ChartSeries[]; xLabel: string }) {
  const value = useValue();
  const rows = useMemo(() => {
    const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
    return xs.map((x) => ({ x, values: series.map((s) => valueAt(s.points, x)) }));
  }, [series]);
  return (
    <div className="chart-table-scroll">
      <table className="small">
        <thead>
          <tr>
            <th scope="col">{xLabel}</th>
            {series.map((s) => (
              <th scope="col" key={s.key}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.x}>
              <th scope="row">{row.x}</th>
              {row.values.map((v, i) => (
                <td key={series[i]!.key}>{value(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
