import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, statSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferProgress } from '../../src/api/types';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import { buildStandIn, docker, engineImageState, imageExists, ownStandInCopy } from '../helpers/docker-cli';
import { requireEngine } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const hasEngine = requireEngine();

describe.runIf(hasEngine)('images through the core, against the real engine', () => {
  const dir = tempDir();
  const suffix = randomUUID().slice(0, 8);
  const copyTag = `aucmedi-desk/aucmedi-copy:${suffix}`;
  const probeTag = `aucmedi-desk/load-probe:${suffix}`;
  let core: Core;
  const progress: TransferProgress[] = [];
  let probeTar: string;
  let probeId: string;

  beforeAll(async () => {
    buildStandIn();
    ownStandInCopy(copyTag);
    // A small image whose layer exists nowhere else, so a failed load can be seen to leave nothing.
    const rootfs = path.join(dir, 'rootfs.tar');
    const payload = randomBytes(6 * 1024 * 1024);
    spawnSync('bash', ['-c', `mkdir -p ${dir}/r && head -c 0 /dev/null > ${dir}/r/empty`]);
    writeFileSync(path.join(dir, 'r', 'payload.bin'), payload);
    spawnSync('tar', ['-C', path.join(dir, 'r'), '-cf', rootfs, '.']);
    probeId = docker(['import', rootfs, probeTag]).stdout;
    probeTar = path.join(dir, 'probe.tar');
    docker(['save', '-o', probeTar, probeTag]);
    docker(['rmi', probeTag]);
    core = createCore({ settings: new JsonFileSettingsStore(path.join(dir, 'settings.json')) });
    await core.handlers['settings:update']({ imageRef: copyTag });
    core.subscribe((event) => event.type === 'image:progress' && progress.push(event.progress));
  }, 900_000);

  afterAll(() => {
    core?.dispose();
    for (const tag of [copyTag, probeTag]) docker(['rmi', tag], { allowFail: true });
  });

  it('lists the AUCMEDI images with the version read from the image and the one in use marked', async () => {
    const response = await core.handlers['images:list']({});
    if (!response.ok) throw new Error(response.error.message);
    expect(response.data.inUse).toBe(copyTag);
    expect(response.data.inUsePresent).toBe(true);
    const inUse = response.data.images.find((image) => image.inUse)!;
    expect(inUse.references).toContain(copyTag);
    expect(inUse.standIn).toBe(true);
    expect(inUse.aucmediVersion).toMatch(/^0\.11\.0/);
    expect(inUse.sizeBytes).toBeGreaterThan(1_000_000);
  });

  it('exports an image with a .sha256 that sha256sum accepts, then loads it back with progress and a verified checksum', async () => {
    const file = path.join(dir, 'aucmedi.tar');
    const saved = await core.handlers['images:save']({ reference: copyTag, file, operationId: 'save-1' });
    if (!saved.ok) throw new Error(saved.error.message);
    expect(saved.data.bytes).toBe(statSync(file).size);
    const check = spawnSync('sha256sum', ['-c', path.basename(saved.data.checksumFile)], { cwd: dir, encoding: 'utf8' });
    expect(check.stdout.trim()).toBe('aucmedi.tar: OK');
    expect(saved.data.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(progress.some((p) => p.operationId === 'save-1' && p.kind === 'save' && p.phase === 'done')).toBe(true);

    const removed = await core.handlers['images:remove']({ reference: copyTag });
    expect(removed).toMatchObject({ ok: true });
    expect(imageExists(copyTag)).toBe(false);

    const loaded = await core.handlers['images:load']({ file, operationId: 'load-1' });
    if (!loaded.ok) throw new Error(loaded.error.message);
    expect(loaded.data).toMatchObject({ references: [copyTag], checksum: 'verified', sha256: saved.data.sha256 });
    expect(imageExists(copyTag)).toBe(true);
    const events = progress.filter((p) => p.operationId === 'load-1');
    const reading = events.filter((p) => p.phase === 'reading');
    expect(reading.length).toBeGreaterThan(0);
    expect(reading.map((p) => p.bytesDone)).toEqual([...reading.map((p) => p.bytesDone)].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ kind: 'load', phase: 'done', bytesDone: statSync(file).size, bytesTotal: statSync(file).size });
  });

  it('loads a correct checksum and a gzip-compressed file', async () => {
    const gz = path.join(dir, 'probe.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(probeTar), { level: 1 }));
    writeFileSync(`${gz}.sha256`, `${createHash('sha256').update(readFileSync(gz)).digest('hex')}  probe.tar.gz\n`);
    const loaded = await core.handlers['images:load']({ file: gz, operationId: 'load-gz' });
    expect(loaded).toMatchObject({ ok: true, data: { references: [probeTag], checksum: 'verified' } });
    docker(['rmi', probeTag]);
  });

  describe('bad files get a clear error and leave the engine as it was', () => {
    // Other test files use the engine at the same time, so "unchanged" is checked for this image's own id and tag.
    const loadFails = async (file: string, code: string) => {
      const response = await core.handlers['images:load']({ file, operationId: `bad-${randomUUID().slice(0, 8)}` });
      expect(response.ok).toBe(false);
      if (response.ok) return;
      expect(response.error.code).toBe(code);
      expect(response.error.action.length).toBeGreaterThan(10);
      expect(imageExists(probeTag)).toBe(false);
      expect(imageExists(probeId)).toBe(false);
      expect(engineImageState()).not.toContain(probeId);
      return response.error;
    };

    it('a wrong checksum: rejected before anything is tagged', async () => {
      const file = path.join(dir, 'wrong-sum.tar');
      copyFileSync(probeTar, file);
      writeFileSync(`${file}.sha256`, `${'0'.repeat(64)}  wrong-sum.tar\n`);
      const error = await loadFails(file, 'IMAGE_CHECKSUM_MISMATCH');
      expect(error?.message).toMatch(/does not match its checksum file wrong-sum\.tar\.sha256/);
    });

    it('a truncated tarball', async () => {
      const file = path.join(dir, 'truncated.tar');
      copyFileSync(probeTar, file);
      truncateSync(file, Math.floor(statSync(file).size / 2));
      await loadFails(file, 'IMAGE_FILE_TRUNCATED');
    });

    it('a truncated compressed tarball (caught by the engine)', async () => {
      const file = path.join(dir, 'truncated.tar.gz');
      const gz = gzipSync(readFileSync(probeTar), { level: 1 });
      writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
      await loadFails(file, 'IMAGE_FILE_TRUNCATED');
    });

    it('a text file', async () => {
      const file = path.join(dir, 'notes.tar');
      writeFileSync(file, 'These are not the images you are looking for.\n'.repeat(100));
      await loadFails(file, 'IMAGE_FILE_NOT_ARCHIVE');
    });

    it('a tar archive that is not an image', async () => {
      const file = path.join(dir, 'plain.tar');
      spawnSync('tar', ['-C', path.join(dir, 'r'), '-cf', file, '.']);
      await loadFails(file, 'IMAGE_FILE_NOT_IMAGE');
    });

    it('a missing file', async () => {
      await loadFails(path.join(dir, 'nope.tar'), 'IMAGE_FILE_NOT_FOUND');
    });

    it('a load cancelled half-way', async () => {
      const operationId = `cancel-${suffix}`;
      const stop = core.subscribe((event) => {
        if (event.type === 'image:progress' && event.progress.operationId === operationId && event.progress.phase === 'reading') {
          void core.handlers['operations:cancel']({ operationId });
        }
      });
      const response = await core.handlers['images:load']({ file: probeTar, operationId });
      stop();
      expect(response).toMatchObject({ ok: false, error: { code: 'OPERATION_CANCELLED' } });
      expect(imageExists(probeTag)).toBe(false);
      expect(engineImageState()).not.toContain(probeId);
    });

    it('a file that gets shorter while it is loaded (still being copied, or a failing disk)', async () => {
      const file = path.join(dir, 'shrinking.tar');
      copyFileSync(probeTar, file);
      const operationId = `shrink-${suffix}`;
      const stop = core.subscribe((event) => {
        if (event.type === 'image:progress' && event.progress.operationId === operationId && event.progress.phase === 'reading') truncateSync(file, 1024 * 1024);
      });
      const response = await core.handlers['images:load']({ file, operationId });
      stop();
      expect(response).toMatchObject({ ok: false, error: { code: 'IMAGE_FILE_NOT_FOUND' } });
      if (!response.ok) expect(response.error.detail).toMatch(/shorter/);
      expect(imageExists(probeTag)).toBe(false);
      expect(engineImageState()).not.toContain(probeId);
    });
  });

  it('says in one sentence that the registry cannot be reached, and points to Load from file', async () => {
    const response = await core.handlers['images:pull']({ reference: 'ghcr.io/frankkramer-lab/aucmedi:latest', operationId: 'pull-1' });
    expect(response).toMatchObject({ ok: false, error: { code: 'REGISTRY_UNREACHABLE', action: expect.stringMatching(/Load from file/) } });
  });

  it('refuses to remove an image a run container uses', async () => {
    const id = docker(['create', '--label', 'org.aucmedi-desk.app=aucmedi-desk', '--label', 'org.aucmedi-desk.run-id=run-test', copyTag, '-v']).stdout;
    try {
      const response = await core.handlers['images:remove']({ reference: copyTag });
      expect(response).toMatchObject({ ok: false, error: { code: 'IMAGE_IN_USE' } });
      expect(imageExists(copyTag)).toBe(true);
    } finally {
      docker(['rm', '-f', '-v', id]);
    }
  });

  it('does not overwrite an existing file when exporting', async () => {
    const file = path.join(dir, 'exists.tar');
    writeFileSync(file, 'precious');
    const response = await core.handlers['images:save']({ reference: copyTag, file, operationId: 'save-2' });
    expect(response).toMatchObject({ ok: false, error: { code: 'IMAGE_SAVE_FAILED' } });
    expect(readFileSync(file, 'utf8')).toBe('precious');
  });
});
