import http from 'node:http';
import net from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserErrorException } from '../../../src/api/errors';
import { diagnoseEngine, type DiagnoseDeps } from '../../../src/engine/diagnose';
import { parseEndpoint, type EngineEndpoint } from '../../../src/engine/endpoint';
import { engineUnavailable } from '../../../src/engine/engine-errors';
import { tempDir } from '../../helpers/temp';

// Each address a hostile or confused setting can name gets its own sentence, not a neighbour's
// ("installed but not running", "restart Docker", "certificates").
const ctx = { env: {}, platform: 'linux' as const, homedir: '/home/ana' };
const deps: DiagnoseDeps = { platform: 'linux', username: 'ana', isInstalled: async () => true, freeDiskBytes: async () => 1, pingTimeoutMs: 1000 };
const fromDockerHost = (url: string): EngineEndpoint => parseEndpoint(url, 'DOCKER_HOST', ctx);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
async function listen(server: net.Server, where: string | number): Promise<string> {
  await new Promise<void>((resolve) => (typeof where === 'string' ? server.listen(where, resolve) : server.listen(where, '127.0.0.1', resolve)));
  const connections = new Set<net.Socket>();
  server.on('connection', (socket) => connections.add(socket));
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return typeof where === 'string' ? `unix://${where}` : `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
/** A web server that is not Docker: HTML, no Api-Version header. */
const webServer = (status: number) => http.createServer((_request, response) => response.writeHead(status, { 'content-type': 'text/html' }).end('<html><body>Welcome to the intranet</body></html>'));

describe('engine diagnoses that used to mislead', () => {
  const dir = tempDir('diagnose-misleading-');

  it('a path that exists but is not a socket: not a Docker socket (it was "installed but not running")', async () => {
    const file = path.join(dir, 'passwd');
    writeFileSync(file, 'root:x:0:0::/root:/bin/bash\n');
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    for (const [target, kind] of [[file, 'file'], [folder, 'folder']] as const) {
      const status = await diagnoseEngine(fromDockerHost(`unix://${target}`), deps);
      expect(status).toMatchObject({ ok: false, code: 'ENGINE_UNREACHABLE', message: `${target} (the address in DOCKER_HOST) is not a Docker socket: it is a ${kind}.` });
      expect(status.action).toMatch(/^Correct DOCKER_HOST, or unset it/);
      expect(status.message).not.toMatch(/not running/);
    }
  });

  it('no socket at the path: Docker is not installed or not running, not "installed"', async () => {
    for (const missing of [path.join(dir, 'none.sock'), path.join(dir, 'no-folder', 'docker.sock')]) {
      const status = await diagnoseEngine(fromDockerHost(`unix://${missing}`), deps);
      expect(status).toMatchObject({ ok: false, code: 'ENGINE_NOT_RUNNING' });
      expect(status.message).toBe(`There is no Docker socket at ${missing} (the address in DOCKER_HOST): Docker is not installed or not running, or the address is wrong.`);
    }
  });

  it('an HTTP server that is not Docker, on 127.0.0.1 and on a socket: something else answers (it was "restart Docker" or "too old")', async () => {
    for (const status of [200, 404]) {
      for (const where of [0, path.join(dir, `web-${status}.sock`)]) {
        const url = await listen(webServer(status), where);
        const verdict = await diagnoseEngine(fromDockerHost(url), deps);
        expect(verdict, `${url} ${status}`).toMatchObject({ ok: false, code: 'ENGINE_UNREACHABLE', message: `Something other than Docker answers at ${url} (the address in DOCKER_HOST).` });
        expect(verdict.detail).toContain(`HTTP ${status} (text/html)`);
        expect(verdict.action).not.toMatch(/Restart Docker|update Docker/);
        expect(verdict.info).toBeUndefined();
      }
    }
  });

  it('a server that does not speak HTTP: something else answers', async () => {
    const url = await listen(net.createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n')), 0);
    const verdict = await diagnoseEngine(fromDockerHost(url), deps);
    expect(verdict).toMatchObject({ code: 'ENGINE_UNREACHABLE', message: expect.stringMatching(/^Something other than Docker answers at/) });
    expect(verdict.detail).toMatch(/the answer is not HTTP/);
  });

  it('a port out of range is refused when the address is read, with its own sentence (it was about TLS certificates)', () => {
    for (const port of ['99999', '65536', '0']) {
      const url = `tcp://127.0.0.1:${port}`;
      let thrown: unknown;
      try {
        parseEndpoint(url, 'DOCKER_HOST', ctx);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UserErrorException);
      const said = (thrown as UserErrorException).userError;
      expect(said).toMatchObject({ code: 'ENGINE_UNREACHABLE', message: `The Docker engine address is not valid (${url}): port ${port} is out of range (a port is 1 to 65535).` });
      expect(said.action).toMatch(/DOCKER_HOST/);
      expect(`${said.message} ${said.action}`).not.toMatch(/certificate/i);
    }
    expect(parseEndpoint('tcp://127.0.0.1:65535', 'DOCKER_HOST', ctx).transport).toMatchObject({ port: 65535 });
    expect(parseEndpoint('tcp://127.0.0.1:1', 'DOCKER_HOST', ctx).transport).toMatchObject({ port: 1 });
  });

  it('an unreachable tcp engine without TLS is not told to check certificates', async () => {
    const closed = await listen(net.createServer(), 0);
    await closers.pop()!();
    const status = await diagnoseEngine(fromDockerHost(closed), deps);
    expect(status.code).toBe('ENGINE_UNREACHABLE');
    expect(status.action).not.toMatch(/certificate/i);
  });
});

describe('engineUnavailable: Docker met while doing something (train, image load, ...)', () => {
  // The connection error a socket without permission gives (connect EACCES), classified; the
  // integration test cli-engine-diagnoses.test.ts meets it for real as the "nobody" account.
  const eacces = Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES', errno: -13, syscall: 'connect' });

  it('a permission error names the docker group and how to join it, not a page of the window', () => {
    const said = engineUnavailable(eacces, 'starting the training', 'linux').userError;
    expect(said.code).toBe('ENGINE_PERMISSION_DENIED');
    expect(said.message).toMatch(/^Your account \(.+\) is not allowed to use Docker, so starting the training could not be done\.$/);
    expect(said.action).toMatch(/^Ask IT to add your account to the "docker" group \("sudo usermod -aG docker .+"\), then log out and log in again\.$/);
    expect(said.action).not.toMatch(/Setup page/);
    expect(engineUnavailable(Object.assign(new Error('EPERM'), { code: 'EPERM' }), 'x', 'win32').userError.action).toMatch(/docker-users/);
  });

  it('any other failure stays ENGINE_UNAVAILABLE (the window points to its Setup page, the CLI to `aucmedi-desk engine`)', () => {
    const said = engineUnavailable(Object.assign(new Error('connect ENOENT /x.sock'), { code: 'ENOENT' }), 'listing the images').userError;
    expect(said).toMatchObject({ code: 'ENGINE_UNAVAILABLE', action: expect.stringMatching(/Setup page/) });
  });
});
