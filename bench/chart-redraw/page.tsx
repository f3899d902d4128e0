// The page bench/chart-redraw/main.ts opens in Chromium: today's LineChart (React, SVG, downsampled
// to the chart's width) and uPlot (canvas), each redrawn as the run page redraws a live chart.
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import uPlot from 'uplot';
import { LineChart, type ChartSeries } from '../../renderer/src/components/LineChart';

const COLORS = ['#4cc9f0', '#f72585', '#ffd166', '#06d6a0'];
const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));

function curves(seriesCount: number, points: number, shift: number): number[][] {
  const ys: number[][] = [];
  for (let s = 0; s < seriesCount; s += 1) {
    const y = new Array<number>(points);
    for (let i = 0; i < points; i += 1) {
      const x = i + shift;
      y[i] = (1 + s * 0.2) * Math.exp(-x / 3000) + 0.05 * Math.sin(x * 0.37 + s) + 0.02 * Math.sin(x * 7.1);
    }
    ys.push(y);
  }
  return ys;
}

/** Median ms per redraw (new data, then two frames: layout and paint included) and the first draw. */
async function measure(draw: (shift: number) => void, redraws: number): Promise<{ firstMs: number; medianMs: number }> {
  let t = performance.now();
  draw(0);
  await frame();
  const firstMs = performance.now() - t;
  const times: number[] = [];
  for (let r = 1; r <= redraws; r += 1) {
    t = performance.now();
    draw(r);
    await frame();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { firstMs, medianMs: times[Math.floor(times.length / 2)]! };
}

const w = window as unknown as Record<string, unknown>;
w.benchOurs = async (seriesCount: number, points: number, redraws: number) => {
  const host = document.getElementById('host')!;
  host.innerHTML = '';
  const root = createRoot(host);
  const xs = Array.from({ length: points }, (_, i) => i + 1);
  const result = await measure((shift) => {
    const ys = curves(seriesCount, points, shift);
    const series: ChartSeries[] = ys.map((y, s) => ({ key: `s${s}`, label: `series ${s}`, color: COLORS[s % 4]!, points: xs.map((x, i) => ({ x, y: y[i]! })) }));
    flushSync(() => root.render(<LineChart title="bench" series={series} testId="bench" />));
  }, redraws);
  root.unmount();
  return result;
};
w.benchUplot = async (seriesCount: number, points: number, redraws: number) => {
  const host = document.getElementById('host')!;
  host.innerHTML = '';
  const xs = Array.from({ length: points }, (_, i) => i + 1);
  let plot: uPlot | null = null;
  const result = await measure((shift) => {
    const data = [xs, ...curves(seriesCount, points, shift)] as uPlot.AlignedData;
    if (!plot) {
      plot = new uPlot({ width: host.clientWidth || 900, height: 220, series: [{}, ...Array.from({ length: seriesCount }, (_, s) => ({ label: `series ${s}`, stroke: COLORS[s % 4]!, width: 2 }))] }, data, host);
    } else plot.setData(data);
  }, redraws);
  (plot as uPlot | null)?.destroy();
  return result;
};
w.benchReady = true;
