/**
 * Issue 18, item 4 (and the queued half of item 1): one malformed run record must not break the
 * history. Each record is read through the schema; one that does not pass is set aside (renamed,
 * kept), reported once, and every other run still lists and loads.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { QueueItem } from '../../../src/api/runs';
import { UserErrorException } from '../../../src/api/errors';
import { RunQueue } from '../../../src/runs/queue';
import { RunStore } from '../../../src/runs/store';
import { summarize } from '../../../src/runs/service';
import { tempDir } from '../../helpers/temp';
import { runRecord } from '../../reliability/fixtures/run-record';

describe('run records that are not run records', () => {
  it('sets aside {}, a partial record, a torn JSON file and a record under another id; lists and loads the good ones; says so once', () => {
    const dir = tempDir('aucmedi-store-');
    const store = new RunStore(dir);
    store.save(runRecord('run-good-1', '/out/1', 1, 3));
    store.save(runRecord('run-good-2', '/out/2', 2, 0));
    const { epochs: _epochs, dataset: _dataset, ...partial } = runRecord('run-partial', '/out/p', 3);
    writeFileSync(path.join(dir, 'run-empty.json'), '{}');
    writeFileSync(path.join(dir, 'run-partial.json'), JSON.stringify(partial));
    writeFileSync(path.join(dir, 'run-torn.json'), JSON.stringify(runRecord('run-torn', '/out/t', 4)).slice(0, 200));
    writeFileSync(path.join(dir, 'run-other.json'), JSON.stringify(runRecord('run-good-1', '/out/x', 5)));
    writeFileSync(path.join(dir, 'run-null.json'), 'null');

    const listed = store.list();
    expect(listed.map((record) => record.id).sort()).toEqual(['run-good-1', 'run-good-2']);
    expect(() => listed.map(summarize)).not.toThrow();
    const setAside = store.takeSetAside();
    expect(setAside.map((record) => path.basename(record.file)).sort()).toEqual(
      ['run-empty.json.set-aside', 'run-null.json.set-aside', 'run-other.json.set-aside', 'run-partial.json.set-aside', 'run-torn.json.set-aside'],
    );
    expect(setAside.find((record) => record.file.includes('run-partial'))!.reason).toMatch(/^run-partial\.json could not be read: it is not a complete run record \(.*(epochs|dataset)/);
    expect(setAside.find((record) => record.file.includes('run-torn'))!.reason).toMatch(/not valid JSON/);
    // kept byte for byte under the new name, and reported once
    expect(readFileSync(path.join(dir, 'run-partial.json.set-aside'), 'utf8')).toBe(JSON.stringify(partial));
    expect(store.takeSetAside()).toEqual([]);
    expect(store.list()).toHaveLength(2);
    expect(store.takeSetAside()).toEqual([]);
    expect(store.get('run-good-1')).toMatchObject({ id: 'run-good-1', outputDir: '/out/1' });

    // a second bad record under a name already set aside keeps both
    writeFileSync(path.join(dir, 'run-empty.json'), '{"id": 1}');
    expect(store.get('run-empty')).toBeNull();
    expect(readdirSync(dir).filter((name) => name.startsWith('run-empty.json.set-aside'))).toHaveLength(2);
    expect(store.takeSetAside()).toHaveLength(1);
  });

  it('keeps fields it does not know (a newer version\'s) and the records of older versions (gpus "all")', () => {
    const dir = tempDir('aucmedi-store-');
    const store = new RunStore(dir);
    const record = { ...runRecord('run-old', '/out/o', 1, 2), gpus: { kind: 'all' }, somethingNew: { x: 1 } };
    writeFileSync(path.join(dir, 'run-old.json'), JSON.stringify(record));
    expect(store.get('run-old')).toMatchObject({ gpus: { kind: 'all' }, somethingNew: { x: 1 } });
    expect(store.takeSetAside()).toEqual([]);
  });
});

describe('queued runs and output folders', () => {
  it('refuses to queue a run into a folder another queued or running run writes into, or a folder with files', () => {
    const dir = tempDir('aucmedi-queue-');
    const dataset = path.join(dir, 'data');
    mkdirSync(dataset);
    const out = path.join(dir, 'out');
    const running = path.join(dir, 'running');
    const item = (outputDir: string): QueueItem => ({
      mode: 'training',
      request: { dataset: { path: dataset, gtFile: null, ohe: false }, options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 10, batchSize: 4, workers: 1, threeDim: false }, gpus: { kind: 'none' }, outputDir },
    });
    const queue = new RunQueue({
      file: path.join(dir, 'queue.json'),
      start: () => new Promise(() => undefined),
      activeRuns: () => [runRecord('run-1', running, 1)],
      engineUp: async () => false,
      onChange: () => undefined,
    });
    const refused = (outputDir: string) => {
      try {
        queue.add(item(outputDir));
      } catch (error) {
        return (error as UserErrorException).userError.message;
      }
      return null;
    };
    expect(refused(out)).toBeNull();
    expect(refused(`${out}/`)).toBe(`Another queued run will write into ${out}.`);
    expect(refused(running)).toBe(`A running run writes into ${running}.`);
    const full = path.join(dir, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'notes.txt'), '');
    expect(refused(full)).toMatch(/is not empty/);
    expect(queue.list()).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    queue.close();
  });
});
