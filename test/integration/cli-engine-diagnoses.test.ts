import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeClassDataset } from '../helpers/images';
import { requireBuild, requireEngine, requireRoot } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

const ready = requireBuild();
const CLI = path.resolve('dist/cli/aucmedi-desk.mjs');
const SETPRIV = '/usr/bin/setpriv';
/** The unprivileged account, outside the docker group, as setpriv runs a command. */
const AS_NOBODY = [SETPRIV, '--reuid=65534', '--regid=65534', '--clear-groups'];

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI as a child process, asynchronously: servers in this process must answer meanwhile. */
function cli(args: string[], env: NodeJS.ProcessEnv, prefix: string[] = []): Promise<Result> {
  const [command, ...rest] = [...prefix, process.execPath, CLI, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command!, rest, { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

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

describe.runIf(ready)('aucmedi-desk engine: a sentence per wrong address (built CLI)', () => {
  const home = tempDir();
  const dir = tempDir('engine-addresses-');
  const engineJson = async (dockerHost: string) => {
    const result = await cli(['engine', '--json'], { AUCMEDI_DESK_HOME: home, DOCKER_HOST: dockerHost });
    expect(result.status, result.stderr).toBe(1);
    return JSON.parse(result.stdout) as { code: string; message: string; action: string; detail?: string };
  };

  it('a file is not a Docker socket', async () => {
    const file = path.join(dir, 'passwd');
    writeFileSync(file, 'root:x:0:0::/root:/bin/bash\n');
    expect(await engineJson(`unix://${file}`)).toMatchObject({ code: 'ENGINE_UNREACHABLE', message: `${file} (the address in DOCKER_HOST) is not a Docker socket: it is a file.` });
  });

  it('no socket at the path: not installed or not running', async () => {
    const status = await engineJson(`unix://${path.join(dir, 'missing.sock')}`);
    expect(status).toMatchObject({ code: 'ENGINE_NOT_RUNNING', message: expect.stringMatching(/^There is no Docker socket at .*: Docker is not installed or not running/) });
  });

  it('a web server on 127.0.0.1 that answers 200 or 404 with HTML: something else answers', async () => {
    for (const code of [200, 404]) {
      const url = await listen(http.createServer((_q, response) => response.writeHead(code, { 'content-type': 'text/html' }).end('<html>It works!</html>')), 0);
      const status = await engineJson(url);
      expect(status).toMatchObject({ code: 'ENGINE_UNREACHABLE', message: `Something other than Docker answers at ${url} (the address in DOCKER_HOST).` });
      expect(status.action).not.toMatch(/Restart Docker|update Docker/);
    }
  });

  it('a port out of range: the address is not valid (no word of certificates)', async () => {
    const status = await engineJson('tcp://127.0.0.1:99999');
    expect(status).toMatchObject({ code: 'ENGINE_UNREACHABLE', message: 'The Docker engine address is not valid (tcp://127.0.0.1:99999): port 99999 is out of range (a port is 1 to 65535).' });
    expect(JSON.stringify(status)).not.toMatch(/certificate/i);
  });

  it('train with the engine unavailable points to `aucmedi-desk engine`, not to a page the CLI does not have', async () => {
    const dataset = tempDir('train-no-engine-');
    makeClassDataset(dataset, { classes: { a: 2, b: 2 }, size: 8 });
    const result = await cli(['train', dataset, '--gpus', 'none'], { AUCMEDI_DESK_HOME: home, DOCKER_HOST: `unix://${path.join(dir, 'missing.sock')}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('What to do: Run "aucmedi-desk engine": it says what is wrong with Docker and what to do.');
    expect(result.stderr).not.toMatch(/Setup page/);
  });

  it('count and path options in the wrong form are usage errors (exit 2) naming the option', async () => {
    for (const [args, said] of [
      [['--epochs', '0x10'], /aucmedi-desk: --epochs takes a whole number in plain digits \(like 20\), not "0x10"/],
      [['--batch-size', '1e3'], /--batch-size takes a whole number/],
      [['--out', ''], /aucmedi-desk: --out needs a value, not an empty one/],
      [['--out', '   '], /--out needs a value, not an empty one/],
    ] as const) {
      const result = await cli(['train', dir, ...args], { AUCMEDI_DESK_HOME: home });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(said);
    }
  });
});

describe.runIf(ready && requireRoot('run the CLI as an account without permission on a socket'))('aucmedi-desk without permission on the socket (as "nobody", built CLI)', () => {
  const home = tempDir();
  chmodSync(home, 0o777);

  it('a socket with mode 000: the account is not allowed, with the group to join', async () => {
    const dir = tempDir('socket-000-');
    chmodSync(dir, 0o755);
    const socketPath = path.join(dir, 'docker.sock');
    await listen(http.createServer((_q, response) => response.writeHead(200, { 'Api-Version': '1.47' }).end('OK')), socketPath);
    chmodSync(socketPath, 0o000);
    const result = await cli(['engine', '--json'], { AUCMEDI_DESK_HOME: home, DOCKER_HOST: `unix://${socketPath}` }, AS_NOBODY);
    expect(result.status, result.stderr).toBe(1);
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({ code: 'ENGINE_PERMISSION_DENIED', message: `Your account (nobody) is not allowed to use Docker at unix://${socketPath}.` });
    expect(status.detail).toMatch(/EACCES/);
  });

  it.runIf(requireEngine())('train on the real engine\'s socket (root:docker, 660): join the docker group, log out and in', async () => {
    const dataset = tempDir('train-as-nobody-');
    makeClassDataset(dataset, { classes: { a: 2, b: 2 }, size: 8 });
    chmodSync(dataset, 0o755);
    for (const name of ['a', 'b']) chmodSync(path.join(dataset, name), 0o755);
    const result = await cli(['train', dataset, '--gpus', 'none', '--out', path.join(home, 'out')], { AUCMEDI_DESK_HOME: home }, AS_NOBODY);
    expect(result.status, result.stdout).toBe(1);
    expect(result.stderr).toContain('Your account (nobody) is not allowed to use Docker, so starting the training could not be done.');
    expect(result.stderr).toContain('What to do: Ask IT to add your account to the "docker" group ("sudo usermod -aG docker nobody"), then log out and log in again.');
    expect(result.stderr).not.toMatch(/Setup page/);
  });
});
