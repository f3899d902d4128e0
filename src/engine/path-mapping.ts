/**
 * Shared folders (issue 15): where IT mounts the same share on this computer and on the server, a
 * mapping per engine (`/mnt/share` here is `/data/share` there) lets a run use its files in place,
 * with no copy. A path is mapped when it lies inside a mapping's local folder (the longest one
 * wins); the server's side is always a POSIX path (the engine runs Linux containers).
 */
import path from 'node:path';
import type { PathMapping } from '../api/types';

/** Where the server sees `hostPath`, or null when no mapping covers it. */
export function mapPath(mappings: readonly PathMapping[], hostPath: string, platform: NodeJS.Platform = process.platform): string | null {
  const paths = platform === 'win32' ? path.win32 : path.posix;
  let best: { mapping: PathMapping; rest: string } | null = null;
  for (const mapping of mappings) {
    const rest = paths.relative(paths.resolve(mapping.local), paths.resolve(hostPath));
    if (rest.startsWith('..') || paths.isAbsolute(rest)) continue;
    if (!best || mapping.local.length > best.mapping.local.length) best = { mapping, rest };
  }
  if (!best) return null;
  const parts = best.rest.split(paths.sep).filter(Boolean);
  return path.posix.join(best.mapping.remote, ...parts);
}

/** Every path mapped, or null when one is not (then the run's data is staged instead). */
export function mapAll(mappings: readonly PathMapping[], hostPaths: readonly string[], platform: NodeJS.Platform = process.platform): ((hostPath: string) => string) | null {
  if (mappings.length === 0 || hostPaths.some((hostPath) => mapPath(mappings, hostPath, platform) === null)) return null;
  return (hostPath) => {
    const mapped = mapPath(mappings, hostPath, platform);
    if (mapped === null) throw new Error(`${hostPath} is not on a folder shared with the server`);
    return mapped;
  };
}
