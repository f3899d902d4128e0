import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord } from '../api/runs';
import { removeStaleTemporaries, writeFileAtomic } from '../settings/store';

const RECORD_FILE = /^[A-Za-z0-9_-]{1,64}\.json$/;

/**
 * One JSON file per run, each write atomic (temporary file, fsync, rename), so a crash at any
 * moment leaves either the old or the new record. electron-store keeps settings; run records are
 * kept apart because they are written at every epoch and one file per run keeps each write small.
 * Listing also removes the temporary files of writes a crash cut off.
 */
export class RunStore {
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
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    } catch {
      return null;
    }
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
      if (!name.endsWith('.json')) continue;
      const record = this.get(name.slice(0, -5));
      if (record) records.push(record);
    }
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  delete(id: string): void {
    rmSync(this.file(id), { force: true });
  }
}
