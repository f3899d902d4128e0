/**
 * Whether an engine sees this computer's files, measured rather than guessed from its address: an
 * engine on 127.0.0.1 may live in another machine's or namespace's file system, and Docker
 * Desktop shares only some folders. A marker file with a random token is written here, and a
 * throwaway container on the engine reads it through a bind mount of its folder. The mount is in
 * the Mounts form, which fails on a missing source instead of creating an empty folder of that
 * name on the server, so the probe leaves nothing behind there.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { runOnce } from './containers';

export type FileVisibility = 'sees-files' | 'own-files';

/**
 * Probes with `image` (one present on that engine). `probeRoot` is a folder of the app's own, under
 * which the marker's folder is made and removed again.
 */
export async function probeFileVisibility(docker: Docker, image: string, probeRoot: string, user?: string): Promise<FileVisibility> {
  mkdirSync(probeRoot, { recursive: true });
  const folder = mkdtempSync(path.join(probeRoot, 'probe-'));
  const token = randomBytes(16).toString('hex');
  try {
    writeFileSync(path.join(folder, 'marker'), token);
    let result;
    try {
      result = await runOnce(docker, {
        image,
        entrypoint: ['cat'],
        cmd: ['/probe/marker'],
        mounts: [{ Type: 'bind', Source: folder, Target: '/probe', ReadOnly: true }],
        purpose: 'file-visibility',
        // as a mounted run reads (src/engine/run-container.ts): the marker's folder is this user's alone
        ...(user ? { user } : {}),
        timeoutMs: 30_000,
      });
    } catch (error) {
      // The engine refuses a bind source it does not have: it does not see this folder.
      if (/bind source path does not exist|invalid mount config|no such file or directory/i.test(String((error as Error).message))) return 'own-files';
      throw error;
    }
    return result.exitCode === 0 && result.stdout.trim() === token ? 'sees-files' : 'own-files';
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
