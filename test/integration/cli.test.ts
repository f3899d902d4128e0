import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { dockerServerVersion, requireBuild, requireEngine, requireRoot } from '../helpers/requirements';
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
