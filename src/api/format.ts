/** Pure, dependency-free formatting shared by the CLI and the window (the one value import the renderer takes from src/api). */

/** File names of `docker save` tarballs, plain or compressed as `docker load` accepts them. */
export const IMAGE_ARCHIVE_NAME = /\.(tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tar\.zst)$/i;

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return 'unknown';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** "1 file", "2 files"; `pluralForm` for the irregular ones ("studies", "series"). */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : pluralForm}`;
}
