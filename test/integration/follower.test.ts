import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore, SETTINGS_FILE_NAME } from '../../src/settings/store';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const CLI = path.resolve('dist/cli/aucmedi-desk.mjs');

describe.runIf(requireEngine() && requireBuild())('one follower per run: the app and the CLI never both follow one run (real engine)', () => {
  const home = tempDir();
  const dataset = path.join(home, 'dataset');
  const cores: Core[] = [];
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, AUCMEDI_DESK_HOME: home }, timeout: 120_000 });
  const appCore = () => {
    const core = createCore({ settings: new JsonFileSettingsStore(path.join(home, SETTINGS_FILE_NAME)), dataDir: home, runEnv: ['AUCMEDI_STANDIN_BATCH_DELAY=0.1'] });
    cores.push(core);
    return core;
  };

  beforeAll(() => {
    buildStandIn();
    makeClassDataset(dataset, { classes: { a: 8, b: 8 }, size: 16 });
    const settings = new JsonFileSettingsStore(path.join(home, SETTINGS_FILE_NAME));
    settings.write({ ...settings.read(), imageRef: STAND_IN_TAG, runsDir: path.join(home, 'runs') });
  }, 900_000);
  afterAll(() => {
    for (const core of cores) core.dispose();
  });

  it('refuses a CLI attach or stop while the app follows the run, and lets the CLI take over once the app has let go', async () => {
    const app = appCore();
    const started = await app.handlers['runs:start-training']({
      dataset: { path: dataset, gtFile: null, ohe: false },
      options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 25, batchSize: 4, workers: 1, threeDim: false },
      gpus: { kind: 'none' },
    });
    if (!started.ok) throw new Error(started.error.message);
    const id = started.data.id;
    expect(existsSync(path.join(home, 'runs', `${id}.follower`))).toBe(true);

    for (const command of [['runs', 'attach', id], ['runs', 'stop', id]]) {
      const refused = cli(command);
      expect(refused.status, refused.stderr).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`followed by another AUCMEDI Desk window or command \\(process ${process.pid} `));
      expect(refused.stderr).toContain('What to do:');
    }
    expect(app.runs.activeRuns().map((run) => run.id)).toEqual([id]);

    // the app closes and leaves the run running: the CLI may now follow it to its end
    app.dispose();
    expect(existsSync(path.join(home, 'runs', `${id}.follower`))).toBe(false);
    const attached = cli(['runs', 'attach', id, '--json']);
    expect(attached.status, attached.stderr).toBe(0);
    // one JSON object per line: the epochs, then the record
    expect(JSON.parse(attached.stdout.trim().split('\n').at(-1)!)).toMatchObject({ id, state: 'succeeded' });
    expect(existsSync(path.join(home, 'runs', `${id}.follower`))).toBe(false);
    expect(docker(['ps', '-a', '-q', '--filter', `label=org.aucmedi-desk.run-id=${id}`]).stdout).toBe('');
  }, 240_000);
});
