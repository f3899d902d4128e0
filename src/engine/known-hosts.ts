/**
 * SSH host keys checked the way OpenSSH checks them (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): the
 * server's key must be listed for its name in the user's `~/.ssh/known_hosts` or in the app's own
 * file of keys the user accepted. A host listed with another key of the same type has CHANGED (a
 * re-installed server, or someone in between): refused with a warning. A host not listed is
 * UNKNOWN: refused, and its SHA256 fingerprint shown for the user to compare and accept once.
 * Nothing is accepted without the user restating the fingerprint.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../settings/store';

export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

export interface HostKeyCheck {
  verdict: HostKeyVerdict;
  /** `SHA256:...` of the key the server presented, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  keyType: string;
  /** The name the key is listed under: `host`, or `[host]:port` for another port than 22. */
  hostName: string;
}

/** The name OpenSSH looks a host up by. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** `SHA256:` and the unpadded base64 of the key blob's SHA-256, like `ssh-keygen -l -E sha256`. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written at the start of an SSH public key blob (a length-prefixed string). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  return length > 0 && length < 64 && keyBlob.length >= 4 + length ? keyBlob.subarray(4, 4 + length).toString('latin1') : 'unknown';
}

interface KnownHostEntry {
  marker: '@revoked' | '@cert-authority' | null;
  patterns: string;
  keyType: string;
  key: Buffer;
}

/** The entries of a known_hosts text; lines it cannot read are skipped, as OpenSSH skips them. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0] === '@revoked' || fields[0] === '@cert-authority' ? (fields.shift() as KnownHostEntry['marker']) : null;
    const [patterns, keyType, key] = fields;
    if (!patterns || !keyType || !key || !/^[A-Za-z0-9+/]+=*$/.test(key)) continue;
    entries.push({ marker, patterns, keyType, key: Buffer.from(key, 'base64') });
  }
  return entries;
}

/** Whether a host pattern list (comma-separated, `*`/`?` wildcards, `!` negation, or one hashed `|1|salt|hash`) names `hostName`. */
export function patternsMatch(patterns: string, hostName: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(hostName).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!');
    if (!wildcardMatch(negated ? pattern.slice(1) : pattern, hostName)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}

/** Checks the key a server presented against known_hosts texts (the user's, then the app's). */
export function checkHostKey(keyBlob: Buffer, host: string, port: number, knownHostsTexts: string[]): HostKeyCheck {
  const hostName = knownHostName(host, port);
  const keyType = keyTypeOf(keyBlob);
  const result = (verdict: HostKeyVerdict): HostKeyCheck => ({ verdict, fingerprint: fingerprintOf(keyBlob), keyType, hostName });
  const entries = knownHostsTexts.flatMap(parseKnownHosts).filter((entry) => entry.marker !== '@cert-authority');
  const sameKey = (entry: KnownHostEntry) => entry.key.equals(keyBlob);
  // A revoked key is refused whatever host it is listed for.
  if (entries.some((entry) => entry.marker === '@revoked' && sameKey(entry))) return result('revoked');
  const forHost = entries.filter((entry) => entry.marker === null && patternsMatch(entry.patterns, hostName));
  if (forHost.some(sameKey)) return result('known');
  if (forHost.some((entry) => entry.keyType === keyType)) return result('changed');
  return result('unknown');
}

/** The known_hosts line that pins a key for a host. */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  return `${knownHostName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

export function readTextOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Adds a key the user accepted to the app's own known_hosts file (OpenSSH's format, so IT can read
 * it and `ssh -o UserKnownHostsFile=` can use it). A changed key replaces the one listed before
 * only when the user accepted the new one, so the old line is dropped.
 */
export function pinHostKey(file: string, host: string, port: number, keyBlob: Buffer): void {
  const hostName = knownHostName(host, port);
  const type = keyTypeOf(keyBlob);
  const kept = readTextOrEmpty(file)
    .split('\n')
    .filter((line) => {
      const [entry] = parseKnownHosts(line);
      return line.trim() !== '' && !(entry && entry.marker === null && entry.keyType === type && patternsMatch(entry.patterns, hostName));
    });
  writeFileAtomic(file, `${[...kept, knownHostsLine(host, port, keyBlob)].join('\n')}\n`);
}
