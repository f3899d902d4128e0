import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engineNameFor, readDockerContexts } from '../../../src/engine/docker-contexts';

/** Contexts written by the docker CLI itself (`docker context create`), into a DOCKER_CONFIG of the test's own. */
const haveDockerCli = spawnSync('docker', ['context', '--help']).status === 0 && spawnSync('openssl', ['version']).status === 0;
if (!haveDockerCli && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error('CI=true and the docker CLI or openssl is missing: install docker.io and openssl');
if (!haveDockerCli) console.warn('\n*** SKIPPING: the docker CLI or openssl is missing ***\n');

describe.runIf(haveDockerCli)('the docker CLI\'s contexts, offered as engines', () => {
  const config = mkdtempSync(path.join(os.tmpdir(), 'docker-config-'));
  afterAll(() => rmSync(config, { recursive: true, force: true }));
  const docker = (...args: string[]) => {
    const result = spawnSync('docker', ['context', ...args], { encoding: 'utf8', env: { ...process.env, DOCKER_CONFIG: config } });
    if (result.status !== 0) throw new Error(result.stderr);
  };
  /** A real certificate and key (the docker CLI parses them when a context is made). */
  const certificate = () => {
    const cert = path.join(config, 'cert.pem');
    const key = path.join(config, 'key.pem');
    spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=test', '-keyout', key, '-out', cert]);
    return { cert, key };
  };

  it('offers SSH and verified TLS contexts, and says why it does not offer the others', () => {
    docker('create', 'gpu+server', '--docker', 'host=ssh://ana@gpu.hospital.example:2222');
    const { cert, key } = certificate();
    docker('create', 'ct', '--docker', `host=tcp://ct.hospital.example:2376,ca=${cert},cert=${cert},key=${key}`);
    docker('create', 'lax', '--docker', 'host=tcp://lax.example:2376,skip-tls-verify=true');
    docker('create', 'plain', '--docker', 'host=tcp://plain.example:2375');
    docker('create', 'here', '--docker', 'host=unix:///var/run/docker.sock');
    const found = readDockerContexts(config);
    const by = (name: string) => found.find((context) => context.context === name);
    expect(found).toHaveLength(5);
    expect(by('gpu+server')).toEqual({ context: 'gpu+server', url: 'ssh://ana@gpu.hospital.example:2222', entry: { name: 'gpu-server', url: 'ssh://ana@gpu.hospital.example:2222', tls: null, identityFile: null }, reason: null });
    const ct = by('ct')!;
    expect(ct.entry).toMatchObject({ name: 'ct', url: 'tcp://ct.hospital.example:2376' });
    // the docker CLI copied the files into its context store: the entry names those copies
    expect(ct.entry!.tls!.ca).toMatch(new RegExp(`^${config}/contexts/tls/[0-9a-f]{64}/docker/ca\\.pem$`));
    expect(by('lax')).toMatchObject({ entry: null, reason: 'skip-tls-verify' });
    expect(by('plain')).toMatchObject({ entry: null, reason: 'no-tls-files' });
    expect(by('here')).toMatchObject({ entry: null, reason: 'local' });
  });

  it('finds nothing where there is no context store, and makes engine names from context names', () => {
    expect(readDockerContexts(path.join(config, 'nowhere'))).toEqual([]);
    expect(engineNameFor('my gpu/server')).toBe('my-gpu-server');
    expect(engineNameFor('--x')).toBe('x');
    expect(engineNameFor('***')).toBe('docker-context');
  });
});
