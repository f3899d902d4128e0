import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import path from 'node:path';
import { makeFolders } from '../folders';
import { renameRetrying } from '../rename-retry';
import { DEFAULT_SETTINGS, type Settings } from '../api/types';
import { storedSettingsFields } from '../api/schemas';

/** Where settings live. Electron wraps electron-store around the same file; the CLI and tests use `JsonFileSettingsStore`. */
export interface SettingsStore {
  read(): Settings;
  write(settings: Settings): void;
}

/** Keeps only valid fields of what was stored, over the defaults: a hand-edited or older file never breaks the app. */
export function sanitizeSettings(stored: unknown): Settings {
  const result: Settings = { ...DEFAULT_SETTINGS };
  if (!stored || typeof stored !== 'object') return result;
  for (const [key, value] of Object.entries(stored)) {
    if (!(key in storedSettingsFields)) continue;
    const parsed = storedSettingsFields[key as keyof typeof storedSettingsFields].safeParse(value);
    if (parsed.success) Object.assign(result, { [key]: parsed.data });
  }
  return result;
}

/** Settings in one JSON file, written atomically (temporary file, fsync, rename). */
export class JsonFileSettingsStore implements SettingsStore {
  constructor(readonly file: string) {}

  read(): Settings {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { ...DEFAULT_SETTINGS };
    }
    try {
      return sanitizeSettings(JSON.parse(text));
    } catch {
      // Keep the unreadable file for IT instead of overwriting it on the next write.
      renameRetrying(this.file, `${this.file}.unreadable-${Date.now()}`);
      return { ...DEFAULT_SETTINGS };
    }
  }

  write(settings: Settings): void {
    writeFileAtomic(this.file, `${JSON.stringify(settings, null, 2)}\n`);
    removeStaleTemporaries(path.dirname(this.file), (name) => name === path.basename(this.file));
  }
}

/** Writes `file` whole or not at all: a temporary file, synced, then renamed over it (retried while Windows holds it, src/rename-retry.ts). */
export function writeFileAtomic(file: string, content: string, rename?: (from: string, to: string) => void): void {
  for (const folder of makeFolders(path.dirname(file))) chmodSync(folder, 0o700);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content, { mode: 0o600 });
    const fd = openSync(temporary, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameRetrying(temporary, file, rename);
  } catch (error) {
    rmSync(temporary, { force: true }); // a full disk leaves no half-written temporary behind
    throw error;
  }
}

/**
 * Removes what `writeFileAtomic` left of writes cut off by a crash or a kill: `NAME.PID.tmp` files
 * of processes that are gone, for the NAMEs `isTarget` accepts. A live process's write is never
 * touched; without this, every crash in the middle of a write would leave one more file behind.
 */
export function removeStaleTemporaries(dir: string, isTarget: (name: string) => boolean, names?: string[]): void {
  let entries = names;
  if (!entries) {
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
  }
  for (const entry of entries) {
    const match = /^(.+)\.(\d+)\.tmp$/.exec(entry);
    if (!match || !isTarget(match[1]!) || processAlive(Number(match[2]))) continue;
    try {
      rmSync(path.join(dir, entry), { force: true });
    } catch {
      // left for the next time
    }
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

export const PRODUCT_NAME = 'AUCMEDI Desk';

/** The per-user folder for settings and run records, where Electron's `userData` would be. `AUCMEDI_DESK_HOME` overrides it. */
export function userDataDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, homedir: string): string {
  if (env.AUCMEDI_DESK_HOME) return env.AUCMEDI_DESK_HOME;
  if (platform === 'win32') return path.win32.join(env.APPDATA || path.win32.join(homedir, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return path.posix.join(homedir, 'Library', 'Application Support', PRODUCT_NAME);
  return path.posix.join(env.XDG_CONFIG_HOME || path.posix.join(homedir, '.config'), PRODUCT_NAME);
}

export const SETTINGS_FILE_NAME = 'settings.json';
