import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyConnectionError, compareApiVersions, diagnoseEngine, type DiagnoseDeps } from '../../../src/engine/diagnose';
import { parseEndpoint, type EngineEndpoint } from '../../../src/engine/endpoint';
import { tempDir } from '../../helpers/temp';
import { MODERN_INFO, MODERN_VERSION, startFakeEngine, type FakeEngineScript } from '../../helpers/fake-engine';

const ctx = { env: {}, platform: 'linux' as const, homedir: '/home/ana' };
const deps = (overrides: Partial<DiagnoseDeps> = {}): DiagnoseDeps => ({
  platform: 'linux',
  username: 'ana',
  isInstalled: async () => true,
  freeDiskBytes: async () => 123_456_789,
  pingTimeoutMs: 500,
  ...overrides,
});
const socket = (socketPath: string, source: EngineEndpoint['source'] = 'default') => parseEndpoint(`unix://${socketPath}`, source, ctx);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
async function fake(script: FakeEngineScript) {
  const engine = await startFakeEngine(script);
  closers.push(engine.close);
  return engine;
}

describe('diagnoseEngine against a scripted engine', () => {
  it('reports a healthy engine with its facts', async () => {
    const engine = await fake({});
    const status = await diagnoseEngine(socket(engine.socketPath), deps());
    expect(status).toMatchObject({ ok: true, code: 'ENGINE_OK', action: '', endpoint: `unix://${engine.socketPath}`, endpointSource: 'default' });
    expect(status.info).toEqual({
      version: '27.3.1',
      apiVersion: '1.47',
      os: 'Ubuntu 24.04 LTS',
      osType: 'linux',
      arch: 'x86_64',
      kernelVersion: '6.1.0',
      cpus: 16,
      memoryBytes: 64 * 1024 ** 3,
      storageDriver: 'overlay2',
      rootDir: '/var/lib/docker',
      freeDiskBytes: 123_456_789,
      runtimes: ['runc', 'nvidia'],
      liveRestore: true,
    });
  });

  it('says an engine below API 1.40 is too old for GPUs, and still lists its facts', async () => {
    const engine = await fake({ version: { ...MODERN_VERSION, Version: '18.09.9', ApiVersion: '1.39' } });
    const status = await diagnoseEngine(socket(engine.socketPath), deps());
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_TOO_OLD' });
    expect(status.message).toContain('18.09.9');
    expect(status.action).toMatch(/19\.03 or newer/);
    expect(status.info?.apiVersion).toBe('1.39');
  });

  it('says an engine that fails its health check is not working properly', async () => {
    const engine = await fake({ ping: { status: 500, body: 'containerd is not running' } });
    const status = await diagnoseEngine(socket(engine.socketPath), deps());
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_UNHEALTHY' });
    expect(status.action).toMatch(/Restart Docker/);
    expect(status.detail).toMatch(/500/);
  });

  it('says an engine that never answers is not working properly, within the timeout', async () => {
    const engine = await fake({ ping: 'hang' });
    const started = Date.now();
    const status = await diagnoseEngine(socket(engine.socketPath), deps({ pingTimeoutMs: 300 }));
    expect(status.code).toBe('ENGINE_UNHEALTHY');
    expect(status.detail).toMatch(/did not answer in time/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('says an engine that answers the ping but fails to describe itself is unhealthy', async () => {
    const engine = await fake({ failing: ['/info'] });
    const status = await diagnoseEngine(socket(engine.socketPath), deps());
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_UNHEALTHY' });
    expect(status.detail).toMatch(/could not describe itself/);
  });

  it('shows no free disk figure for an engine whose disk is not on this machine', async () => {
    const engine = await fake({});
    const desktop = await diagnoseEngine(socket(engine.socketPath, 'docker-desktop'), deps());
    expect(desktop.info?.freeDiskBytes).toBeNull();
    const local = await diagnoseEngine(socket(engine.socketPath), deps({ freeDiskBytes: async (dir) => (dir === MODERN_INFO.DockerRootDir ? 42 : -1) }));
    expect(local.info?.freeDiskBytes).toBe(42);
  });
});

describe('diagnoseEngine without an engine', () => {
  const dir = tempDir('no-engine-');

  it('says Docker is not running when the socket is missing but Docker is installed', async () => {
    const status = await diagnoseEngine(socket(path.join(dir, 'missing.sock')), deps());
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_NOT_RUNNING' });
    expect(status.action).toMatch(/systemctl start docker/);
    expect(status.detail).toMatch(/ENOENT/);
  });

  it('says Docker is not running when nothing listens on the socket path', async () => {
    // a socket left behind by an engine that stopped: bound, never listening
    const stale = path.join(dir, 'stale.sock');
    execFileSync('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', stale]);
    const status = await diagnoseEngine(socket(stale, 'DOCKER_HOST'), deps({ isInstalled: async () => false }));
    expect(status.code).toBe('ENGINE_NOT_RUNNING');
  });

  it('says Docker is not installed when the default socket is missing and no engine is installed', async () => {
    const status = await diagnoseEngine(socket(path.join(dir, 'missing.sock')), deps({ isInstalled: async () => false }));
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_NOT_INSTALLED' });
    expect(status.action).toMatch(/install Docker Engine/);
    const desktop = await diagnoseEngine(socket(path.join(dir, 'missing.sock')), deps({ platform: 'win32', isInstalled: async () => false }));
    expect(desktop.action).toMatch(/Docker Desktop/);
  });

  it('names the user setting when the engine set there is not running', async () => {
    const status = await diagnoseEngine(socket(path.join(dir, 'missing.sock'), 'settings'), deps());
    expect(status.message).toMatch(/address set in Settings/);
    expect(status.action).toMatch(/correct the engine address in Settings, or clear it/);
  });

  it('says a tcp engine cannot be reached', async () => {
    const status = await diagnoseEngine(parseEndpoint('tcp://127.0.0.1:1', 'DOCKER_HOST', ctx), deps());
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_UNREACHABLE', endpoint: 'tcp://127.0.0.1:1' });
  });

  it('says so when TLS certificates are missing', async () => {
    const tls = parseEndpoint('tcp://127.0.0.1:1', 'DOCKER_HOST', { ...ctx, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir } });
    const status = await diagnoseEngine(tls, deps());
    expect(status.code).toBe('ENGINE_UNREACHABLE');
    expect(status.detail).toMatch(/TLS certificates/);
  });
});

describe('classifyConnectionError', () => {
  const endpoint = parseEndpoint('unix:///var/run/docker.sock', 'default', ctx);

  it('explains a permission error with the docker group on Linux', async () => {
    const verdict = await classifyConnectionError(Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' }), endpoint, deps());
    expect(verdict.code).toBe('ENGINE_PERMISSION_DENIED');
    expect(verdict.message).toContain('(ana)');
    expect(verdict.action).toContain('sudo usermod -aG docker ana');
  });

  it('explains a permission error with docker-users on Windows', async () => {
    const verdict = await classifyConnectionError(Object.assign(new Error('EPERM'), { code: 'EPERM' }), endpoint, deps({ platform: 'win32' }));
    expect(verdict.action).toMatch(/docker-users/);
  });
});

describe('compareApiVersions', () => {
  it('compares major and minor numerically', () => {
    expect(compareApiVersions('1.39', '1.40')).toBeLessThan(0);
    expect(compareApiVersions('1.40', '1.40')).toBe(0);
    expect(compareApiVersions('1.100', '1.40')).toBeGreaterThan(0);
    expect(compareApiVersions('unknown', '1.40')).toBeLessThan(0);
  });
});
