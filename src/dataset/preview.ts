import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { sniff } from './signatures';

/** Formats a browser can show; TIFF and 3D volumes get no preview. */
const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp' };
export const MAX_PREVIEW_BYTES = 8 * 1024 * 1024;

export type PreviewResult = { dataUrl: string } | { dataUrl: null; reason: string };

/**
 * The bytes of one image of a scanned dataset as a data URL, for the preview strip (the window
 * downscales it). Only files inside `root`, reached without leaving it through a link, no larger
 * than 8 MB, in a format a browser shows; the file is only read.
 */
export async function readPreview(root: string, relative: string): Promise<PreviewResult> {
  const realRoot = await realpath(root);
  const target = path.resolve(realRoot, relative);
  const inside = path.relative(realRoot, target);
  if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return { dataUrl: null, reason: 'outside the dataset' };
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    return { dataUrl: null, reason: 'not found' };
  }
  if (real !== target) return { dataUrl: null, reason: 'a link' };
  let handle;
  try {
    // Never blocks on a FIFO, never follows a link swapped in since the check above.
    handle = await open(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return { dataUrl: null, reason: 'cannot be opened' };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { dataUrl: null, reason: 'not a file' };
    if (stats.size > MAX_PREVIEW_BYTES) return { dataUrl: null, reason: 'too large to preview' };
    const bytes = await handle.readFile();
    const mime = MIME[sniff(bytes, bytes.length)?.signature ?? ''];
    if (!mime) return { dataUrl: null, reason: 'no preview for this format' };
    return { dataUrl: `data:${mime};base64,${bytes.toString('base64')}` };
  } finally {
    await handle.close();
  }
}
