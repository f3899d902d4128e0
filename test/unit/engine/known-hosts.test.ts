import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHostKey, fingerprintOf, keyTypeOf, knownHostName, patternsMatch, pinHostKey } from '../../../src/engine/known-hosts';

/** Real keys made by ssh-keygen, and OpenSSH's own view of them, to compare against. */
const dir = mkdtempSync(path.join(os.tmpdir(), 'known-hosts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const haveSshKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;
function makeKey(name: string, type = 'ed25519'): { blob: Buffer; line: (host: string) => string; file: string } {
  const file = path.join(dir, name);
  spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const [keyType, base64] = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/);
  return { blob: Buffer.from(base64!, 'base64'), line: (host) => `${host} ${keyType} ${base64}`, file };
}

describe.runIf(haveSshKeygen)('SSH host keys, as OpenSSH checks them', () => {
  const server = makeKey('server');
  const other = makeKey('other');
  const rsa = makeKey('rsa', 'rsa');

  it('fingerprints a key as ssh-keygen -l does, and reads its type', () => {
    const openssh = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${server.file}.pub`], { encoding: 'utf8' }).stdout.split(/\s+/)[1];
    expect(fingerprintOf(server.blob)).toBe(openssh);
    expect(keyTypeOf(server.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(rsa.blob)).toBe('ssh-rsa');
    expect(keyTypeOf(Buffer.from([0, 0]))).toBe('unknown');
  });

  it('names a host as known_hosts does: [host]:port unless port 22', () => {
    expect(knownHostName('gpu.example', 22)).toBe('gpu.example');
    expect(knownHostName('gpu.example', 2222)).toBe('[gpu.example]:2222');
  });

  it('matches plain, wildcard, negated and hashed host patterns', () => {
    expect(patternsMatch('gpu.example,10.0.0.7', 'gpu.example')).toBe(true);
    expect(patternsMatch('*.example', 'gpu.example')).toBe(true);
    expect(patternsMatch('*.example,!gpu.example', 'gpu.example')).toBe(false);
    expect(patternsMatch('gpu?.example', 'gpu1.example')).toBe(true);
    expect(patternsMatch('[gpu.example]:2222', 'gpu.example')).toBe(false);
    // ssh-keygen -H hashes the names: the same name must match, another must not
    const file = path.join(dir, 'hashed');
    writeFileSync(file, `${server.line('[gpu.example]:2222')}\n`);
    spawnSync('ssh-keygen', ['-H', '-f', file]);
    const hashed = readFileSync(file, 'utf8').split(/\s+/)[0]!;
    expect(hashed).toMatch(/^\|1\|/);
    expect(patternsMatch(hashed, '[gpu.example]:2222')).toBe(true);
    expect(patternsMatch(hashed, 'gpu.example')).toBe(false);
  });

  it('says known, unknown, changed or revoked', () => {
    const listed = `# IT's list\n${server.line('gpu.example')}\n`;
    expect(checkHostKey(server.blob, 'gpu.example', 22, [listed]).verdict).toBe('known');
    expect(checkHostKey(server.blob, 'other.example', 22, [listed]).verdict).toBe('unknown');
    expect(checkHostKey(server.blob, 'gpu.example', 2222, [listed]).verdict).toBe('unknown');
    // the same host with another key of the same type: changed
    expect(checkHostKey(other.blob, 'gpu.example', 22, [listed])).toMatchObject({ verdict: 'changed', fingerprint: fingerprintOf(other.blob), hostName: 'gpu.example' });
    // listed only with another type of key: not known yet, as OpenSSH asks then
    expect(checkHostKey(rsa.blob, 'gpu.example', 22, [listed]).verdict).toBe('unknown');
    // the second file (the app's) counts as well as the first
    expect(checkHostKey(other.blob, 'gpu.example', 22, [listed, other.line('gpu.example')]).verdict).toBe('known');
    expect(checkHostKey(server.blob, 'gpu.example', 22, [listed, `@revoked * ${server.line('').trim()}`]).verdict).toBe('revoked');
    // a garbled line is skipped, not trusted
    expect(checkHostKey(server.blob, 'gpu.example', 22, ['gpu.example ssh-ed25519 !!!not-base64']).verdict).toBe('unknown');
  });

  it('pins an accepted key in the app\'s file, replacing the one of the same type for that host', () => {
    const file = path.join(dir, 'app', 'known_hosts');
    pinHostKey(file, 'gpu.example', 2222, server.blob);
    pinHostKey(file, 'ct.example', 22, rsa.blob);
    expect(checkHostKey(server.blob, 'gpu.example', 2222, [readFileSync(file, 'utf8')]).verdict).toBe('known');
    pinHostKey(file, 'gpu.example', 2222, other.blob);
    const text = readFileSync(file, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(checkHostKey(other.blob, 'gpu.example', 2222, [text]).verdict).toBe('known');
    expect(checkHostKey(server.blob, 'gpu.example', 2222, [text]).verdict).toBe('changed');
    // OpenSSH reads the file the app writes
    const found = spawnSync('ssh-keygen', ['-F', '[gpu.example]:2222', '-f', file], { encoding: 'utf8' });
    expect(found.status).toBe(0);
  });
});
