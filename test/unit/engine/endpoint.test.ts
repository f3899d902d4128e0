import { describe, expect, it } from 'vitest';
import { candidateEndpoints, chooseEndpoint, parseEndpoint, type EndpointContext } from '../../../src/engine/endpoint';

const linux: EndpointContext = { env: {}, platform: 'linux', homedir: '/home/ana' };

describe('parseEndpoint', () => {
  it('reads unix sockets, with the default when the path is empty', () => {
    expect(parseEndpoint('unix:///run/user/1000/docker.sock', 'settings', linux).transport).toEqual({ kind: 'socket', path: '/run/user/1000/docker.sock' });
    expect(parseEndpoint('unix://', 'DOCKER_HOST', linux).transport).toEqual({ kind: 'socket', path: '/var/run/docker.sock' });
  });

  it('reads Windows named pipes', () => {
    const endpoint = parseEndpoint('npipe:////./pipe/docker_engine', 'default', { ...linux, platform: 'win32' });
    expect(endpoint.transport).toEqual({ kind: 'socket', path: '//./pipe/docker_engine' });
    expect(parseEndpoint('npipe://', 'default', linux).transport).toEqual({ kind: 'socket', path: '//./pipe/docker_engine' });
  });

  it('reads tcp without TLS on port 2375 by default', () => {
    expect(parseEndpoint('tcp://10.0.0.5', 'DOCKER_HOST', linux)).toEqual({
      url: 'tcp://10.0.0.5:2375',
      source: 'DOCKER_HOST',
      transport: { kind: 'tcp', host: '10.0.0.5', port: 2375, tls: null },
    });
  });

  it('reads tcp with TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, on 2376 by default', () => {
    const ctx = { ...linux, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/etc/certs' } };
    expect(parseEndpoint('tcp://engine.local', 'DOCKER_HOST', ctx).transport).toEqual({
      kind: 'tcp',
      host: 'engine.local',
      port: 2376,
      tls: { ca: '/etc/certs/ca.pem', cert: '/etc/certs/cert.pem', key: '/etc/certs/key.pem', verify: true },
    });
    const homeCerts = parseEndpoint('tcp://[::1]:3000', 'DOCKER_HOST', { ...linux, env: { DOCKER_TLS_VERIFY: 'true' } });
    expect(homeCerts.transport).toMatchObject({ host: '::1', port: 3000, tls: { ca: '/home/ana/.docker/ca.pem' } });
    expect(parseEndpoint('tcp://h:1', 'DOCKER_HOST', { ...linux, env: { DOCKER_TLS_VERIFY: '0' } }).transport).toMatchObject({ tls: null });
  });

  it('rejects forms it does not know, saying which forms it knows', () => {
    expect(() => parseEndpoint('http://host', 'settings', linux)).toThrow(/unix:\/\/, npipe:\/\/, tcp:\/\/ or ssh:\/\//);
    expect(() => parseEndpoint('tcp://host:port', 'settings', linux)).toThrow(/not a valid tcp/);
    expect(() => parseEndpoint('ssh://user@host:99999', 'settings', linux)).toThrow(/port 99999 is out of range/);
    expect(() => parseEndpoint('ssh://us er@host', 'settings', linux)).toThrow(/not a valid ssh:\/\/ engine address/);
  });

  it('reads ssh:// as the docker CLI does: the user logged in here when none is named, port 22 unless named', () => {
    const ctx = { ...linux, homedir: '/home/ana', username: 'ana', env: { SSH_AUTH_SOCK: '/run/agent.sock' } };
    expect(parseEndpoint('ssh://gpu.hospital.example', 'DOCKER_HOST', ctx)).toEqual({
      url: 'ssh://ana@gpu.hospital.example',
      source: 'DOCKER_HOST',
      transport: {
        kind: 'ssh',
        host: 'gpu.hospital.example',
        port: 22,
        username: 'ana',
        identityFile: null,
        homedir: '/home/ana',
        agentSocket: '/run/agent.sock',
        knownHostsFiles: ['/home/ana/.ssh/known_hosts', '/home/ana/.config/AUCMEDI Desk/known_hosts'],
      },
    });
    const endpoint = parseEndpoint('ssh://ops@[fd00::7]:2222/', 'settings', { ...ctx, env: {} });
    expect(endpoint.url).toBe('ssh://ops@[fd00::7]:2222');
    expect(endpoint.transport).toMatchObject({ kind: 'ssh', host: 'fd00::7', port: 2222, username: 'ops', agentSocket: null });
    expect(parseEndpoint('ssh://ops@h', 'settings', { ...ctx, platform: 'win32', env: {} }).transport).toMatchObject({ agentSocket: '\\\\.\\pipe\\openssh-ssh-agent' });
  });
});

describe('candidateEndpoints', () => {
  it('lets the user setting win over DOCKER_HOST and the defaults', () => {
    const ctx = { ...linux, env: { DOCKER_HOST: 'tcp://a:1' } };
    expect(candidateEndpoints('unix:///custom.sock', ctx).map((e) => [e.url, e.source])).toEqual([['unix:///custom.sock', 'settings']]);
    expect(candidateEndpoints(null, ctx).map((e) => [e.url, e.source])).toEqual([['tcp://a:1', 'DOCKER_HOST']]);
  });

  it('tries the system, rootless and Docker Desktop sockets on Linux, in that order', () => {
    const ctx = { ...linux, env: { XDG_RUNTIME_DIR: '/run/user/1000' } };
    expect(candidateEndpoints(null, ctx).map((e) => [e.url, e.source])).toEqual([
      ['unix:///var/run/docker.sock', 'default'],
      ['unix:///run/user/1000/docker.sock', 'rootless'],
      ['unix:///home/ana/.docker/run/docker.sock', 'docker-desktop'],
    ]);
  });

  it('uses the docker_engine pipe on Windows', () => {
    expect(candidateEndpoints(null, { ...linux, platform: 'win32' }).map((e) => e.url)).toEqual(['npipe:////./pipe/docker_engine']);
  });
});

describe('chooseEndpoint', () => {
  const ctx = { ...linux, env: { XDG_RUNTIME_DIR: '/run/user/1000' } };

  it('picks the first candidate whose socket exists', async () => {
    const chosen = await chooseEndpoint(candidateEndpoints(null, ctx), async (p) => p === '/run/user/1000/docker.sock');
    expect(chosen.source).toBe('rootless');
  });

  it('falls back to the first candidate when no socket exists, so that one is diagnosed', async () => {
    const chosen = await chooseEndpoint(candidateEndpoints(null, ctx), async () => false);
    expect(chosen.url).toBe('unix:///var/run/docker.sock');
  });
});
