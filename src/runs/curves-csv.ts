import type { EpochMetrics } from '../api/progress';
import { csvText } from './results';

/**
 * A training's learning curves as CSV, one row per finished epoch of each model: model (0-based, as
 * in the record), epoch (1-based, as Keras prints it), phase, seconds, then every metric in the order
 * Keras first printed it. Values plain (a spreadsheet reads them as numbers), empty where Keras printed
 * nan/inf or the metric was not logged; metric names guarded as text from outside.
 */
export function learningCurvesCsv(epochs: readonly EpochMetrics[]): string {
  const metrics: string[] = [];
  for (const epoch of epochs) for (const name of Object.keys(epoch.metrics)) if (!metrics.includes(name)) metrics.push(name);
  const header = ['model', 'epoch', 'phase', 'seconds', ...metrics.map(csvText)].join(',');
  const rows = epochs.map((e) => [e.model, e.epoch, e.phase, e.seconds ?? '', ...metrics.map((name) => e.metrics[name] ?? '')].join(','));
  return `${[header, ...rows].join('\n')}\n`;
}
