import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord, SetAsideRecord } from '../api/runs';
import { errorDetail } from '../api/errors';
import { msg, type Message } from '../i18n/message';
import { text as renderText } from '../i18n/translate';
import { renameRetrying } from '../rename-retry';
import { removeStaleTemporaries, writeFileAtomic } from '../settings/store';
import { parseRunRecord } from './record-schema';

const RECORD_FILE = /^[A-Za-z0-9_-]{1,64}\.json$/;

/**
 * One JSON file per run, each write atomic (temporary file, fsync, rename), so a crash at any
 * moment leaves either the old or the new record. electron-store keeps settings; run records are
 * kept apart because they are written at every epoch and one file per run keeps each write small.
 * Listing also removes the temporary files of writes a crash cut off.
 *
 * A record that is not valid JSON or not a run record (cut short, edited, `{}`) is set aside: renamed
 * to `<id>.json.set-aside` (kept for whoever wants to look), reported once through `takeSetAside`,
 * and the rest of the history works.
 */
export class RunStore {
  private setAside: SetAsideRecord[] = [];

  constructor(readonly dir: string) {}

  private file(id: string): string {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new Error(`invalid run id ${id}`);
    return path.join(this.dir, `${id}.json`);
  }

  save(record: RunRecord): void {
    writeFileAtomic(this.file(record.id), JSON.stringify(record));
  }

  get(id: string): RunRecord | null {
    const file = this.file(id);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return null; // no such run
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return this.putAside(file, (name) => msg('runs:store.notJson', { name, detail: errorDetail(error).slice(0, 200) }));
    }
    const parsed = parseRunRecord(value);
    if ('problem' in parsed) return this.putAside(file, (name) => msg('runs:store.incomplete', { name, problem: parsed.problem }));
    if (parsed.record.id !== id) return this.putAside(file, (name) => msg('runs:store.otherRun', { name, id: parsed.record.id }));
    return parsed.record;
  }

  /** The records set aside since the last call, each reported once. */
  takeSetAside(): SetAsideRecord[] {
    const taken = this.setAside;
    this.setAside = [];
    return taken;
  }

  private putAside(file: string, why: (name: string) => Message): null {
    let target = `${file}.set-aside`;
    if (existsSync(target)) target = `${file}.set-aside-${Date.now()}`;
    try {
      renameRetrying(file, target);
    } catch {
      return null; // a read-only folder: not listed, and said again next time
    }
    const reason = why(path.basename(file));
    this.setAside.push({ file: target, reason: renderText(reason), i18n: { reason } });
    return null;
  }

  list(): RunRecord[] {
    const records: RunRecord[] = [];
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return []; // no run yet
    }
    removeStaleTemporaries(this.dir, (name) => RECORD_FILE.test(name), names);
    for (const name of names) {
      if (!RECORD_FILE.test(name)) continue;
      const record = this.get(name.slice(0, -5));
      if (record) records.push(record);
    }
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  delete(id: string): void {
    rmSync(this.file(id), { force: true });
  }
}
