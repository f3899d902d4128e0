import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A scripted stand-in for the engine's HTTP API on a unix socket, for the diagnosis paths a real engine cannot show here. */
export interface FakeEngineScript {
  ping?: { status: number; body?: string } | 'hang';
  version?: Record<string, unknown>;
  info?: Record<string, unknown>;
  /** Routes that answer 500, as a sick engine does. */
  failing?: string[];
}

export const MODERN_VERSION = { Version: '27.3.1', ApiVersion: '1.47', Os: 'linux', Arch: 'amd64', KernelVersion: '6.1.0' };
export const MODERN_INFO = {
  ServerVersion: '27.3.1',
  OperatingSystem: 'Ubuntu 24.04 LTS',
  OSType: 'linux',
  Architecture: 'x86_64',
  KernelVersion: '6.1.0',
  NCPU: 16,
  MemTotal: 64 * 1024 ** 3,
  Driver: 'overlay2',
  DockerRootDir: '/var/lib/docker',
  Runtimes: { runc: {}, nvidia: {} },
  LiveRestoreEnabled: true,
};

export async function startFakeEngine(script: FakeEngineScript): Promise<{ socketPath: string; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-engine-'));
  const socketPath = path.join(dir, 'docker.sock');
  const server = http.createServer((request, response) => {
    // Docker names its API version on every answer; the diagnosis tells Docker from other servers by it.
    response.setHeader('Api-Version', String((script.version ?? MODERN_VERSION).ApiVersion ?? MODERN_VERSION.ApiVersion));
    const route = (request.url ?? '').replace(/^\/v\d+\.\d+/, '').split('?')[0];
    if (route === '/_ping') {
      const ping = script.ping ?? { status: 200, body: 'OK' };
      if (ping === 'hang') return; // never answers
      response.writeHead(ping.status, { 'content-type': 'text/plain' }).end(ping.body ?? '');
      return;
    }
    if (script.failing?.includes(route ?? '')) return void response.writeHead(500).end('{"message":"internal error"}');
    const body = route === '/version' ? (script.version ?? MODERN_VERSION) : route === '/info' ? (script.info ?? MODERN_INFO) : null;
    if (!body) return void response.writeHead(404).end('{"message":"page not found"}');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
