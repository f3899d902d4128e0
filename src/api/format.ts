import { formatSize } from '../i18n/format';
import type { Language } from '../i18n/language';

/** Pure formatting shared by the CLI and the window (the one value import the renderer takes from src/api). */

/** File names of `docker save` tarballs, plain or compressed as `docker load` accepts them. */
export const IMAGE_ARCHIVE_NAME = /\.(tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tar\.zst)$/i;

/** Sizes in binary units named as such (KiB, MiB, GiB), in `language` (src/i18n/format.ts). */
export function formatBytes(bytes: number | null | undefined, language: Language = 'en'): string {
  return formatSize(bytes, language);
}

/** "1 file", "2 files"; `pluralForm` for the irregular ones ("studies", "series"). */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : pluralForm}`;
}
