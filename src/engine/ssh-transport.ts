/**
 * The engine API over SSH, as the docker CLI reaches an `ssh://` engine: every HTTP connection is
 * an SSH channel running `docker system dial-stdio` on the server, which joins it to the server's
 * own engine socket. One SSH connection carries all channels (docker-modem's built-in SSH agent
 * opens a new SSH connection per request and cannot check host keys, so it is not used).
 *
 * The server's host key is checked against known_hosts before anything is sent (src/engine/known-hosts.ts);
 * authentication uses the SSH agent, then the key file the engine names or the user's usual keys.
 * A key protected by a passphrase is used only through the agent: the app never asks for, keeps or
 * writes a passphrase.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import ssh2, { type AnyAuthMethod, type ClientChannel, type ConnectConfig } from 'ssh2';
import { readCredentialFile } from './credential-file';
import { checkHostKey, readTextOrEmpty, type HostKeyCheck } from './known-hosts';
import type { SshTarget } from './endpoint';

// ssh2 is CommonJS: its exports are read from the default import (Node's ESM loader does not see them as named ones).
const { Client, utils } = ssh2;
type Client = InstanceType<typeof ssh2.Client>;

const READY_TIMEOUT_MS = 15_000;
const DIAL_COMMAND = 'docker system dial-stdio';

/** The server's host key is not one the user trusts. */
export class HostKeyRefused extends Error {
  readonly code = 'SSH_HOST_KEY_REFUSED';
  constructor(
    readonly check: HostKeyCheck,
    readonly target: SshTarget,
  ) {
    super(`the host key of ${check.hostName} (${check.keyType} ${check.fingerprint}) is ${check.verdict === 'unknown' ? 'not known' : check.verdict}`);
  }
}

/** No key or agent identity the server accepts, or a key file that cannot be used. */
export class SshAuthFailed extends Error {
  readonly code = 'SSH_AUTH_FAILED';
  constructor(
    message: string,
    readonly reason: 'rejected' | 'no-identity' | 'encrypted-key' | 'unreadable-key',
  ) {
    super(message);
  }
}

/** The server took the SSH connection but could not run `docker system dial-stdio` (no docker CLI there, or no engine). */
export class SshDialFailed extends Error {
  readonly code = 'SSH_DIAL_FAILED';
}

/** How to log in: the agent first, then the named key file or the user's usual keys. */
export function authMethods(target: SshTarget): AnyAuthMethod[] {
  const methods: AnyAuthMethod[] = [];
  const agent = target.agentSocket;
  if (agent) methods.push({ type: 'agent', username: target.username, agent });
  const keyFiles = target.identityFile ? [target.identityFile] : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => path.join(target.homedir, '.ssh', name)).filter((file) => existsSync(file));
  for (const file of keyFiles) {
    let text: Buffer;
    try {
      text = readCredentialFile(file);
    } catch (error) {
      throw new SshAuthFailed(`the SSH key ${file} cannot be read: ${(error as Error).message}`, 'unreadable-key');
    }
    const parsed = utils.parseKey(text);
    if (parsed instanceof Error) {
      // An encrypted key is fine when the agent holds it; named explicitly, it must be usable or said so.
      if (/encrypted/i.test(parsed.message)) {
        if (target.identityFile && !agent) throw new SshAuthFailed(`the SSH key ${file} is protected by a passphrase`, 'encrypted-key');
        continue;
      }
      if (target.identityFile) throw new SshAuthFailed(`the SSH key ${file} cannot be used: ${parsed.message}`, 'unreadable-key');
      continue;
    }
    methods.push({ type: 'publickey', username: target.username, key: text });
  }
  if (methods.length === 0) throw new SshAuthFailed(`no SSH agent (SSH_AUTH_SOCK) and no key file to log in to ${target.host} as ${target.username}`, 'no-identity');
  return methods;
}

