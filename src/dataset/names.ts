/**
 * What a file name says: its image format by extension (the way AUCMEDI picks files), its sample
 * name (the name without that extension), and whether it is a hidden or system file.
 */

/** Image formats by extension, as the scanner reports them in `DatasetReport.formats`. */
export type ImageFormat = 'png' | 'jpeg' | 'tiff' | 'bmp' | 'gif' | 'webp' | 'nii' | 'nii.gz' | 'mha' | 'mhd' | 'nrrd' | 'dcm';

const EXTENSIONS: Record<string, ImageFormat> = {
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  tif: 'tiff',
  tiff: 'tiff',
  bmp: 'bmp',
  gif: 'gif',
  webp: 'webp',
  nii: 'nii',
  mha: 'mha',
  mhd: 'mhd',
  nrrd: 'nrrd',
  dcm: 'dcm',
};

/** Data files that belong to a MetaImage header (`x.mhd` + `x.raw`). */
export const VOLUME_COMPANION_EXTENSIONS = new Set(['raw', 'zraw']);

export interface NameParts {
  /** The sample name: the file name without its (image) extension. */
  base: string;
  /** Lower-case extension without the dot ('nii.gz' counts as one), '' when none. */
  ext: string;
  /** The image format the extension announces, or null. */
  format: ImageFormat | null;
}

export function splitName(name: string): NameParts {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { base: name, ext: '', format: null };
  const ext = name.slice(dot + 1).toLowerCase();
  if (ext === 'gz' && dot > 4 && name.slice(dot - 4, dot).toLowerCase() === '.nii') return { base: name.slice(0, dot - 4), ext: 'nii.gz', format: 'nii.gz' };
  return { base: name.slice(0, dot), ext, format: EXTENSIONS[ext] ?? null };
}

const SYSTEM_FILES = new Set(['thumbs.db', 'ehthumbs.db', 'ehthumbs_vista.db', 'desktop.ini', 'icon\r']);
const SYSTEM_FOLDERS = new Set(['__macosx', '$recycle.bin', 'system volume information', '@eadir', '#recycle', 'lost+found']);
const LONGEST_SYSTEM_NAME = Math.max(...[...SYSTEM_FILES, ...SYSTEM_FOLDERS].map((n) => n.length));

/** Dotfiles and the files and folders operating systems and NAS boxes leave behind. */
export function isHiddenOrSystem(name: string, isFolder: boolean): boolean {
  const first = name.charCodeAt(0);
  if (first === 0x2e /* . */ || (first === 0x7e /* ~ */ && name.charCodeAt(1) === 0x24) /* ~$ */) return true;
  if (name.length > LONGEST_SYSTEM_NAME) return false;
  if (!isFolder) {
    // the system file names all end in .db or .ini, or are "Icon\r": no lower-casing for the other 99.9 %
    const last = name.charCodeAt(name.length - 1) | 0x20;
    if (last !== 0x62 /* b */ && last !== 0x69 /* i */ && last !== (0x0d | 0x20)) return false;
  }
  const lower = name.toLowerCase();
  return isFolder ? SYSTEM_FOLDERS.has(lower) : SYSTEM_FILES.has(lower);
}

/** Joins '/'-separated relative paths ('' is the dataset folder itself). */
export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}
