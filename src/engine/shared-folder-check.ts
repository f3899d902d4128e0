/**
 * Before a run uses a shared folder in place (src/engine/path-mapping.ts), the server must see the
 * same files there as this computer does: every image of the run's list of links, with the same size
 * (a mapping to the wrong folder, a share not mounted, or one out of date is refused before AUCMEDI
 * starts). Both sides hash the sorted `rel<TAB>size` lines of the images the list names.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import type { View } from '../runs/dataset-view';
import { bind } from '../aucmedi/arguments';
import { runOnce } from './containers';

export interface SharedDigest {
  images: number;
  missing: number;
  digest: string;
}

const CHECK_SCRIPT = [
  'import hashlib, json, os, sys',
  'spec = json.load(open("/check/spec.json", encoding="utf-8"))',
  'rels = sorted({t for v in spec["views"] for _, t in v["links"]}, key=lambda r: r.encode("utf-8", "surrogateescape"))',
  'h = hashlib.sha256()',
  'missing = 0',
  'for rel in rels:',
  '    try:',
  '        size = os.stat(os.path.join("/check/source", rel)).st_size',
  '    except OSError:',
  '        missing += 1',
  '        size = -1',
  '    h.update(("%s\\t%d\\n" % (rel, size)).encode("utf-8", "surrogateescape"))',
  'print(len(rels), missing, h.hexdigest())',
].join('\n');

/** This computer's side. */
export function localSharedDigest(specFile: string, sourceDir: string): SharedDigest {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as { views: View[] };
  const rels = [...new Set(spec.views.flatMap((view) => view.links.map(([, target]) => target)))].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  const hash = createHash('sha256');
  let missing = 0;
  for (const rel of rels) {
    const size = statSync(path.join(sourceDir, ...rel.split('/')), { throwIfNoEntry: false })?.size ?? -1;
    if (size < 0) missing += 1;
    hash.update(`${rel}\t${size}\n`);
  }
  return { images: rels.length, missing, digest: hash.digest('hex') };
}

/** The server's side, read through a throwaway container (no network, read-only binds of the mapped paths). */
export async function serverSharedDigest(docker: Docker, options: { image: string; user?: string; sourceDir: string; specFile: string }): Promise<SharedDigest> {
  const result = await runOnce(docker, {
    image: options.image,
    entrypoint: ['python3', '-c', CHECK_SCRIPT],
    cmd: [],
    ...(options.user ? { user: options.user } : {}),
    binds: [bind(options.sourceDir, '/check/source', true, 'dataset folder'), bind(options.specFile, '/check/spec.json', true, 'list of images')],
    purpose: 'shared-folder-check',
    timeoutMs: 10 * 60_000,
  });
  const [images, missing, digest] = result.stdout.trim().split(/\s+/);
  if (result.exitCode !== 0 || !digest) throw new Error(`the check on the server failed (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 500)}`);
  return { images: Number(images), missing: Number(missing), digest };
}
