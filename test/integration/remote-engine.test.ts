/**
 * A remote engine reached as a hospital GPU server is: over TLS and over SSH, against a real second
 * dockerd in a mount namespace of its own (test/helpers/remote-engine.ts). Nothing is trusted
 * without proof: an unknown host key, a changed one, a certificate from another CA, a key the
 * server does not accept, each refused with its own sentence.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEntry } from '../../src/api/types';
import { closeSshConnections, createDockerClient } from '../../src/engine/client';
import { appKnownHostsFile, endpointForEntry, namedEngine, trustHostKey } from '../../src/engine/engines';
import type { EndpointContext } from '../../src/engine/endpoint';
import { requireDockerd } from '../helpers/second-engine';
import { requireRemoteEngineTools, startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine';
import { requireBuild, requireEngine, requireRoot } from '../helpers/requirements';
import { STAND_IN_TAG, docker } from '../helpers/docker-cli';
import { createCore, type Core } from '../../src/core';
import { JsonFileSettingsStore } from '../../src/settings/store';
import type { CoreEvent } from '../../src/api/events';

const ready = requireRoot('start a second dockerd and sshd') && requireDockerd() && requireRemoteEngineTools() && requireEngine();

describe.runIf(ready)('a remote engine over TLS and SSH', () => {
  let remote: RemoteEngine;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aucmedi-remote-test-'));
  const home = path.join(dir, 'home');
  const ctx: EndpointContext & { username: string } = { env: { AUCMEDI_DESK_HOME: path.join(dir, 'app') }, platform: 'linux', homedir: home, username: 'nobody' };
  const tls = (overrides: Partial<NonNullable<EngineEntry['tls']>> = {}): EngineEntry => ({
    name: 'gpu-tls',
    url: remote.tlsUrl,
    tls: { ca: remote.certs.ca, cert: remote.certs.cert, key: remote.certs.key, ...overrides },
    identityFile: null,
  });
  const ssh = (identityFile = remote.ssh.identityFile): EngineEntry => ({ name: 'gpu-ssh', url: remote.sshUrl, tls: null, identityFile });
  /** What `ssh-keygen -l` says the server's host key is: the figure IT reads on the server. */
  const serverFingerprint = (file: string) => spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).stdout.split(/\s+/)[1]!;

  beforeAll(async () => {
    mkdirSync(path.join(home, '.ssh'), { recursive: true });
    remote = await startRemoteEngine();
  });
  afterAll(async () => {
    closeSshConnections();
    await remote?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the server cannot see this machine\'s files, and the test can tell', () => {
    const marker = path.join(dir, 'marker');
    writeFileSync(marker, 'here');
    expect(existsSync(marker)).toBe(true);
    expect(remote.serverSees(marker)).toBe(false);
    expect(remote.serverSees(remote.certs.ca)).toBe(true);
  });

  it('over TLS: the engine answers, verified against the CA given', async () => {
    const status = await namedEngine(tls(), ctx).diagnose();
    expect(status).toMatchObject({ ok: true, code: 'ENGINE_OK', endpoint: remote.tlsUrl, endpointSource: 'engine' });
    expect(status.info?.version).toBe(remote.engine.docker(['version', '--format', '{{.Server.Version}}']).stdout);
    // the same engine as behind its socket: the same root folder
    expect(status.info?.rootDir).toBe(remote.engine.docker(['info', '--format', '{{.DockerRootDir}}']).stdout);
  });

  it('over TLS: an engine certificate from another CA is refused before anything is sent', async () => {
    const status = await namedEngine(tls({ ca: remote.certs.otherCa }), ctx).diagnose();
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_TLS_REFUSED' });
    expect(status.message).toMatch(/does not vouch for/);
    expect(status.action).toMatch(/cannot be switched off/);
  });

  it('over TLS: a client certificate from another CA is refused by the engine, and said so', async () => {
    const status = await namedEngine(tls({ cert: remote.certs.otherCert, key: remote.certs.otherKey }), ctx).diagnose();
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_TLS_REFUSED' });
    expect(status.message).toMatch(/refused this computer's client certificate/);
  });

  it('over SSH: an unknown host key is refused and shown by its fingerprint; a wrong fingerprint accepts nothing; the right one is pinned', async () => {
    const hostKeyFingerprint = serverFingerprint(path.join(path.dirname(remote.ssh.identityFile), 'host_key.pub'));
    const first = await namedEngine(ssh(), ctx).diagnose();
    expect(first).toMatchObject({ ok: false, code: 'ENGINE_HOST_KEY_UNKNOWN', hostKey: { hostName: `[127.0.0.1]:${remote.sshPort}`, keyType: 'ssh-ed25519', fingerprint: hostKeyFingerprint } });
    expect(first.message).toContain(hostKeyFingerprint);

    const otherFingerprint = serverFingerprint(path.join(path.dirname(remote.ssh.identityFile), 'changed_host_key.pub'));
    await expect(trustHostKey(ssh(), otherFingerprint, ctx)).rejects.toMatchObject({ userError: { code: 'ENGINE_HOST_KEY_CHANGED' } });
    expect(existsSync(appKnownHostsFile(ctx))).toBe(false);

    expect(await trustHostKey(ssh(), hostKeyFingerprint, ctx)).toEqual({ hostName: `[127.0.0.1]:${remote.sshPort}`, keyType: 'ssh-ed25519', fingerprint: hostKeyFingerprint });
    expect(readFileSync(appKnownHostsFile(ctx), 'utf8').trim()).toBe(remote.ssh.hostKeyLine);
    const status = await namedEngine(ssh(), ctx).diagnose();
    expect(status).toMatchObject({ ok: true, code: 'ENGINE_OK', endpoint: remote.sshUrl, endpointSource: 'engine' });
    expect(status.info?.rootDir).toBe(remote.engine.docker(['info', '--format', '{{.DockerRootDir}}']).stdout);
  });

  it('over SSH: the engine API works as over the socket (images listed, a container created and removed)', async () => {
    const docker = createDockerClient(endpointForEntry(ssh(), ctx));
    const viaSocket = remote.engine.docker(['images', '-q', '--no-trunc']).stdout.split('\n').filter(Boolean).sort();
    const viaSsh = (await docker.listImages()).map((image) => image.Id).sort();
    expect(viaSsh).toEqual(viaSocket);
    const name = `aucmedi-test-${process.pid}`;
    await docker.createVolume({ Name: name });
    expect(remote.engine.docker(['volume', 'ls', '-q']).stdout.split('\n')).toContain(name);
    await docker.getVolume(name).remove();
    expect(remote.engine.docker(['volume', 'ls', '-q']).stdout.split('\n')).not.toContain(name);
  });

  it('over SSH: a key the server does not accept is said so', async () => {
    const stranger = path.join(dir, 'stranger');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    closeSshConnections();
    const status = await namedEngine(ssh(stranger), ctx).diagnose();
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_AUTH_FAILED' });
    expect(status.message).toMatch(/did not accept any SSH key offered for the user root/);
  });

  it('over SSH: a key protected by a passphrase is not asked for; the agent is named', async () => {
    const locked = path.join(dir, 'locked');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', locked]);
    const status = await namedEngine(ssh(locked), ctx).diagnose();
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_AUTH_FAILED' });
    expect(status.action).toMatch(/ssh-add/);
  });

  it('over SSH: a host listed in the user\'s own known_hosts (hashed, as ssh-keygen -H writes it) is trusted', async () => {
    rmSync(appKnownHostsFile(ctx));
    const userFile = path.join(home, '.ssh', 'known_hosts');
    writeFileSync(userFile, `${remote.ssh.hostKeyLine}\n`);
    expect(spawnSync('ssh-keygen', ['-H', '-f', userFile]).status).toBe(0);
    expect(readFileSync(userFile, 'utf8')).toMatch(/^\|1\|/);
    closeSshConnections();
    expect(await namedEngine(ssh(), ctx).diagnose()).toMatchObject({ ok: true });
  });

  it('over SSH: a server that presents another key than the one trusted is refused with a warning', async () => {
    await remote.stopSsh();
    await remote.startSsh({ changedHostKey: true });
    closeSshConnections();
    const status = await namedEngine(ssh(), ctx).diagnose();
    expect(status).toMatchObject({ ok: false, code: 'ENGINE_HOST_KEY_CHANGED' });
    expect(status.message).toMatch(/^WARNING: .*another host key/);
    expect(status.hostKey?.fingerprint).toBe(serverFingerprint(path.join(path.dirname(remote.ssh.identityFile), 'changed_host_key.pub')));
    await remote.stopSsh();
    await remote.startSsh();
  });

  it.runIf(requireBuild())('the built CLI checks the server over TLS and over SSH, and exits when done (an open SSH connection must not keep it alive)', () => {
    const cliHome = path.join(dir, 'cli-home');
    mkdirSync(path.join(cliHome, '.ssh'), { recursive: true });
    writeFileSync(path.join(cliHome, '.ssh', 'known_hosts'), `${remote.ssh.hostKeyLine}\n`);
    const env = { ...process.env, HOME: cliHome, AUCMEDI_DESK_HOME: path.join(cliHome, 'app'), SSH_AUTH_SOCK: '', DOCKER_HOST: '' };
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.resolve('dist/cli/aucmedi-desk.mjs'), ...args], { env, encoding: 'utf8', timeout: 60_000 });
    expect(cli('engine', 'add', 'gpu-tls', remote.tlsUrl, '--tls-ca', remote.certs.ca, '--tls-cert', remote.certs.cert, '--tls-key', remote.certs.key).status).toBe(0);
    expect(cli('engine', 'add', 'gpu-ssh', remote.sshUrl, '--identity-file', remote.ssh.identityFile).status).toBe(0);
    for (const name of ['gpu-tls', 'gpu-ssh']) {
      const checked = cli('engine', '--engine', name, '--json');
      expect(checked.signal, `engine --engine ${name} did not exit`).toBeNull();
      expect(checked.status).toBe(0);
      expect(JSON.parse(checked.stdout)).toMatchObject({ ok: true, endpointSource: 'engine' });
    }
  });

  describe('the app loads the AUCMEDI image into the server itself, with progress and its checksum verified', () => {
    let core: Core;
    const events: CoreEvent[] = [];
    const tarball = path.join(dir, 'stand-in.tar');
    const settingsFile = path.join(dir, 'app', 'settings.json');

    beforeAll(() => {
      docker(['save', '-o', tarball, STAND_IN_TAG], { timeoutMs: 120_000 });
      const sha256 = spawnSync('sha256sum', [tarball], { encoding: 'utf8' }).stdout.split(' ')[0];
      writeFileSync(`${tarball}.sha256`, `${sha256}  stand-in.tar\n`);
      const settings = new JsonFileSettingsStore(settingsFile);
      settings.write({ ...settings.read(), imageRef: STAND_IN_TAG });
      core = createCore({ settings, env: ctx.env, homedir: home, username: 'nobody', dataDir: path.join(dir, 'app') });
      core.subscribe((event) => void events.push(event));
    }, 180_000);
    afterAll(() => core?.dispose());

    const load = async (engine: string, file = tarball) => {
      const operationId = `load-${engine}-${events.length}`;
      const response = await core.handlers['images:load']({ file, operationId, engine });
      const progress = events.flatMap((event) => (event.type === 'image:progress' && event.progress.operationId === operationId ? [event.progress] : []));
      return { response, progress };
    };
    const onServer = () => remote.engine.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n').filter(Boolean);

    it.each(['gpu-tls', 'gpu-ssh'])('over %s', async (name) => {
      if (name === 'gpu-tls') expect(await core.handlers['engines:add'](tls())).toMatchObject({ ok: true });
      else {
        expect(await core.handlers['engines:add'](ssh())).toMatchObject({ ok: true });
        writeFileSync(path.join(home, '.ssh', 'known_hosts'), `${remote.ssh.hostKeyLine}\n`);
      }
      remote.engine.docker(['rmi', '-f', STAND_IN_TAG], { allowFail: true });
      expect(onServer()).not.toContain(STAND_IN_TAG);

      const { response, progress } = await load(name);
      if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message} ${response.error.detail ?? ''}`);
      expect(response.data).toMatchObject({ references: [STAND_IN_TAG], checksum: 'verified' });
      expect(response.data.sha256).toBe(readFileSync(`${tarball}.sha256`, 'utf8').split(' ')[0]);
      expect(onServer()).toContain(STAND_IN_TAG);
      // progress as the bytes went, to the whole file
      expect(progress.length).toBeGreaterThan(2);
      const size = readFileSync(tarball).length;
      const reading = progress.filter((p) => p.phase === 'reading');
      expect(reading.length).toBeGreaterThan(2);
      expect(reading.every((p) => p.bytesTotal === size)).toBe(true);
      const sent = reading.map((p) => p.bytesDone);
      expect(sent).toEqual([...sent].sort((a, b) => a - b));
      expect(progress.some((p) => p.phase === 'done' || p.bytesDone === size)).toBe(true);

      // the list of that engine, with the image checked on the server
      const list = await core.handlers['images:list']({ engine: name });
      if (!list.ok) throw new Error(list.error.message);
      const image = list.data.images.find((candidate) => candidate.references.includes(STAND_IN_TAG));
      expect(image).toMatchObject({ inUse: true, check: { state: 'ok' } });
    }, 240_000);

    it('measures whether an engine sees this computer\'s files: the local one does, the server does not; no trace left on either', async () => {
      const probeRoot = path.join(dir, 'app', 'engine-probe');
      const local = await core.handlers['engines:diagnose']({ name: 'local' });
      expect(local).toMatchObject({ ok: true, data: { ok: true, files: 'sees-files' } });
      for (const name of ['gpu-tls', 'gpu-ssh']) {
        const status = await core.handlers['engines:diagnose']({ name });
        expect(status).toMatchObject({ ok: true, data: { ok: true, files: 'own-files' } });
      }
      // the marker folders are gone here, and were never made on the server (a Binds mount would have made them)
      expect(readdirSync(probeRoot)).toEqual([]);
      expect(remote.serverSees(probeRoot)).toBe(false);
      expect(remote.engine.docker(['ps', '-aq']).stdout).toBe('');
    });

    it('a tarball cut short is refused by its checksum over SSH, and nothing is left on the server', async () => {
      const cut = path.join(dir, 'cut.tar');
      writeFileSync(cut, readFileSync(tarball).subarray(0, 50 * 1024 * 1024));
      writeFileSync(`${cut}.sha256`, readFileSync(`${tarball}.sha256`, 'utf8').replace('stand-in.tar', 'cut.tar'));
      remote.engine.docker(['rmi', '-f', STAND_IN_TAG], { allowFail: true });
      const before = remote.engine.docker(['images', '-a', '-q']).stdout;
      const { response } = await load('gpu-ssh', cut);
      expect(response.ok).toBe(false);
      if (response.ok) return;
      expect(response.error.code).toMatch(/CHECKSUM|IMAGE/);
      expect(remote.engine.docker(['images', '-a', '-q']).stdout).toBe(before);
    }, 120_000);
  });
});
