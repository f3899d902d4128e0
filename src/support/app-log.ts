/**
 * The app's own log for hospital IT: main-process events, warnings and errors, one line each
 * (`ISO-time LEVEL message`), appended to `aucmedi-desk.log` in the app data folder's `logs/`.
 * Size-capped: past `maxBytes` the file becomes `.1` (and `.1` becomes `.2`, ...), keeping `keep`
 * old files, so a workstation that runs for years holds a few MiB at most. Writes are synchronous
 * and small: a line written just before a crash is on disk.
 */
import { appendFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeFolders } from '../folders';

export type LogLevel = 'INFO' | 'WARN' | 'ERROR';

export const APP_LOG_NAME = 'aucmedi-desk.log';

export class AppLog {
  readonly file: string;

  constructor(
    readonly dir: string,
    private readonly limits: { maxBytes: number; keep: number } = { maxBytes: 1024 ** 2, keep: 3 },
  ) {
    this.file = path.join(dir, APP_LOG_NAME);
  }

  info(message: string, detail?: unknown): void {
    this.write('INFO', message, detail);
  }

  warn(message: string, detail?: unknown): void {
    this.write('WARN', message, detail);
  }

  error(message: string, detail?: unknown): void {
    this.write('ERROR', message, detail);
  }

  /** The log files, newest first (for the diagnostics archive). */
  files(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const generation = (name: string) => (name === APP_LOG_NAME ? 0 : Number(name.slice(APP_LOG_NAME.length + 1)));
    const isLog = (name: string) => name === APP_LOG_NAME || (name.startsWith(`${APP_LOG_NAME}.`) && /^\d+$/.test(name.slice(APP_LOG_NAME.length + 1)));
    return names.filter(isLog).sort((a, b) => generation(a) - generation(b)).map((name) => path.join(this.dir, name));
  }

  private write(level: LogLevel, message: string, detail?: unknown): void {
    const text = detail === undefined ? message : `${message}: ${describe(detail)}`;
    // one line per event: a newline in a message cannot forge the next entry
    const line = `${new Date().toISOString()} ${level.padEnd(5)} ${text.replace(/[\r\n]+/g, ' | ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?')}\n`;
    try {
      makeFolders(this.dir);
      const size = statSync(this.file, { throwIfNoEntry: false })?.size ?? 0;
      if (size > 0 && size + Buffer.byteLength(line) > this.limits.maxBytes) this.rotate();
      appendFileSync(this.file, line, { mode: 0o600 });
    } catch {
      // the log must never take the app down: a full or read-only disk loses the line, nothing else
    }
  }

  private rotate(): void {
    rmSync(`${this.file}.${this.limits.keep}`, { force: true });
    for (let generation = this.limits.keep - 1; generation >= 1; generation--) {
      try {
        renameSync(`${this.file}.${generation}`, `${this.file}.${generation + 1}`);
      } catch {
        // that generation does not exist yet
      }
    }
    if (this.limits.keep > 0) renameSync(this.file, `${this.file}.1`);
    else rmSync(this.file, { force: true });
  }
}

function describe(detail: unknown): string {
  if (detail instanceof Error) return `${detail.name}: ${detail.message}${detail.stack ? ` ${detail.stack.split('\n').slice(1, 6).map((l) => l.trim()).join(' ')}` : ''}`;
  if (typeof detail === 'string') return detail;
  try {
    return JSON.stringify(detail);
  } catch {
    return String(detail);
  }
}
