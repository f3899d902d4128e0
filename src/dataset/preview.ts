import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { msg, type Message } from '../i18n/message';
import { text } from '../i18n/translate';
import { sniff } from './signatures';

/** Formats a browser can show; TIFF and 3D volumes get no preview. */
const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp' };
export const MAX_PREVIEW_BYTES = 8 * 1024 * 1024;

/** No preview: `reason` in English (the core's language), `i18n.reason` for the window to render in the user's. */
export type PreviewResult = { dataUrl: string } | { dataUrl: null; reason: string; i18n: { reason: Message } };

function none(reason: Message): PreviewResult {
  return { dataUrl: null, reason: text(reason), i18n: { reason } };
}

/**
 * The bytes of one image of a scanned dataset as a data URL, for the preview strip (the window
 * downscales it). Only files inside `root`, reached without leaving it through a link, no larger
 * than 8 MB, in a format a browser shows; the file is only read.
 */
export async function readPreview(root: string, relative: string): Promise<PreviewResult> {
  const realRoot = await realpath(root);
  const target = path.resolve(realRoot, relative);
  const inside = path.relative(realRoot, target);
  if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return none(msg('dataset:preview.outside'));
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    return none(msg('dataset:preview.notFound'));
  }
  if (real !== target) return none(msg('dataset:preview.link'));
  let handle;
  try {
    // Never blocks on a FIFO, never follows a link swapped in since the check above.
    handle = await open(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return none(msg('dataset:preview.cannotOpen'));
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return none(msg('dataset:preview.notAFile'));
    if (stats.size > MAX_PREVIEW_BYTES) return none(msg('dataset:preview.tooLarge'));
    const bytes = await handle.readFile();
    const mime = MIME[sniff(bytes, bytes.length)?.signature ?? ''];
    if (!mime) return none(msg('dataset:preview.noPreview'));
    return { dataUrl: `data:${mime};base64,${bytes.toString('base64')}` };
  } finally {
    await handle.close();
  }
}
