/**
 * Staging a run's data through the engine API, against a real server that cannot see this
 * machine's files (test/helpers/remote-engine.ts): uploaded into a volume and verified on the
 * server, outputs downloaded back, a cancel leaving nothing behind.
 */
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEntry } from '../../src/api/types';
import { closeSshConnections, createDockerClient } from '../../src/engine/client';
import { startOnce } from '../../src/engine/containers';
import { endpointForEntry } from '../../src/engine/engines';
import type { EndpointContext } from '../../src/engine/endpoint';
import { removeVolume, safeRelativeName, stageIn, stageOut, StagingCancelled, StagingVerifyFailed, verifyStaged, volumeBytes, type StagedManifest, type StageProgress } from '../../src/engine/staging';
import { STAND_IN_TAG } from '../helpers/docker-cli';
import { requireEngine, requireRoot } from '../helpers/requirements';
import { requireRemoteEngineTools, startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine';
import { requireDockerd } from '../helpers/second-engine';

describe('archive names unpacked from a server', () => {
  it('are kept relative and inside the folder', () => {
    expect(safeRelativeName('./model/best.keras')).toBe('model/best.keras');
    expect(safeRelativeName('model\\plot.png')).toBe('model/plot.png');
    for (const bad of ['../escape', 'a/../../b', '/etc/passwd'.replace(/^\//, '../'), 'C:/Windows', '.', './']) expect(safeRelativeName(bad)).toBeNull();
    expect(safeRelativeName('/stage/x')).toBe('stage/x');
  });
});

const ready = requireRoot('start a second dockerd') && requireDockerd() && requireRemoteEngineTools() && requireEngine();

describe.runIf(ready)('staging through the engine API to a server that cannot see these files', () => {
  let remote: RemoteEngine;
  let docker: Docker;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aucmedi-staging-'));
  const dataset = path.join(dir, 'dataset');
  const ctx: EndpointContext = { env: { AUCMEDI_DESK_HOME: path.join(dir, 'app') }, platform: 'linux', homedir: path.join(dir, 'home') };
  const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  const bytesUnder = (folder: string): number =>
    readdirSync(folder, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? bytesUnder(path.join(folder, e.name)) : statSync(path.join(folder, e.name)).size), 0);
  let sent: StagedManifest;
  /** The server's own view of a volume, through the docker CLI on its socket. */
  const onServer = (volume: string, script: string, rw = false) =>
    remote.engine.docker(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', '-v', `${volume}:/v${rw ? '' : ':ro'}`, STAND_IN_TAG, '-c', script]).stdout;
  const leftovers = () => ({
    volumes: remote.engine.docker(['volume', 'ls', '-q']).stdout.split('\n').filter(Boolean),
    containers: remote.engine.docker(['ps', '-aq']).stdout.split('\n').filter(Boolean),
  });

  beforeAll(async () => {
    remote = await startRemoteEngine();
    await remote.engine.loadFromMainEngine(STAND_IN_TAG);
    const entry: EngineEntry = { name: 'gpu', url: remote.tlsUrl, tls: { ca: remote.certs.ca, cert: remote.certs.cert, key: remote.certs.key }, identityFile: null };
    docker = createDockerClient(endpointForEntry(entry, ctx));
    for (const cls of ['benign', 'malignant']) {
      mkdirSync(path.join(dataset, cls), { recursive: true });
      for (let i = 0; i < 150; i++) writeFileSync(path.join(dataset, cls, `img ${i}.png`), randomBytes(2000 + i));
    }
    mkdirSync(path.join(dataset, 'malignant', 'nested'));
    writeFileSync(path.join(dataset, 'malignant', 'nested', 'Ärzte-Übersicht.png'), randomBytes(100));
    writeFileSync(path.join(dir, 'annotations.csv'), 'SAMPLE,CLASS\n');
  }, 180_000);
  afterAll(async () => {
    closeSshConnections();
    await remote?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a dataset and a file into a volume, checked on the server file by file; the server never saw the folder itself', async () => {
    expect(remote.serverSees(dataset)).toBe(false);
    const progress: StageProgress[] = [];
    const manifest = await stageIn(docker, [{ hostPath: dataset, at: 'dataset' }, { hostPath: path.join(dir, 'annotations.csv'), at: 'annotations.csv' }], {
      image: STAND_IN_TAG,
      volume: 'aucmedi-test-in',
      onProgress: (p) => void progress.push(p),
    });
    sent = manifest;
    expect(manifest.files).toBe(302);
    expect(manifest.bytes).toBe(bytesUnder(dataset) + 'SAMPLE,CLASS\n'.length);
    expect(progress.at(-1)?.phase).toBe('verifying');
    // the server's own listing and hashes: the same names and the same bytes
    const listing = onServer('aucmedi-test-in', 'cd /v && find . -type f | sort').split('\n');
    expect(listing).toHaveLength(302);
    expect(listing).toContain('./dataset/malignant/nested/Ärzte-Übersicht.png');
    expect(onServer('aucmedi-test-in', "sha256sum '/v/dataset/benign/img 7.png'").split(' ')[0]).toBe(sha(readFileSync(path.join(dataset, 'benign', 'img 7.png'))));
    expect(leftovers().containers).toEqual([]);
  });

  it('finds a file changed on the server after the upload', async () => {
    await verifyStaged(docker, sent, { image: STAND_IN_TAG, volume: 'aucmedi-test-in' });
    onServer('aucmedi-test-in', "printf x >> '/v/dataset/benign/img 7.png'", true);
    const changed = verifyStaged(docker, sent, { image: STAND_IN_TAG, volume: 'aucmedi-test-in' });
    await expect(changed).rejects.toBeInstanceOf(StagingVerifyFailed);
    await expect(changed).rejects.toMatchObject({ found: { files: 302 } });
    // a link and a FIFO are not counted (nor waited on); a name with a newline is one file
    onServer('aucmedi-test-in', "ln -s /etc/passwd /v/link && mkfifo /v/fifo && printf y > '/v/new\nline'", true);
    await expect(verifyStaged(docker, sent, { image: STAND_IN_TAG, volume: 'aucmedi-test-in' })).rejects.toMatchObject({ found: { files: 303 } });
    await removeVolume(docker, 'aucmedi-test-in');
    expect(leftovers()).toEqual({ volumes: [], containers: [] });
  });

  it('a check started ahead and left waiting ends when the app goes away (its stdin closes)', async () => {
    const waiting = await startOnce(docker, {
      image: STAND_IN_TAG,
      entrypoint: ['python3', '-c', 'import sys; sys.exit(3 if sys.stdin.buffer.read(1) != b"g" else 0)'],
      cmd: [],
      purpose: 'staging-verify',
      stdin: true,
      timeoutMs: 60_000,
    });
    waiting.stdin!.destroy();
    expect((await waiting.finish()).exitCode).toBe(3);
    expect(leftovers().containers).toEqual([]);
  });

  it('downloads what a run wrote into a volume: files and folders, never a link', async () => {
    remote.engine.docker(['volume', 'create', 'aucmedi-test-out']);
    onServer('aucmedi-test-out', 'mkdir -p /v/model/plots && head -c 5000000 /dev/urandom > /v/model/model.best_loss.keras && echo log > /v/logs.csv && ln -s /etc/passwd /v/model/link && sha256sum /v/model/model.best_loss.keras > /v/sum', true);
    const out = path.join(dir, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'run.json'), '{}');
    const result = await stageOut(docker, out, { image: STAND_IN_TAG, volume: 'aucmedi-test-out' });
    expect(result.files).toBe(3);
    expect(readFileSync(path.join(out, 'sum'), 'utf8').split(' ')[0]).toBe(sha(readFileSync(path.join(out, 'model', 'model.best_loss.keras'))));
    expect(readFileSync(path.join(out, 'logs.csv'), 'utf8')).toBe('log\n');
    expect(readdirSync(path.join(out, 'model')).sort()).toEqual(['model.best_loss.keras', 'plots']);
    expect(readFileSync(path.join(out, 'run.json'), 'utf8')).toBe('{}');
    // what the server says the download weighs: the files' bytes, not the link's
    expect(await volumeBytes(docker, { image: STAND_IN_TAG, volume: 'aucmedi-test-out' })).toBe(result.bytes);
    await removeVolume(docker, 'aucmedi-test-out');
    expect(leftovers()).toEqual({ volumes: [], containers: [] });
  });

  it('a longer download learns its total on the way (progress with a fraction and the time left), and a cancel leaves nothing', async () => {
    remote.engine.docker(['volume', 'create', 'aucmedi-test-long']);
    onServer('aucmedi-test-long', 'mkdir /v/model && for i in 1 2 3 4; do head -c 100000000 /dev/urandom > /v/model/fold$i.keras; done', true);
    const out = path.join(dir, 'long');
    // cancelled while the server measures it: nothing left there, not even the measuring container
    const controller = new AbortController();
    const started = Date.now();
    const cancelled = stageOut(docker, out, { image: STAND_IN_TAG, volume: 'aucmedi-test-long', signal: controller.signal, onProgress: () => void (Date.now() - started > 1200 && controller.abort()) });
    await expect(cancelled).rejects.toBeInstanceOf(StagingCancelled);
    expect(leftovers().containers).toEqual([]);
    const progress: StageProgress[] = [];
    const result = await stageOut(docker, out, { image: STAND_IN_TAG, volume: 'aucmedi-test-long', onProgress: (p) => void progress.push({ ...p }) });
    expect(result.bytes).toBe(400_000_000);
    expect(progress[0]?.bytesTotal).toBeNull(); // not known at first: measuring costs a container's start
    const known = progress.filter((p) => p.bytesTotal !== null);
    expect(known.length).toBeGreaterThan(0);
    expect(known.every((p) => p.bytesTotal === 400_000_000 && typeof p.secondsLeft === 'number')).toBe(true);
    rmSync(out, { recursive: true, force: true });
    await removeVolume(docker, 'aucmedi-test-long');
    expect(leftovers()).toEqual({ volumes: [], containers: [] });
  }, 120_000);

  it('a cancelled upload leaves no volume and no container on the server', async () => {
    const big = path.join(dir, 'big');
    mkdirSync(big);
    for (let i = 0; i < 40; i++) writeFileSync(path.join(big, `slice${i}.nii`), randomBytes(4 * 1024 * 1024));
    const controller = new AbortController();
    const staged = stageIn(docker, [{ hostPath: big, at: '' }], {
      image: STAND_IN_TAG,
      volume: 'aucmedi-test-cancel',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesDone > 30 * 1024 * 1024) controller.abort();
      },
    });
    await expect(staged).rejects.toBeInstanceOf(StagingCancelled);
    expect(leftovers()).toEqual({ volumes: [], containers: [] });
  });

  it('a cancel among many small files (read ahead on the worker thread) leaves nothing either, and no stray error', async () => {
    // Each small file is one tar entry made from a buffer: a cancel destroys the entries waiting in the
    // pack, whose errors must reach the upload, not the process (vitest fails the run on an uncaught one).
    const small = path.join(dir, 'small');
    mkdirSync(small);
    for (let i = 0; i < 400; i++) writeFileSync(path.join(small, `img${i}.png`), randomBytes(64 * 1024));
    // from outside, as a stop on the Run page comes: at any moment, an entry possibly waiting for the engine to read on
    for (const afterMs of [0, 5, 30, 100, 300]) {
      const controller = new AbortController();
      const staged = stageIn(docker, [{ hostPath: small, at: '' }], { image: STAND_IN_TAG, volume: 'aucmedi-test-cancel-small', signal: controller.signal });
      setTimeout(() => controller.abort(), afterMs);
      await expect(staged).rejects.toBeInstanceOf(StagingCancelled);
      expect(leftovers()).toEqual({ volumes: [], containers: [] });
    }
  });

  it('a full disk on the server is said in a sentence, and what was sent is removed', async () => {
    const many = path.join(dir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 24; i++) writeFileSync(path.join(many, `img${i}.png`), randomBytes(1024 * 1024));
    // a volume of 8 MiB on the server plays its disk filling up
    const staged = stageIn(docker, [{ hostPath: many, at: '' }], { image: STAND_IN_TAG, volume: 'aucmedi-test-full', driverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=8m' } });
    await expect(staged).rejects.toMatchObject({ userError: { code: 'STAGING_NO_SPACE', message: expect.stringMatching(/disk filled up while the run's data \(24\.0 MiB\)/), action: expect.stringMatching(/docker system df/) } });
    expect(leftovers()).toEqual({ volumes: [], containers: [] });
  });

  it('works the same over SSH', async () => {
    mkdirSync(path.join(ctx.homedir, '.ssh'), { recursive: true });
    writeFileSync(path.join(ctx.homedir, '.ssh', 'known_hosts'), `${remote.ssh.hostKeyLine}\n`);
    const viaSsh = createDockerClient(endpointForEntry({ name: 'gpu-ssh', url: remote.sshUrl, tls: null, identityFile: remote.ssh.identityFile }, ctx));
    const manifest = await stageIn(viaSsh, [{ hostPath: path.join(dataset, 'malignant'), at: 'images' }], { image: STAND_IN_TAG, volume: 'aucmedi-test-ssh' });
    expect(manifest.files).toBe(151);
    const back = path.join(dir, 'back');
    expect(await stageOut(viaSsh, back, { image: STAND_IN_TAG, volume: 'aucmedi-test-ssh' })).toMatchObject({ files: 151 });
    expect(readFileSync(path.join(back, 'images', 'img 3.png'))).toEqual(readFileSync(path.join(dataset, 'malignant', 'img 3.png')));
    await removeVolume(viaSsh, 'aucmedi-test-ssh');
    expect(leftovers()).toEqual({ volumes: [], containers: [] });
  });
});
