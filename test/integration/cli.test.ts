import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { dockerServerVersion, requireBuild, requireEngine, requireRoot } from '../helpers/requirements';
import { makeClassDataset } from '../helpers/images';
import { buildStandIn, STAND_IN_TAG } from '../helpers/docker-cli';
import { tempDir } from '../helpers/temp';

const ready = requireEngine() && requireBuild();
const CLI = path.resolve('dist/cli/aucmedi-desk.mjs');

describe.runIf(ready)('aucmedi-desk engine (built CLI, real engine)', () => {
  const home = tempDir();
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, AUCMEDI_DESK_HOME: home, ...env }, timeout: 30_000 });

  it('prints the diagnosis as JSON and exits 0 when the engine is ready', () => {
    const result = run(['engine', '--json']);
    expect(result.status).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({ ok: true, code: 'ENGINE_OK', info: { version: dockerServerVersion() } });
  });

  it('prints a readable diagnosis', () => {
    const result = run(['engine']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Docker engine: OK\n/);
    expect(result.stdout).toContain(`Version:    ${dockerServerVersion()}`);
  });

  it('exits 1 with the not-running diagnosis when DOCKER_HOST names a dead socket', () => {
    const result = run(['engine', '--json'], { DOCKER_HOST: `unix://${path.join(home, 'dead.sock')}` });
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: 'ENGINE_NOT_RUNNING', endpointSource: 'DOCKER_HOST' });
  });

  it.runIf(requireRoot('run the CLI as an account outside the docker group'))(
    'tells a user outside the docker group how to get access',
    () => {
      chmodSync(home, 0o777);
      const script = path.resolve('node_modules/.cache/aucmedi-test/engine-as-nobody.mjs');
      buildSync({ entryPoints: ['test/integration/fixtures/engine-as-nobody.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: script, logLevel: 'warning' });
      const result = spawnSync(process.execPath, [script], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, AUCMEDI_DESK_HOME: home },
        timeout: 30_000,
      });
      expect(result.status, result.stderr).toBe(1);
      const status = JSON.parse(result.stdout);
      expect(status).toMatchObject({ ok: false, code: 'ENGINE_PERMISSION_DENIED' });
      expect(status.action).toContain('usermod -aG docker nobody');
    },
  );
});

describe.runIf(ready)('aucmedi-desk image (built CLI, real engine)', () => {
  const home = tempDir();
  const run = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, AUCMEDI_DESK_HOME: home }, timeout: 120_000 });

  it('lists images as JSON', () => {
    const result = run(['image', 'list', '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ inUse: 'ghcr.io/frankkramer-lab/aucmedi:latest', images: expect.any(Array) });
  });

  it('refuses a file that is not an image with exit 1 and says what to do', () => {
    const file = path.join(home, 'notes.txt');
    writeFileSync(file, 'hello');
    const result = run(['image', 'load', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/notes\.txt is not a Docker image file\.\nWhat to do: Choose the image file made with "docker save"/);
  });

  it('reports the GPU as JSON, exit 0 only when a GPU is ready', () => {
    const result = run(['gpu', '--json']);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ code: expect.stringMatching(/^GPU_/), message: expect.any(String), engine: { deviceRequests: true } });
    expect(result.status).toBe(report.ok ? 0 : 1);
  });

  it('exits 2 on wrong usage', () => {
    expect(run(['image', 'save', 'only-one-arg']).status).toBe(2);
    expect(run(['image', 'frob']).status).toBe(2);
  });
});

