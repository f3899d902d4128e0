/**
 * Learning-curve redraw in Chromium: today's LineChart against uPlot, in the same page, with
 * SERIES series of POINTS points each (default 4 × 10 000), each redrawn REDRAWS times with new data
 * as a live run does. Prints the median ms per redraw (data change to painted frame) and the ratio.
 *   node bench/run.mjs chart-redraw [POINTS] [SERIES] [REDRAWS]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const [points = 10_000, seriesCount = 4, redraws = 30] = process.argv.slice(2).map(Number);
const out = path.resolve('bench/out/chart-redraw');
mkdirSync(out, { recursive: true });
await build({ entryPoints: ['bench/chart-redraw/page.tsx'], outfile: path.join(out, 'page.js'), bundle: true, platform: 'browser', format: 'iife', jsx: 'automatic', minify: true, define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'warning' });
const css = readFileSync(path.resolve('node_modules/uplot/dist/uPlot.min.css'), 'utf8');
writeFileSync(path.join(out, 'index.html'), `<!doctype html><html><head><meta charset="utf-8"><style>${css} body{margin:0;background:#11151c;color:#ddd;font:13px sans-serif} #host{width:900px}</style></head><body><div id="host"></div><script src="page.js"></script></body></html>`);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 400 } });
  await page.goto(`file://${path.join(out, 'index.html')}`);
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true);
  type Result = { firstMs: number; medianMs: number };
  const run = (fn: 'benchOurs' | 'benchUplot') => page.evaluate(([name, p, s, r]) => (window as unknown as Record<string, (p: number, s: number, r: number) => Promise<Result>>)[name as string]!(p as number, s as number, r as number), [fn, points, seriesCount, redraws] as const);
  // one warm-up each (JIT), then measured in alternating order
  await run('benchOurs');
  await run('benchUplot');
  const ours = await run('benchOurs');
  const uplot = await run('benchUplot');
  console.log(`chart redraw, ${seriesCount} series × ${points} points, median of ${redraws} redraws (data change to painted frame), Chromium ${browser.version()}:`);
  console.log(`  today's LineChart (SVG, downsampled): first draw ${ours.firstMs.toFixed(1)} ms, redraw ${ours.medianMs.toFixed(1)} ms`);
  console.log(`  uPlot 1.6 (canvas):                   first draw ${uplot.firstMs.toFixed(1)} ms, redraw ${uplot.medianMs.toFixed(1)} ms`);
  console.log(`  ratio (LineChart / uPlot), redraw: ${(ours.medianMs / uplot.medianMs).toFixed(2)}`);
} finally {
  await browser.close();
}
