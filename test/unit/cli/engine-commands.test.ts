import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, o: (t: string) => void out.push(t), e: (t: string) => void err.push(t) };
};

/** `engine list|add|remove|trust` against a settings file of its own (AUCMEDI_DESK_HOME); nothing connects. */
describe('aucmedi-desk engine list|add|remove|trust', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'engine-cli-'));
  const before = process.env.AUCMEDI_DESK_HOME;
  const settings = () => JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8')) as { engines: unknown[] };
  const file = (name: string) => {
    const full = path.join(home, name);
    writeFileSync(full, `-----BEGIN ${name}-----\n`);
    return full;
  };
  beforeAll(() => void (process.env.AUCMEDI_DESK_HOME = home));
  afterAll(() => {
    if (before === undefined) delete process.env.AUCMEDI_DESK_HOME;
    else process.env.AUCMEDI_DESK_HOME = before;
    rmSync(home, { recursive: true, force: true });
  });

  it('adds an SSH and a TLS engine, lists them after local, refuses a name in use, removes one', async () => {
    const c = capture();
    expect(await main(['engine', 'add', 'gpu', 'ssh://ana@gpu.hospital.example:2222', '--identity-file', file('id_ed25519')], c.o, c.e)).toBe(0);
    expect(c.out.join('\n')).toMatch(/^Added the engine gpu/);
    expect(await main(['engine', 'add', 'ct-server', 'tcp://ct.hospital.example:2376', `--tls-ca=${file('ca.pem')}`, '--tls-cert', file('cert.pem'), '--tls-key', file('key.pem')], c.o, c.e)).toBe(0);
    expect(settings().engines).toEqual([
      { name: 'gpu', url: 'ssh://ana@gpu.hospital.example:2222', tls: null, identityFile: path.join(home, 'id_ed25519') },
      { name: 'ct-server', url: 'tcp://ct.hospital.example:2376', tls: { ca: path.join(home, 'ca.pem'), cert: path.join(home, 'cert.pem'), key: path.join(home, 'key.pem') }, identityFile: null },
    ]);

    const list = capture();
    expect(await main(['engine', 'list'], list.o, list.e)).toBe(0);
    const lines = list.out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^local {6}local/);
    expect(lines[1]).toMatch(/^gpu {8}SSH {4}ssh:\/\/ana@gpu\.hospital\.example:2222 {2}key /);
    expect(lines[2]).toMatch(/^ct-server {2}TLS {4}tcp:\/\/ct\.hospital\.example:2376$/);

    const taken = capture();
    expect(await main(['engine', 'add', 'gpu', 'ssh://other@host'], taken.o, taken.e)).toBe(1);
    expect(taken.err.join('\n')).toMatch(/already used for an engine[\s\S]*What to do:/);
    const local = capture();
    expect(await main(['engine', 'add', 'local', 'ssh://other@host'], local.o, local.e)).toBe(1);

    expect(await main(['engine', 'remove', 'ct-server', '--json'], c.o, c.e)).toBe(0);
    expect(JSON.parse(c.out.at(-1)!).map((engine: { name: string }) => engine.name)).toEqual(['local', 'gpu']);
    const gone = capture();
    expect(await main(['engine', 'remove', 'ct-server'], gone.o, gone.e)).toBe(1);
    expect(gone.err.join('\n')).toMatch(/There is no engine named ct-server[\s\S]*local, gpu/);
  });

  it('refuses a tcp:// engine without TLS files, a key file that is not one, and an unusable fingerprint', async () => {
    const c = capture();
    expect(await main(['engine', 'add', 'plain', 'tcp://ct.hospital.example:2375'], c.o, c.e)).toBe(1);
    expect(c.err.join('\n')).toMatch(/needs its CA certificate, client certificate and key/);
    expect(await main(['engine', 'add', 'nokey', 'ssh://ana@h', '--identity-file', '/dev/zero'], c.o, c.e)).toBe(1);
    expect(c.err.join('\n')).toMatch(/cannot be read as a certificate or key file/);
    expect(await main(['engine', 'trust', 'gpu', '--fingerprint', 'yes'], c.o, c.e)).toBe(1);
    expect(c.err.join('\n')).toMatch(/an SSH key fingerprint/);
    expect(settings().engines).toHaveLength(1);
  });
});
