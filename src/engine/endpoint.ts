import { access } from 'node:fs/promises';
import path from 'node:path';
import { localizedException, type UserErrorException } from '../api/errors';
import type { EndpointSource } from '../api/types';
import { msg, type Message } from '../i18n';
import { userDataDir } from '../settings/store';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
  verify: boolean;
}

export interface SshTarget {
  kind: 'ssh';
  host: string;
  port: number;
  username: string;
  /** A private key file; null: the SSH agent, then the user's usual keys (~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
  identityFile: string | null;
  /** The user's home folder (for the usual keys). */
  homedir: string;
  /** The SSH agent's socket (SSH_AUTH_SOCK, or the OpenSSH agent's pipe on Windows); null: none. */
  agentSocket: string | null;
  /** Where host keys are trusted: the user's ~/.ssh/known_hosts and the app's own file of keys accepted in the app. */
  knownHostsFiles: string[];
}

/** The app's own known_hosts file, next to its settings: keys the user accepted in the app. */
export const APP_KNOWN_HOSTS = 'known_hosts';

export function appKnownHostsFile(ctx: EndpointContext): string {
  return path.join(userDataDir(ctx.platform, ctx.env, ctx.homedir), APP_KNOWN_HOSTS);
}

export type Transport =
  | { kind: 'socket'; path: string }
  | { kind: 'tcp'; host: string; port: number; tls: TlsFiles | null }
  | SshTarget;

/** Where the Docker engine is, in DOCKER_HOST form (`url`) and as dockerode needs it (`transport`). */
export interface EngineEndpoint {
  url: string;
  source: EndpointSource;
  transport: Transport;
}

export interface EndpointContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homedir: string;
  /** The user logged in here: the SSH user when an ssh:// address names none. */
  username?: string;
}

export const WINDOWS_PIPE = '//./pipe/docker_engine';
export const LINUX_SOCKET = '/var/run/docker.sock';

/** An address the app cannot use, said as the user meets it (the diagnosis, and any command that needs the engine). */
function invalidAddress(url: string, source: EndpointSource, why: Message): UserErrorException {
  return localizedException(
    'ENGINE_UNREACHABLE',
    msg('engine:endpoint.invalid.message', { url, why }),
    source === 'DOCKER_HOST' ? msg('engine:endpoint.invalid.actionDockerHost') : msg('engine:endpoint.invalid.actionSettings'),
  );
}

/** Parses a DOCKER_HOST-style address the way the docker CLI reads it. Throws a user error on a form it does not know. */
export function parseEndpoint(url: string, source: EndpointSource, ctx: EndpointContext): EngineEndpoint {
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length) || LINUX_SOCKET;
    return { url: `unix://${socketPath}`, source, transport: { kind: 'socket', path: socketPath } };
  }
  if (url.startsWith('npipe://')) {
    const pipe = url.slice('npipe://'.length) || WINDOWS_PIPE;
    return { url: `npipe://${pipe}`, source, transport: { kind: 'socket', path: pipe } };
  }
  if (url.startsWith('tcp://')) {
    const rest = url.slice('tcp://'.length).replace(/\/+$/, '');
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(rest);
    if (!match) throw invalidAddress(url, source, msg('engine:endpoint.invalid.notTcp'));
    const verify = isTruthy(ctx.env.DOCKER_TLS_VERIFY);
    const certDir = ctx.env.DOCKER_CERT_PATH || path.join(ctx.homedir, '.docker');
    const tls = verify
      ? {
          ca: path.join(certDir, 'ca.pem'),
          cert: path.join(certDir, 'cert.pem'),
          key: path.join(certDir, 'key.pem'),
          verify,
        }
      : null;
    const host = match[1]!.replace(/^\[|\]$/g, '');
    const port = match[2] ? Number(match[2]) : tls ? 2376 : 2375;
    if (port < 1 || port > 65535) throw invalidAddress(url, source, msg('engine:endpoint.invalid.port', { port: match[2]! }));
    return { url: `tcp://${match[1]}:${port}`, source, transport: { kind: 'tcp', host, port, tls } };
  }
  if (url.startsWith('ssh://')) {
    // ssh://[user@]host[:port], as the docker CLI takes it; the user defaults to the one logged in here.
    const rest = url.slice('ssh://'.length).replace(/\/+$/, '');
    const match = /^(?:([A-Za-z0-9._-]{1,64})@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(rest);
    if (!match) throw invalidAddress(url, source, msg('remote:endpoint.notSsh'));
    const port = match[3] ? Number(match[3]) : 22;
    if (port < 1 || port > 65535) throw invalidAddress(url, source, msg('engine:endpoint.invalid.port', { port: match[3]! }));
    const username = match[1] ?? ctx.username ?? ctx.env.USER ?? ctx.env.USERNAME ?? 'root';
    const host = match[2]!.replace(/^\[|\]$/g, '');
    const portPart = port === 22 ? '' : `:${port}`;
    const agentSocket = ctx.env.SSH_AUTH_SOCK || (ctx.platform === 'win32' ? '\\\\.\\pipe\\openssh-ssh-agent' : null);
    const knownHostsFiles = [path.join(ctx.homedir, '.ssh', 'known_hosts'), appKnownHostsFile(ctx)];
    return { url: `ssh://${username}@${match[2]}${portPart}`, source, transport: { kind: 'ssh', host, port, username, identityFile: null, homedir: ctx.homedir, agentSocket, knownHostsFiles } };
  }
  throw invalidAddress(url, source, msg('engine:endpoint.invalid.scheme'));
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Every place the engine may be, in the order the app tries them: the user's setting wins, then
 * DOCKER_HOST, then the platform's usual sockets (Linux system, rootless, Docker Desktop).
 */
export function candidateEndpoints(settingsEndpoint: string | null, ctx: EndpointContext): EngineEndpoint[] {
  if (settingsEndpoint) return [parseEndpoint(settingsEndpoint, 'settings', ctx)];
  if (ctx.env.DOCKER_HOST) return [parseEndpoint(ctx.env.DOCKER_HOST, 'DOCKER_HOST', ctx)];
  if (ctx.platform === 'win32') return [parseEndpoint(`npipe://${WINDOWS_PIPE}`, 'default', ctx)];
  const sockets: Array<[string, EndpointSource]> = [[LINUX_SOCKET, 'default']];
  if (ctx.env.XDG_RUNTIME_DIR) sockets.push([path.posix.join(ctx.env.XDG_RUNTIME_DIR, 'docker.sock'), 'rootless']);
  sockets.push([path.posix.join(ctx.homedir, '.docker', 'run', 'docker.sock'), 'docker-desktop']);
  return sockets.map(([socket, source]) => parseEndpoint(`unix://${socket}`, source, ctx));
}

async function socketExists(socketPath: string): Promise<boolean> {
  try {
    await access(socketPath);
    return true;
  } catch (error) {
    // A socket we may not open still exists: that is a permission problem to diagnose, not absence.
    return (error as NodeJS.ErrnoException).code === 'EACCES';
  }
}

/** The first candidate whose socket exists; the first candidate when none does (so it is diagnosed). */
export async function chooseEndpoint(
  candidates: EngineEndpoint[],
  exists: (socketPath: string) => Promise<boolean> = socketExists,
): Promise<EngineEndpoint> {
  if (candidates.length === 0) throw new Error('no engine endpoint candidates');
  for (const candidate of candidates) {
    if (candidate.transport.kind !== 'socket') return candidate;
    if (candidate.transport.path.startsWith('//./pipe/')) return candidate;
    if (await exists(candidate.transport.path)) return candidate;
  }
  return candidates[0]!;
}
