/** The dataset report as text, for `aucmedi-desk dataset validate PATH [--gt FILE] [--ohe]`. Pure. */
import type { DatasetProblem, DatasetReport } from '../api/dataset';
import { formatBytes } from '../api/format';

const BAR_WIDTH = 30;

const number = (n: number) => n.toLocaleString('en-US');

export function formatDatasetReport(report: DatasetReport): string {
  const lines: string[] = [];
  const layout =
    report.interface === 'directory'
      ? 'one folder per class (directory interface)'
      : report.interface === 'images'
        ? 'a flat folder of images to classify'
        : `images with an annotation CSV (CSV interface${report.multiLabel ? ', one-hot, multi-label' : ''})`;
  const dims = { '2D': '2D images', '3D': '3D volumes', mixed: '2D and 3D mixed', unknown: 'no images found' }[report.dimensionality];
  const formats = Object.entries(report.formats)
    .sort(([, a], [, b]) => b - a)
    .map(([format, count]) => `${format} ${number(count)}`)
    .join(', ');

  lines.push(`Dataset    ${report.path}`);
  lines.push(`Layout     ${layout}`);
  lines.push(`Content    ${dims}: ${number(report.totalImages)} ${report.totalImages === 1 ? 'image' : 'images'}, ${formatBytes(report.totalBytes)}${formats ? ` (${formats})` : ''}`);
  if (report.leftOut > 0) lines.push(`Left out   ${count(report.leftOut, 'file or folder', 'files and folders')} (system files, notes, sub-folders): a run gets only the images`);
  lines.push(`Classes    ${report.classes.length}`);
  const widest = Math.max(0, ...report.classes.map((c) => [...c.name].length));
  const largest = Math.max(1, ...report.classes.map((c) => c.count));
  const countWidth = Math.max(1, ...report.classes.map((c) => number(c.count).length));
  for (const c of report.classes) {
    const length = c.count === 0 ? 0 : Math.max(1, Math.round((c.count / largest) * BAR_WIDTH));
    const name = c.name + ' '.repeat(widest - [...c.name].length);
    lines.push(`  ${name}  ${number(c.count).padStart(countWidth)}  ${'█'.repeat(length)}${'·'.repeat(BAR_WIDTH - length)}`);
  }
  const fp = report.fingerprint;
  lines.push(`Checked    ${number(fp.fileCount)} files, ${formatBytes(fp.totalBytes)} in ${(report.durationMs / 1000).toFixed(1)} s; fingerprint ${fp.sha256.slice(0, 16)}`);
  lines.push('');

  if (report.errors > 0) {
    lines.push(`${count(report.errors, 'error')}, ${count(report.warnings, 'warning')}: AUCMEDI would not train on this dataset as it is.`);
  } else if (report.warnings > 0) {
    lines.push(`No errors, ${count(report.warnings, 'warning')}: AUCMEDI can train on this dataset; please read the warnings.`);
  } else {
    lines.push('No problems found: AUCMEDI can train on this dataset.');
  }
  for (const p of report.problems) lines.push('', ...formatProblem(p));
  return lines.join('\n');
}

function formatProblem(p: DatasetProblem): string[] {
  const lines = [`${p.severity === 'error' ? 'ERROR  ' : 'WARNING'}  ${p.message}  [${p.code}]`, `         What to do: ${p.action}`];
  for (const file of p.files) lines.push(`           ${file}`);
  if (p.fileCount > p.files.length) lines.push(`           ... and ${number(p.fileCount - p.files.length)} more`);
  return lines;
}

function count(n: number, word: string, words = `${word}s`): string {
  return `${number(n)} ${n === 1 ? word : words}`;
}