/** Opens an SSH connection whose host key must be known. Resolves when it is ready to open channels. */
function connect(target: SshTarget, timeoutMs: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    let refused: HostKeyRefused | null = null;
    let methods: AnyAuthMethod[];
    try {
      methods = authMethods(target);
    } catch (error) {
      reject(error);
      return;
    }
    const client = new Client();
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: timeoutMs,
      keepaliveInterval: 10_000,
      keepaliveCountMax: 3,
      authHandler: methods,
      hostVerifier: (key: Buffer) => {
        const check = checkHostKey(key, target.host, target.port, target.knownHostsFiles.map(readTextOrEmpty));
        if (check.verdict === 'known') return true;
        refused = new HostKeyRefused(check, target);
        return false;
      },
    };
    let settled = false;
    client.once('ready', () => {
      settled = true;
      resolve(client);
    });
    // Kept for the connection's life: an error after 'ready' (the connection lost) closes it; the next request connects again.
    client.on('error', (error: Error & { level?: string }) => {
      client.end();
      if (settled) return;
      settled = true;
      if (refused) reject(refused);
      else if (error.level === 'client-authentication') reject(new SshAuthFailed(`${target.username}@${target.host} refused every key offered (${error.message})`, 'rejected'));
      else reject(error);
    });
    client.connect(config);
  });
}

/** The key a server presents, read without logging in: what the user compares before accepting it. */
export function presentedHostKey(target: SshTarget, timeoutMs = READY_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let key: Buffer | null = null;
    client.on('error', (error) => {
      client.end();
      if (key) resolve(key);
      else reject(error);
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: timeoutMs,
      // Refusing the key ends the handshake: nothing is authenticated or sent.
      hostVerifier: (presented: Buffer) => {
        key = Buffer.from(presented);
        return false;
      },
      authHandler: [{ type: 'none', username: target.username }],
    });
  });
}

/**
 * An http.Agent whose connections are dial-stdio channels over one shared SSH connection. The
 * connection is made at the first request and made again after it was lost.
 */
export class SshEngineAgent extends http.Agent {
  private connection: Promise<Client> | null = null;

  constructor(
    readonly target: SshTarget,
    private readonly timeoutMs = READY_TIMEOUT_MS,
  ) {
    super({ keepAlive: false });
  }

  /** `ssh://user@host[:port]`, as the endpoint names it. */
  get url(): string {
    const host = this.target.host.includes(':') ? `[${this.target.host}]` : this.target.host;
    return `ssh://${this.target.username}@${host}${this.target.port === 22 ? '' : `:${this.target.port}`}`;
  }

  override createConnection(_options: unknown, callback: (error: Error | null, stream?: Duplex) => void): undefined {
    this.client()
      .then((client) => this.dial(client))
      .then(
        (channel) => callback(null, channel),
        (error: Error) => callback(error),
      );
    return undefined;
  }

  /** Closes the SSH connection (open channels end with it). */
  close(): void {
    void this.connection?.then((client) => client.end()).catch(() => undefined);
    this.connection = null;
    this.destroy();
  }

  private client(): Promise<Client> {
    if (!this.connection) {
      const attempt = connect(this.target, this.timeoutMs);
      this.connection = attempt;
      const forget = () => {
        if (this.connection === attempt) this.connection = null;
      };
      attempt.then((client) => client.once('close', forget), forget);
    }
    return this.connection;
  }

  private dial(client: Client): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      let channel: ClientChannel;
      try {
        client.exec(DIAL_COMMAND, (error, opened) => {
          if (error) return reject(error);
          channel = opened;
          let stderr = '';
          let answered = false;
          channel.stderr.on('data', (chunk: Buffer) => {
            if (stderr.length < 2000) stderr += chunk.toString();
          });
          channel.once('data', () => (answered = true));
          channel.once('exit', (code: number | null) => {
            // Before any answer, a failing command is the reason the request fails.
            if (!answered && code !== 0) (channel as Duplex).destroy(new SshDialFailed(`${this.target.host} could not run "${DIAL_COMMAND}" (exit ${code}): ${stderr.trim() || 'no message'}`));
          });
          resolve(asSocket(channel));
        });
      } catch (error) {
        // ssh2 throws synchronously on a connection that closed meanwhile
        this.connection = null;
        reject(error);
      }
    });
  }
}

/** What Node's HTTP client calls on a socket that an SSH channel does not have. */
function asSocket(channel: ClientChannel): Duplex {
  const socket = channel as ClientChannel & Record<string, unknown>;
  for (const name of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref']) {
    if (typeof socket[name] !== 'function') socket[name] = () => socket;
  }
  return channel;
}
