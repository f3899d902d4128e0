/**
 * Issue 16, "Export diagnostics": after a real training on the stand-in (real engine, real
 * container), the archive is opened and read: it holds what its README promises (versions,
 * settings, engine, GPU, images, the run's record and log, the app log), no dataset file, and no
 * folder or file name of the dataset unless the user ticked "include folder names".
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { extract } from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { AppLog } from '../../src/support/app-log';
import { buildStandIn, STAND_IN_TAG } from '../helpers/docker-cli';
import { ScriptedDialogs } from '../e2e/harness';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

/** Every file of the archive, by its name inside it, as text. */
async function unpack(archive: string, into: string): Promise<Record<string, string>> {
  mkdirSync(into, { recursive: true });
  await extract({ file: archive, cwd: into });
  const files: Record<string, string> = {};
  for (const entry of readdirSync(into, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[path.relative(into, path.join(entry.parentPath, entry.name))] = readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return files;
}

describe.runIf(requireEngine())('the diagnostics archive for IT (real engine, a real stand-in run)', () => {
  const home = tempDir('aucmedi-diagnostics-');
  const dataset = path.join(home, 'Studie Mustermann Erika');
  const dialogs = new ScriptedDialogs();
  const log = new AppLog(path.join(home, 'app-data', 'logs'));
  let core: Core;
  let runId = '';
  let imageNames: string[] = [];

  beforeAll(async () => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { benign: 6, malignant: 6 }, size: 16, seed: 3 });
    imageNames = readdirSync(path.join(dataset, 'benign'));
    const settings = new JsonFileSettingsStore(path.join(home, 'app-data', 'settings.json'));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, recentDatasets: [{ path: dataset, gtFile: null, ohe: false, usedAt: new Date().toISOString() }] });
    core = createCore({ settings, dataDir: path.join(home, 'app-data'), dialogs, log, homedir: home });
    const started = await core.handlers['runs:start-training']({
      dataset: { path: dataset, gtFile: null, ohe: false },
      options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 10, batchSize: 4, workers: 1, threeDim: false },
      gpus: { kind: 'none' },
      outputDir: path.join(dataset, '..', 'out Mustermann'),
    });
    if (!started.ok) throw new Error(started.error.message);
    runId = started.data.id;
    const ended = await core.runs.waitForEnd(runId);
    expect(ended.state).toBe('succeeded');
  }, 600_000);

  it('holds versions, settings, diagnoses, the run\'s record and log and the app log, and no name of the dataset', async () => {
    const archive = path.join(home, 'diagnostics.tar.gz');
    dialogs.saveQueue.push(archive);
    const response = await core.handlers['app:export-diagnostics']({ includeFolderNames: false });
    expect(response.ok && response.data.path).toBe(archive);
    const files = await unpack(archive, path.join(home, 'unpacked'));
    const root = 'aucmedi-desk-diagnostics';
    expect(Object.keys(files).sort()).toEqual(
      [`${root}/README.txt`, `${root}/versions.json`, `${root}/settings.json`, `${root}/engine.json`, `${root}/gpu.json`, `${root}/images.json`, `${root}/runs/${runId}.json`, `${root}/runs/${runId}.log`, `${root}/app-log/aucmedi-desk.log`].sort(),
    );
    expect(response.ok && response.data.entries.sort()).toEqual(Object.keys(files).sort());
    expect(JSON.parse(files[`${root}/versions.json`]!)).toMatchObject({ name: 'AUCMEDI Desk', version: expect.any(String), versions: { node: process.versions.node }, os: { cpus: expect.any(Number) } });
    expect(JSON.parse(files[`${root}/engine.json`]!)).toMatchObject({ ok: true, data: { ok: true } });
    expect(JSON.parse(files[`${root}/images.json`]!)).toMatchObject({ ok: true });
    const record = JSON.parse(files[`${root}/runs/${runId}.json`]!);
    expect(record).toMatchObject({ id: runId, state: 'succeeded', dataset: { path: '<folder 1>' }, outputDir: expect.stringMatching(/^<folder \d>$/) });
    expect(files[`${root}/runs/${runId}.log`]).toMatch(/Epoch 1\/10/);
    expect(files[`${root}/app-log/aucmedi-desk.log`]).toMatch(new RegExp(`INFO  run ${runId} \\(training\\) succeeded`));
    expect(JSON.parse(files[`${root}/settings.json`]!).recentDatasets).toMatchObject([{ path: '<folder 1>', gtFile: null, ohe: false }]);
    // nothing of the dataset: no folder or file name, no image
    const everything = Object.values(files).join('\n');
    for (const name of ['Mustermann', 'Erika', 'Studie', home, ...imageNames]) expect(everything, name).not.toContain(name);
    expect(Object.keys(files).some((name) => /\.(png|jpe?g|keras|h5|csv|nii)/.test(name))).toBe(false);
    expect(statSync(archive).size).toBeLessThan(2 * 1024 ** 2);
  });

  it('includes the folder names only when asked, and a cancelled save dialog writes nothing', async () => {
    const archive = path.join(home, 'with-names.tar.gz');
    dialogs.saveQueue.push(archive);
    const response = await core.handlers['app:export-diagnostics']({ includeFolderNames: true });
    expect(response.ok && response.data.path).toBe(archive);
    const files = await unpack(archive, path.join(home, 'unpacked-with-names'));
    expect(JSON.parse(files['aucmedi-desk-diagnostics/runs/' + runId + '.json']!)).toMatchObject({ dataset: { path: dataset } });
    expect(files['aucmedi-desk-diagnostics/README.txt']).toMatch(/included as they are/);

    const before = readdirSync(home).sort();
    const cancelled = await core.handlers['app:export-diagnostics']({ includeFolderNames: false }); // the dialog queue is empty: cancelled
    expect(cancelled).toEqual({ ok: true, data: { path: null, entries: [] } });
    expect(readdirSync(home).sort()).toEqual(before);
    expect(await core.handlers['app:export-diagnostics']({ includeFolderNames: 'yes' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(readFileSync(log.file, 'utf8')).toMatch(/WARN  app:export-diagnostics: refused/);
  });
});
