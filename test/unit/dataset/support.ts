/**
 * Shared by the dataset tests: a byte-level snapshot of a folder (names, types, sizes, mtimes in ns,
 * modes, content hashes, link targets) and `scanChecked`, which scans and then proves that the
 * dataset folder (and the folder around it) is exactly as it was.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { DatasetProblem, DatasetProblemCode, DatasetReport, DatasetScanRequest } from '../../../src/api/dataset';
import { scanDataset, type ScanOptions } from '../../../src/dataset/scan';

export function snapshot(root: string): string[] {
  const lines: string[] = [];
  // names as raw bytes: a name that is not UTF-8 is listed (and checked) like any other
  const slash = Buffer.from('/');
  const visit = (rel: Buffer) => {
    const full = rel.length === 0 ? Buffer.from(root) : Buffer.concat([Buffer.from(root), slash, rel]);
    const stat = lstatSync(full, { bigint: true });
    const common = `${rel.toString('utf8')} [${rel.toString('hex')}]\tmode=${stat.mode}\tmtime=${stat.mtimeNs}\tctime=${stat.ctimeNs}`;
    if (stat.isSymbolicLink()) lines.push(`${common}\tlink->${readlinkSync(full, { encoding: 'buffer' }).toString('hex')}`);
    else if (stat.isFile()) {
      let hash: string;
      try {
        hash = createHash('sha256').update(readFileSync(full)).digest('hex');
      } catch (error) {
        hash = `unreadable:${(error as NodeJS.ErrnoException).code}`;
      }
      lines.push(`${common}\tsize=${stat.size}\tsha256=${hash}`);
    } else if (stat.isDirectory()) {
      let names: Buffer[];
      try {
        names = readdirSync(full, { encoding: 'buffer' }).sort(Buffer.compare);
      } catch (error) {
        lines.push(`${common}\tdir unreadable:${(error as NodeJS.ErrnoException).code}`);
        return;
      }
      lines.push(`${common}\tdir[${names.length}]`);
      for (const name of names) visit(rel.length === 0 ? name : Buffer.concat([rel, slash, name]));
    } else lines.push(`${common}\tspecial`);
  };
  visit(Buffer.alloc(0));
  return lines;
}

/** Scans, and checks that nothing in the dataset folder, nor beside it, changed by a byte or a nanosecond. */
export async function scanChecked(request: DatasetScanRequest, options: ScanOptions = {}): Promise<DatasetReport> {
  const parent = path.dirname(request.path);
  const before = snapshot(request.path);
  const beside = readdirSync(parent).sort();
  const gtBefore = request.gtFile ? snapshot(request.gtFile) : null;
  const report = await scanDataset(request, options);
  expect(snapshot(request.path)).toEqual(before);
  expect(readdirSync(parent).sort()).toEqual(beside);
  if (request.gtFile) expect(snapshot(request.gtFile)).toEqual(gtBefore);
  expect(report.errors + report.warnings).toBe(report.problems.length);
  expect(report.errors).toBe(report.problems.filter((p) => p.severity === 'error').length);
  for (const p of report.problems) {
    expect(p.message.length).toBeGreaterThan(10);
    expect(p.action.length).toBeGreaterThan(10);
    expect(p.files.length).toBeLessThanOrEqual(20);
    expect(p.fileCount).toBeGreaterThanOrEqual(p.files.length);
  }
  return report;
}

export function problem(report: DatasetReport, code: DatasetProblemCode): DatasetProblem {
  const found = report.problems.filter((p) => p.code === code);
  expect(found, `expected one ${code} in ${JSON.stringify(report.problems.map((p) => p.code))}`).toHaveLength(1);
  return found[0]!;
}

export function codes(report: DatasetReport): string[] {
  return report.problems.map((p) => p.code);
}

export const isRoot = process.getuid?.() === 0;
