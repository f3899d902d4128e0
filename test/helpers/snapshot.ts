import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** Every entry under `dir` with its size, mtime and content hash: equal snapshots mean nothing was changed. */
export function snapshotFolder(dir: string): string[] {
  const lines: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(dir, relative)).sort()) {
      const rel = path.join(relative, name);
      const stats = lstatSync(path.join(dir, rel));
      if (stats.isSymbolicLink()) lines.push(`link ${rel} -> ${readlinkSync(path.join(dir, rel))}`);
      else if (stats.isDirectory()) {
        lines.push(`dir ${rel} ${stats.mtimeMs}`);
        walk(rel);
      } else if (!stats.isFile()) lines.push(`special ${rel} ${stats.mode} ${stats.mtimeMs}`); // a FIFO would block a read
      else lines.push(`file ${rel} ${stats.size} ${stats.mtimeMs} ${createHash('sha256').update(readFileSync(path.join(dir, rel))).digest('hex')}`);
    }
  };
  walk('');
  return lines;
}
