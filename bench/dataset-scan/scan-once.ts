// One scan of a dataset folder by the core, in a fresh process: prints one JSON line with the scan's
// duration, the process's peak memory, and the main thread's event-loop delay during the scan.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { scanDataset } from '../../src/dataset/scan';

const [folder, workers] = process.argv.slice(2);
if (!folder) throw new Error('usage: scan-once.mjs FOLDER [WORKERS]');

const baselineRssMiB = process.memoryUsage().rss / 2 ** 20;
const delay = monitorEventLoopDelay({ resolution: 1 });
// a 1 ms timer as a second, independent probe of how long the main thread is ever kept busy
let lastTick = performance.now();
let maxTimerLagMs = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  maxTimerLagMs = Math.max(maxTimerLagMs, now - lastTick - 1);
  lastTick = now;
}, 1);
let progressCalls = 0;
delay.enable();
const cpuBefore = process.cpuUsage();
const eluBefore = performance.eventLoopUtilization();
const started = performance.now();
const report = await scanDataset({ path: folder }, { onProgress: () => (progressCalls += 1), ...(workers ? { workers: Number(workers) } : {}) });
const ms = performance.now() - started;
const elu = performance.eventLoopUtilization(eluBefore);
const cpu = process.cpuUsage(cpuBefore);
delay.disable();
clearInterval(ticker);
console.log(
  JSON.stringify({
    ms,
    /** CPU time of the whole process (main thread and workers), and the main thread's busy time. */
    cpuMs: (cpu.user + cpu.system) / 1000,
    mainBusyMs: elu.active,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    baselineRssMiB,
    maxDelayMs: delay.max / 1e6,
    p99DelayMs: delay.percentile(99) / 1e6,
    maxTimerLagMs,
    progressCalls,
    totalImages: report.totalImages,
    classes: report.classes.length,
    errors: report.errors,
    warnings: report.warnings,
    fingerprintFiles: report.fingerprint.fileCount,
  }),
);
