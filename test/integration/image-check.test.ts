import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, TrainingRequest } from '../../src/api/runs';
import { createCore, type Core } from '../../src/core';
import { APP_LABEL, PURPOSE_LABEL } from '../../src/engine/containers';
import { checkImage, IMAGE_CHECK_PURPOSE } from '../../src/engine/image-check';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, ownStandInCopy, STAND_IN_TAG } from '../helpers/docker-cli';
import { makeClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const hasEngine = requireEngine();

/** Where the stand-in's probe modules lie in its image (docker/stand-in/Dockerfile). */
const MODULES = '/usr/lib/python3/dist-packages';
const IMPORT_ERROR = "ModuleNotFoundError: No module named 'classification_models_3D.tfkeras'";

/**
 * The deliberately broken variant: the stand-in with classification_models_3D as its release 1.1.0
 * is (no `tfkeras` module, which AUCMEDI 0.11.0 imports its 3D architectures from).
 */
function buildBrokenStandIn(tag: string): void {
  docker(['build', '--network', 'none', '-q', '-t', tag, '-'], {
    input: [
      `FROM ${STAND_IN_TAG}`,
      `LABEL org.aucmedi-desk.test-copy="${tag}" org.aucmedi-desk.stand-in-variant="broken: classification_models_3D without tfkeras"`,
      `RUN rm ${MODULES}/classification_models_3D/tfkeras.py && sed -i 's/^Version: .*/Version: 1.1.0-standin/' ${MODULES}/classification_models_3D-1.0.10.dist-info/METADATA`,
      '',
    ].join('\n'),
  });
}

describe.runIf(hasEngine)('the image check against the real engine', () => {
  const dir = tempDir();
  const suffix = randomUUID().slice(0, 8);
  const goodTag = `aucmedi-desk/aucmedi-check:${suffix}`;
  const brokenTag = `aucmedi-desk/aucmedi-stand-in:broken-${suffix}`;
  const keras2Tag = `aucmedi-desk/aucmedi-check:keras2-${suffix}`;
  const dataset = path.join(dir, 'dataset');
  let core: Core;

  beforeAll(() => {
    buildStandIn();
    ownStandInCopy(goodTag);
    buildBrokenStandIn(brokenTag);
    // what build.sh's AUCMEDI_STANDIN_KERAS_GENERATION=2 sets in the image
    docker(['build', '--network', 'none', '-q', '-t', keras2Tag, '-'], { input: `FROM ${STAND_IN_TAG}\nENV STANDIN_KERAS_GENERATION=2\n` });
    makeClassDataset(dataset, { classes: { benign: 8, malignant: 8 }, size: 16, seed: 5 });
    const settings = new JsonFileSettingsStore(path.join(dir, 'settings.json'));
    settings.write({ ...settings.read(), imageRef: goodTag, runsDir: path.join(dir, 'runs') });
    core = createCore({ settings, dataDir: path.join(dir, 'app-data') });
  }, 900_000);

  afterAll(() => {
    core?.dispose();
    for (const tag of [goodTag, brokenTag, keras2Tag]) docker(['rmi', tag], { allowFail: true });
  });

  const listed = async () => {
    const response = await core.handlers['images:list']({});
    if (!response.ok) throw new Error(response.error.message);
    return response.data.images;
  };

  it('lists the stand-in with its versions, each marked as the stand-in’s, and the check ok', async () => {
    const image = (await listed()).find((i) => i.references.includes(goodTag))!;
    expect(image.check).toEqual({
      state: 'ok',
      aucmedi: '0.11.0-standin',
      tensorflow: expect.stringMatching(/^2\.1[56]\.\d+-standin$/),
      keras: expect.stringMatching(/^[23]\.\d+\.\d+-standin$/),
      kerasGeneration: expect.any(Number),
      classificationModels3D: '1.0.10-standin',
      python: expect.stringMatching(/^3\.\d+/),
      problem: null,
    });
    expect(image.check.kerasGeneration).toBe(Number(image.check.keras!.split('.')[0]));
    expect(image.aucmediVersion).toBe('0.11.0-standin');
    // the Keras generation the stand-in build plays
    const keras2 = (await listed()).find((i) => i.references.includes(keras2Tag))!;
    expect(keras2.check).toMatchObject({ state: 'ok', keras: '2.15.0-standin', kerasGeneration: 2, tensorflow: '2.15.1-standin' });
  });

  it('names the import error of the broken variant, with what IT should do', async () => {
    const image = (await listed()).find((i) => i.references.includes(brokenTag))!;
    expect(image.check.state).toBe('broken');
    expect(image.check.classificationModels3D).toBe('1.1.0-standin');
    expect(image.check.problem!.message).toContain(IMPORT_ERROR);
    expect(image.check.problem!.action).toContain('docker/aucmedi/');
    // the stand-in's own command fails the same way, as AUCMEDI's console entry does (`-v` too)
    const version = docker(['run', '--rm', '--network', 'none', brokenTag, '-v'], { allowFail: true });
    expect(version.code).toBe(1);
    expect(version.stderr.split('\n').at(-1)).toBe(IMPORT_ERROR);
  });

  it('runs in a container without network, as the user, and leaves no container and no network behind', async () => {
    const engine = new Docker();
    const networks = () => docker(['network', 'ls', '-q', '--no-trunc']).stdout.split('\n').sort();
    const networksBefore = networks();
    const seen: Docker.ContainerInspectInfo[] = [];
    // the real engine, with each created container inspected by it before it starts
    const witness = Object.create(engine) as Docker;
    witness.createContainer = async (options: Docker.ContainerCreateOptions) => {
      const container = await engine.createContainer(options);
      seen.push(await container.inspect());
      return container;
    };
    const user = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
    const check = await checkImage(witness, brokenTag, { user });
    expect(check.state).toBe('broken');
    expect(seen).toHaveLength(1);
    const [info] = seen;
    expect(info!.HostConfig.NetworkMode).toBe('none');
    expect(Object.keys(info!.NetworkSettings.Networks ?? {}).filter((name) => name !== 'none')).toEqual([]);
    expect(info!.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info!.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(info!.HostConfig.Privileged).toBe(false);
    expect(info!.Config.User).toBe(user);
    expect(info!.Config.Entrypoint).toEqual(['python3']);
    expect(info!.Config.Labels).toMatchObject({ [APP_LABEL]: 'aucmedi-desk', [PURPOSE_LABEL]: IMAGE_CHECK_PURPOSE });
    expect(docker(['ps', '-a', '-q', '--filter', `id=${info!.Id}`]).stdout).toBe('');
    expect(networks()).toEqual(networksBefore);
  });

  it('checks an image as it is loaded', async () => {
    const file = path.join(dir, 'broken.tar');
    docker(['save', '-o', file, brokenTag]);
    const id = docker(['image', 'inspect', '--format', '{{.Id}}', brokenTag]).stdout;
    docker(['rmi', brokenTag]);
    const loaded = await core.handlers['images:load']({ file, operationId: 'load-broken' });
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.data.references).toEqual([brokenTag]);
    expect(loaded.data.checks[id]).toMatchObject({ state: 'broken', problem: { message: expect.stringContaining(IMPORT_ERROR) } });
  }, 300_000);

  const train = async (imageRef: string): Promise<RunRecord> => {
    const request: TrainingRequest = {
      dataset: { path: dataset, gtFile: null, ohe: false },
      options: { analysis: 'minimal', architectures: ['Vanilla'], epochs: 1, batchSize: 8, workers: 1, threeDim: false },
      gpus: { kind: 'none' },
      imageRef,
    };
    const started = await core.handlers['runs:start-training'](request);
    if (!started.ok) throw new Error(`${started.error.code}: ${started.error.message}`);
    return core.runs.waitForEnd(started.data.id);
  };

  it('a run records the image software in run.json', async () => {
    const record = await train(goodTag);
    expect(record.state).toBe('succeeded');
    const manifest = JSON.parse(readFileSync(path.join(record.outputDir, 'run.json'), 'utf8'));
    expect(manifest.image).toMatchObject({ reference: goodTag, id: record.imageId, software: { aucmedi: '0.11.0-standin', classificationModels3D: '1.0.10-standin', check: 'ok' } });
    expect(manifest.image.software.keras).toMatch(/-standin$/);
  }, 300_000);

  it('a run on the broken image fails as a broken image, not as missing weights', async () => {
    const record = await train(brokenTag);
    expect(record.state).toBe('failed');
    expect(record.error).toMatchObject({ code: 'IMAGE_BROKEN', detail: IMPORT_ERROR });
    const manifest = JSON.parse(readFileSync(path.join(record.outputDir, 'run.json'), 'utf8'));
    expect(manifest.image.software).toMatchObject({ classificationModels3D: '1.1.0-standin', check: 'broken' });
  }, 300_000);
});