describe.runIf(requireBuild())('aucmedi-desk dataset validate (built CLI)', () => {
  const home = tempDir();
  const run = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, AUCMEDI_DESK_HOME: home }, timeout: 120_000 });

  it('exits 0 for a dataset AUCMEDI accepts, and prints the classes', () => {
    const good = path.join(home, 'good');
    makeClassDataset(good, { classes: { benign: 12, malignant: 12 } });
    const result = run(['dataset', 'validate', good]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/benign\s+12/);
    const json = JSON.parse(run(['dataset', 'validate', good, '--json']).stdout);
    expect(json).toMatchObject({ interface: 'directory', dimensionality: '2D', errors: 0, totalImages: 24 });
  });

  it('exits 1 when there are errors, and 2 on wrong usage', () => {
    const csvSet = path.join(home, 'flat');
    makeClassDataset(csvSet, { classes: { a: 3, b: 3 }, layout: 'flat' });
    const gt = path.join(home, 'gt.csv');
    writeFileSync(gt, 'SAMPLE,CLASS\na_000,a\nmissing_1,b\n');
    const result = run(['dataset', 'validate', csvSet, '--gt', gt, '--json']);
    expect(result.status).toBe(1);
    const codes = JSON.parse(result.stdout).problems.map((p: { code: string }) => p.code);
    expect(codes).toEqual(expect.arrayContaining(['CSV_MISSING_FILE', 'FILE_NOT_IN_CSV']));
    expect(run(['dataset', 'validate']).status).toBe(2);
    expect(run(['dataset', 'validate', csvSet, '--gt']).status).toBe(2);
  });
});

describe.runIf(ready)('aucmedi-desk train and runs (built CLI, stand-in image)', () => {
  const home = tempDir();
  const run = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, AUCMEDI_DESK_HOME: home }, timeout: 300_000 });

  it('trains in the foreground, prints the result, and lists the run', () => {
    buildStandIn();
    const dataset = path.join(home, 'dataset');
    makeClassDataset(dataset, { classes: { benign: 16, malignant: 16 }, size: 16 });
    const out = path.join(home, 'out');
    const result = run(['train', dataset, '--architecture', 'Vanilla', '--epochs', '12', '--batch-size', '8', '--gpus', 'none', '--out', out, '--image', STAND_IN_TAG]);
    expect(result.status, result.stderr + result.stdout).toBe(0);
    expect(result.stdout).toMatch(/^Training run-\S+: succeeded/m);
    expect(result.stdout).toContain(`Output:     ${out}`);
    const runs = JSON.parse(run(['runs', 'list', '--json']).stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ state: 'succeeded', outputDir: out });
    const shown = run(['runs', 'show', runs[0].id]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/Models: +model\.best_loss\.keras, model\.last\.keras/);
  }, 300_000);

  it('predicts with the trained run and evaluates it on a labelled set, in the foreground', () => {
    const [training] = JSON.parse(run(['runs', 'list', '--json']).stdout);
    const images = path.join(home, 'new-images');
    makeClassDataset(images, { classes: { benign: 3, malignant: 3 }, size: 16, seed: 4, layout: 'flat' });
    const predicted = run(['predict', images, '--model', training.id, '--xai', 'gradcam', '--gpus', 'none', '--image', STAND_IN_TAG, '--json']);
    expect(predicted.status, predicted.stderr + predicted.stdout).toBe(0);
    // --json: one object per line, from the start to the record, which holds the predictions
    const lines = predicted.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ runId: expect.stringMatching(/^run-/), event: 'started', mode: 'prediction' });
    const prediction = lines.at(-1);
    expect(prediction).toMatchObject({ id: lines[0].runId, mode: 'prediction', state: 'succeeded', results: { samples: 6, heatMaps: 6 }, model: { runId: training.id } });
    expect(prediction.predictions.classes).toEqual(['benign', 'malignant']);
    const names = readdirSync(images);
    expect(prediction.predictions.rows).toHaveLength(6);
    for (const row of prediction.predictions.rows as { sample: string; predictedClass: string; probability: number }[]) {
      expect(names.includes(row.sample) || names.includes(`${row.sample}.png`), row.sample).toBe(true);
      expect(['benign', 'malignant']).toContain(row.predictedClass);
      expect(row.probability).toBeGreaterThanOrEqual(0.5);
    }
    // as text: the record, then one line per image with its predicted class and probability
    const asText = run(['predict', images, '--model', training.id, '--gpus', 'none', '--image', STAND_IN_TAG]);
    expect(asText.status, asText.stderr).toBe(0);
    expect(asText.stdout).toMatch(/^Prediction run-\S+: succeeded/m);
    expect(asText.stderr).toMatch(/^Prediction run-\S+ started; outputs in /m);
    const table = asText.stdout.slice(asText.stdout.indexOf('Sample ')).trim().split('\n');
    expect(table[0]).toMatch(/^Sample +Predicted class +Probability$/);
    expect(table.slice(1)).toHaveLength(6);
    for (const row of table.slice(1)) expect(row).toMatch(/^\S+ +(benign|malignant) +(0|1)\.\d{4}$/);

    const labelled = path.join(home, 'labelled');
    makeClassDataset(labelled, { classes: { benign: 4, malignant: 4 }, size: 16, seed: 6 });
    const evaluated = run(['evaluate', labelled, '--model', training.outputDir, '--gpus', 'none', '--image', STAND_IN_TAG]);
    expect(evaluated.status, evaluated.stderr + evaluated.stdout).toBe(0);
    expect(evaluated.stdout).toMatch(/^Evaluation run-\S+: succeeded/m);
    expect(evaluated.stdout).toMatch(/Results: +8 images scored: .*metrics\.performance\.csv/);

    const missing = run(['predict', images, '--gpus', 'none']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--model RUN_OR_DIR is required');
    const wrong = run(['predict', images, '--model', path.join(home, 'no-model'), '--gpus', 'none', '--image', STAND_IN_TAG]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/There is no model folder [\s\S]*What to do:/);
  }, 300_000);

  it('refuses a broken request with exit 1 and says what to do', () => {
    const result = run(['train', path.join(home, 'missing'), '--architecture', 'Vanilla', '--gpus', 'none', '--image', STAND_IN_TAG]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/What to do:/);
  }, 120_000);

  it('says that --epochs 3 trains 10, and refuses --gpus all and a GPU list: AUCMEDI trains on one GPU', () => {
    const fewer = run(['train', path.join(home, 'missing'), '--architecture', 'Vanilla', '--epochs', '3', '--gpus', 'none', '--image', STAND_IN_TAG]);
    expect(fewer.stderr).toContain('3 requested: AUCMEDI trains at least 10 (its first phase is always 10 epochs), so this run trains 10 epochs.');
    const dataset = path.join(home, 'dataset');
    const runsBefore = JSON.parse(run(['runs', 'list', '--json']).stdout).length;
    for (const gpus of ['all', '0,1']) {
      const result = run(['train', dataset, '--architecture', 'Vanilla', '--epochs', '12', '--gpus', gpus, '--image', STAND_IN_TAG]);
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toContain(`--gpus ${gpus}: AUCMEDI trains on one GPU`);
      expect(result.stderr).toMatch(/What to do: Name one GPU \(--gpus 0, or its UUID\)/);
    }
    expect(JSON.parse(run(['runs', 'list', '--json']).stdout)).toHaveLength(runsBefore); // nothing started
  }, 120_000);
});

