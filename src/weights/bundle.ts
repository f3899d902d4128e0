/**
 * The offline bundle: an AUCMEDI image tarball and a pretrained-weights archive placed next to the
 * installer (or shipped in its resources, `offline-bundle/`), each with a `.sha256` beside it. The
 * app finds them at start and offers to import them; the checksums are verified while importing.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_ARCHIVE_NAME } from '../api/format';
import type { OfflineBundle, OfflineBundleFile } from '../api/weights';
import { checksumFileFor } from '../engine/checksum';
import { refusalOfName } from './import';
import { tarEntries } from './tar';
import { openZip } from './zip';

const WEIGHTS_ARCHIVE = /\.(zip|tar|tar\.gz|tgz)$/i;

/** The first folder of `dirs` that holds a bundle, or null. */
export async function findOfflineBundle(dirs: readonly string[], weightsDir?: string): Promise<OfflineBundle | null> {
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => null);
    if (!names) continue;
    const file = async (name: string): Promise<OfflineBundleFile | null> => {
      const full = path.join(dir, name);
      const info = await stat(full).catch(() => null);
      if (!info?.isFile()) return null;
      return { file: full, sizeBytes: info.size, hasChecksum: names.includes(path.basename(checksumFileFor(full))) };
    };
    const sorted = [...names].sort();
    // A weights archive says so in its name; every other image archive is taken for the AUCMEDI image.
    const weightsName = sorted.find((name) => WEIGHTS_ARCHIVE.test(name) && /weights|keras/i.test(name));
    const imageName = sorted.find((name) => IMAGE_ARCHIVE_NAME.test(name) && name !== weightsName);
    const weights = weightsName ? await file(weightsName) : null;
    if (weights && weightsDir) weights.alreadyImported = await archiveImported(weights.file, weightsDir);
    const bundle: OfflineBundle = { dir, image: imageName ? await file(imageName) : null, weights };
    if (bundle.image || bundle.weights) return bundle;
  }
  return null;
}

/**
 * Every weights file the archive holds is in the weights folder already (by name; a ZIP's central
 * directory is read, a tar is read through once, since tar has no index).
 */
async function archiveImported(archive: string, weightsDir: string): Promise<boolean> {
  try {
    const names = /\.zip$/i.test(archive) ? await zipFileNames(archive) : await tarFileNames(archive);
    const wanted = names.filter((name) => refusalOfName(name) === null).map((name) => path.posix.basename(name.replace(/\\/g, '/')));
    const present = new Set(await readdir(weightsDir).catch(() => [] as string[]));
    return wanted.length > 0 && wanted.every((name) => present.has(name));
  } catch {
    return false; // a damaged archive: the import will say what is wrong
  }
}

async function zipFileNames(archive: string): Promise<string[]> {
  const zip = await openZip(archive);
  zip.close();
  return zip.entries.filter((entry) => entry.kind === 'file').map((entry) => entry.name);
}

async function tarFileNames(archive: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of tarEntries(archive)) if (entry.kind === 'file') names.push(entry.name);
  return names;
}