describe.runIf(requireBuild())('aucmedi-desk weights (built CLI)', () => {
  const home = tempDir();
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, AUCMEDI_DESK_HOME: home }, timeout: 60_000 });

  it('imports weights from a folder, lists them with their SHA-256, and refuses what is not weights', () => {
    const source = path.join(home, 'keras-models');
    mkdirSync(source);
    writeFileSync(path.join(source, 'efficientnetb0_notop.h5'), Buffer.concat([Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(1000, 7)]));
    writeFileSync(path.join(source, 'notes.txt'), 'x');
    const imported = run(['weights', 'import', source]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/imported +efficientnetb0_notop\.h5/);
    expect(imported.stdout).toMatch(/refused +notes\.txt: not a weights file/);
    const listed = JSON.parse(run(['weights', 'list', '--json']).stdout);
    expect(listed.files).toEqual([{ name: 'efficientnetb0_notop.h5', sizeBytes: 1008, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), md5: expect.stringMatching(/^[0-9a-f]{32}$/), keras: { state: 'wrong-file', expected: { algorithm: 'md5', value: '50bc09e76180e00e4465e1a485ddc09d' } } }]);
    const missing = run(['weights', 'import', path.join(home, 'nowhere')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot be read[\s\S]*What to do:/);
  });
});
