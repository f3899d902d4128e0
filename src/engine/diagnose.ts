import { stat, statfs } from 'node:fs/promises';
import type Docker from 'dockerode';
import { errorDetail } from '../api/errors';
import type { EngineInfo, EngineStatus, EngineStatusCode } from '../api/types';
import { createDockerClient, engineRequest } from './client';
import type { EngineEndpoint } from './endpoint';
import { permissionActionMessage } from './engine-errors';
import { HostKeyRefused, SshAuthFailed, SshDialFailed } from './ssh-transport';
import { msg, text, type Localized, type Message } from '../i18n';

/** Device requests (how GPUs reach a container) arrived with Engine API 1.40 (Docker 19.03). */
export const MIN_API_FOR_GPU = '1.40';
const PING_TIMEOUT_MS = 5000;

export interface DiagnoseDeps {
  platform: NodeJS.Platform;
  username: string;
  isInstalled: () => Promise<boolean>;
  freeDiskBytes?: (dir: string) => Promise<number | null>;
  now?: () => Date;
  pingTimeoutMs?: number;
}

type Verdict = Pick<EngineStatus, 'code' | 'message' | 'action'> & { detail?: string } & Localized<'message' | 'action'>;

/** The engine's diagnosis with its sentences as catalog messages too, for the window to render in the user's language. */
export type LocalizedEngineStatus = EngineStatus & Localized<'message' | 'action'>;

/** Asks the engine at `endpoint` who it is and how it is, and says so in plain words. Never throws. */
export async function diagnoseEngine(endpoint: EngineEndpoint, deps: DiagnoseDeps): Promise<LocalizedEngineStatus> {
  const base = {
    endpoint: endpoint.url,
    endpointSource: endpoint.source,
    checkedAt: (deps.now?.() ?? new Date()).toISOString(),
  };
  const finish = (said: Verdict, info?: EngineInfo): LocalizedEngineStatus => ({
    ok: said.code === 'ENGINE_OK',
    ...said,
    ...base,
    ...(info ? { info } : {}),
  });

  const timeoutMs = deps.pingTimeoutMs ?? PING_TIMEOUT_MS;
  let docker;
  try {
    docker = createDockerClient(endpoint, timeoutMs);
  } catch (error) {
    const tls = endpoint.transport.kind === 'tcp' && endpoint.transport.tls;
    return finish(unreachable(endpoint, tls ? `cannot read the TLS certificates: ${errorDetail(error)}` : errorDetail(error)));
  }

  let answer: PingAnswer;
  try {
    answer = await ping(docker, timeoutMs);
  } catch (error) {
    const said = await classifyConnectionError(error, endpoint, deps);
    if (!(error instanceof HostKeyRefused)) return finish(said);
    const { hostName, keyType, fingerprint } = error.check;
    return { ...finish(said), hostKey: { hostName, keyType, fingerprint } };
  }
  if (answer.apiVersion === null) {
    const body = answer.body.replace(/\s+/g, ' ').trim().slice(0, 120);
    return finish(notDocker(endpoint, `${endpoint.url} answered HTTP ${answer.status} (${answer.contentType || 'no content type'}) without the Api-Version header every Docker engine sends: ${JSON.stringify(body)}`));
  }
  if (answer.status !== 200) return finish(unhealthy(`${endpoint.url}: the engine's health check answered HTTP ${answer.status}: ${answer.body.slice(0, 200)}`));

  let info: EngineInfo;
  try {
    const [version, system] = await Promise.all([docker.version(), docker.info()]);
    const rootDir = String(system.DockerRootDir ?? '');
    info = {
      version: String(version.Version ?? system.ServerVersion ?? 'unknown'),
      apiVersion: String(version.ApiVersion ?? 'unknown'),
      os: String(system.OperatingSystem ?? version.Os ?? 'unknown'),
      osType: String(system.OSType ?? version.Os ?? 'unknown'),
      arch: String(system.Architecture ?? version.Arch ?? 'unknown'),
      kernelVersion: String(system.KernelVersion ?? version.KernelVersion ?? 'unknown'),
      cpus: Number(system.NCPU ?? 0),
      memoryBytes: Number(system.MemTotal ?? 0),
      storageDriver: String(system.Driver ?? 'unknown'),
      rootDir,
      freeDiskBytes: isLocalEngine(endpoint, deps.platform) ? await (deps.freeDiskBytes ?? freeDiskBytes)(rootDir) : null,
      runtimes: Object.keys(system.Runtimes ?? {}),
      liveRestore: system.LiveRestoreEnabled === true,
    };
  } catch (error) {
    return finish(unhealthy(`the engine answered but could not describe itself: ${errorDetail(error)}`));
  }

  if (compareApiVersions(info.apiVersion, MIN_API_FOR_GPU) < 0) {
    return finish(verdict('ENGINE_TOO_OLD', msg('engine:diagnose.tooOld.message', { version: info.version, apiVersion: info.apiVersion }), msg('engine:diagnose.tooOld.action')), info);
  }
  return finish(verdict('ENGINE_OK', msg('engine:diagnose.ok.message', { version: info.version }), null), info);
}

/** What answered the health check. Docker names its API version in a header on every answer. */
interface PingAnswer {
  status: number;
  apiVersion: string | null;
  contentType: string;
  /** The first KiB of the body. */
  body: string;
}

/** GET /_ping over the client's own transport, keeping the headers (dockerode's ping drops them). */
async function ping(docker: Docker, timeoutMs: number): Promise<PingAnswer> {
  const request = await engineRequest(docker, 'GET', '/_ping', {});
  const answer = new Promise<PingAnswer>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 1024) body += chunk.slice(0, 1024 - body.length);
      });
      response.on('error', reject);
      response.on('end', () => {
        const apiVersion = response.headers['api-version'];
        resolve({ status: response.statusCode ?? 0, apiVersion: typeof apiVersion === 'string' ? apiVersion : null, contentType: response.headers['content-type'] ?? '', body });
      });
    });
    request.end();
  });
  try {
    return await withTimeout(answer, timeoutMs);
  } finally {
    // the answer is read (or never came): nothing more is wanted on this connection
    request.destroy();
  }
}

/** What is at a socket path: a socket, something else (a file, a folder), or nothing. */
async function socketPathKind(socketPath: string): Promise<'socket' | 'missing' | 'file' | 'folder' | 'other'> {
  try {
    const stats = await stat(socketPath);
    if (stats.isSocket()) return 'socket';
    return stats.isFile() ? 'file' : stats.isDirectory() ? 'folder' : 'other';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'other';
  }
}

/** Turns a failed connection into the sentence a user needs. */
export async function classifyConnectionError(error: unknown, endpoint: EngineEndpoint, deps: DiagnoseDeps): Promise<Verdict> {
  const err = error as { code?: string; statusCode?: number; message?: string };
  const detail = `${endpoint.url}: ${errorDetail(error)}`;
  if (err.statusCode !== undefined) return unhealthy(detail);
  if (err.code === 'TIMEOUT') return unhealthy(`${endpoint.url} did not answer in time`);
  if (err.code === 'EACCES' || err.code === 'EPERM') return permissionDenied(endpoint, deps, detail);
  // Node's HTTP parser failed: what answers there does not speak HTTP at all.
  if (err.code?.startsWith('HPE_')) return notDocker(endpoint, `${detail} (the answer is not HTTP)`);
  const remote = classifyRemoteError(error, endpoint, detail);
  if (remote) return remote;
  if (endpoint.transport.kind === 'tcp' || endpoint.transport.kind === 'ssh') return unreachable(endpoint, detail);
  if (['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'ENOTDIR'].includes(err.code ?? '')) {
    const socketPath = endpoint.transport.path;
    // A Windows named pipe cannot be looked at as a file: its absence is Docker Desktop not running.
    const kind = socketPath.startsWith('//./pipe/') ? (err.code === 'ENOENT' ? 'missing' : 'socket') : await socketPathKind(socketPath);
    if (kind === 'file' || kind === 'folder' || kind === 'other') return notASocket(endpoint, kind, detail);
    if (kind === 'missing' && endpoint.source === 'default' && !(await deps.isInstalled())) return notInstalled(deps.platform, detail);
    if (kind === 'missing' && (endpoint.source === 'DOCKER_HOST' || endpoint.source === 'settings')) return noSocket(endpoint, detail);
    return notRunning(endpoint, deps.platform, detail);
  }
  return unhealthy(detail);
}

/** Node's codes for a server certificate that the CA given does not vouch for, or that names another host. */
const SERVER_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** SSH and TLS failures, which say more than "cannot be reached". */
function classifyRemoteError(error: unknown, endpoint: EngineEndpoint, detail: string): Verdict | null {
  if (error instanceof HostKeyRefused) {
    const { hostName, fingerprint, keyType, verdict: seen } = error.check;
    if (seen === 'unknown') return verdict('ENGINE_HOST_KEY_UNKNOWN', msg('remote:hostKey.unknown.message', { hostName, keyType, fingerprint }), msg('remote:hostKey.unknown.action', { fingerprint }), detail);
    return verdict('ENGINE_HOST_KEY_CHANGED', msg(seen === 'revoked' ? 'remote:hostKey.revoked.message' : 'remote:hostKey.changed.message', { hostName, keyType, fingerprint }), msg('remote:hostKey.changed.action', { hostName }), detail);
  }
  if (error instanceof SshAuthFailed) {
    const target = endpoint.transport.kind === 'ssh' ? endpoint.transport : null;
    const who = { user: target?.username ?? '', host: target?.host ?? endpoint.url };
    if (error.reason === 'encrypted-key') return verdict('ENGINE_AUTH_FAILED', msg('remote:auth.encrypted.message', who), msg('remote:auth.encrypted.action'), detail);
    if (error.reason === 'no-identity') return verdict('ENGINE_AUTH_FAILED', msg('remote:auth.noIdentity.message', who), msg('remote:auth.noIdentity.action'), detail);
    return verdict('ENGINE_AUTH_FAILED', msg('remote:auth.rejected.message', who), msg('remote:auth.rejected.action', who), detail);
  }
  if (error instanceof SshDialFailed) {
    const target = endpoint.transport.kind === 'ssh' ? endpoint.transport : null;
    return verdict('ENGINE_UNREACHABLE', msg('remote:dial.message', { host: target?.host ?? endpoint.url }), msg('remote:dial.action', { user: target?.username ?? '' }), detail);
  }
  const code = (error as { code?: string }).code ?? '';
  if (endpoint.transport.kind === 'tcp' && endpoint.transport.tls) {
    if (SERVER_CERTIFICATE_CODES.has(code)) return verdict('ENGINE_TLS_REFUSED', msg('remote:tls.serverRefused.message', { url: endpoint.url }), msg('remote:tls.serverRefused.action'), detail);
    // The engine's TLS alert: it does not accept this computer's client certificate.
    if (/^ERR_SSL_.*ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|DECRYPT_ERROR)/.test(code)) {
      return verdict('ENGINE_TLS_REFUSED', msg('remote:tls.clientRefused.message', { url: endpoint.url }), msg('remote:tls.clientRefused.action'), detail);
    }
  }
  return null;
}

/** How to point the app at the right engine, for an address the user gave: a clause ("…, or correct …") and a sentence. */
function fixAddress(endpoint: EngineEndpoint): Message {
  if (endpoint.source === 'settings') return msg('engine:diagnose.fixClause.settings');
  if (endpoint.source === 'DOCKER_HOST') return msg('engine:diagnose.fixClause.dockerHost');
  return msg('engine:diagnose.fixClause.default');
}

function fixAddressSentence(endpoint: EngineEndpoint): Message {
  if (endpoint.source === 'settings') return msg('engine:diagnose.fixSentence.settings');
  if (endpoint.source === 'DOCKER_HOST') return msg('engine:diagnose.fixSentence.dockerHost');
  return msg('engine:diagnose.fixSentence.default');
}

function where(endpoint: EngineEndpoint): Message {
  return endpoint.source === 'settings' ? msg('engine:diagnose.where.settings') : endpoint.source === 'DOCKER_HOST' ? msg('engine:diagnose.where.dockerHost') : msg('engine:diagnose.where.default');
}

/** A verdict from catalog messages: the English (core-language) fields rendered from the same messages. */
function verdict(code: EngineStatusCode, message: Message, action: Message | null, detail?: string): Verdict {
  return {
    code,
    message: text(message),
    action: action ? text(action) : '',
    ...(detail === undefined ? {} : { detail }),
    i18n: action ? { message, action } : { message },
  };
}

function noSocket(endpoint: EngineEndpoint, detail: string): Verdict {
  const path = endpoint.transport.kind === 'socket' ? endpoint.transport.path : endpoint.url;
  return verdict('ENGINE_NOT_RUNNING', msg('engine:diagnose.noSocket.message', { path, where: where(endpoint) }), msg('engine:diagnose.noSocket.action', { fix: fixAddress(endpoint) }), detail);
}

function notASocket(endpoint: EngineEndpoint, kind: 'file' | 'folder' | 'other', detail: string): Verdict {
  const what = kind === 'file' ? msg('engine:diagnose.notASocket.what.file') : kind === 'folder' ? msg('engine:diagnose.notASocket.what.folder') : msg('engine:diagnose.notASocket.what.other');
  const path = endpoint.transport.kind === 'socket' ? endpoint.transport.path : endpoint.url;
  return verdict('ENGINE_UNREACHABLE', msg('engine:diagnose.notASocket.message', { path, where: where(endpoint), what }), msg('engine:diagnose.notASocket.action', { fix: fixAddressSentence(endpoint) }), detail);
}

function notDocker(endpoint: EngineEndpoint, detail: string): Verdict {
  return verdict('ENGINE_UNREACHABLE', msg('engine:diagnose.notDocker.message', { url: endpoint.url, where: where(endpoint) }), fixAddressSentence(endpoint), detail);
}

function notInstalled(platform: NodeJS.Platform, detail: string): Verdict {
  return verdict(
    'ENGINE_NOT_INSTALLED',
    msg('engine:diagnose.notInstalled.message'),
    platform === 'linux' ? msg('engine:diagnose.notInstalled.actionLinux') : msg('engine:diagnose.notInstalled.actionDesktop'),
    detail,
  );
}

function notRunning(endpoint: EngineEndpoint, platform: NodeJS.Platform, detail: string): Verdict {
  const message = endpoint.source === 'settings' ? msg('engine:diagnose.notRunning.messageSettings', { url: endpoint.url }) : msg('engine:diagnose.notRunning.message');
  const action =
    platform === 'linux'
      ? endpoint.source === 'settings'
        ? msg('engine:diagnose.notRunning.actionSettings')
        : msg('engine:diagnose.notRunning.actionLinux')
      : msg('engine:diagnose.notRunning.actionDesktop');
  return verdict('ENGINE_NOT_RUNNING', message, action, detail);
}

function permissionDenied(endpoint: EngineEndpoint, deps: DiagnoseDeps, detail: string): Verdict {
  return verdict('ENGINE_PERMISSION_DENIED', msg('engine:diagnose.permissionDenied.message', { username: deps.username, url: endpoint.url }), permissionActionMessage(deps.platform, deps.username), detail);
}

function unhealthy(detail: string): Verdict {
  return verdict('ENGINE_UNHEALTHY', msg('engine:diagnose.unhealthy.message'), msg('engine:diagnose.unhealthy.action'), detail);
}

function unreachable(endpoint: EngineEndpoint, detail: string): Verdict {
  const tls = endpoint.transport.kind === 'tcp' && endpoint.transport.tls;
  return verdict(
    'ENGINE_UNREACHABLE',
    msg('engine:diagnose.unreachable.message', { url: endpoint.url }),
    tls ? msg('engine:diagnose.unreachable.actionTls', { fix: fixAddress(endpoint) }) : msg('engine:diagnose.unreachable.action', { fix: fixAddress(endpoint) }),
    detail,
  );
}

/** Only a local socket on Linux stores images on a disk we can see. */
function isLocalEngine(endpoint: EngineEndpoint, platform: NodeJS.Platform): boolean {
  return platform === 'linux' && endpoint.transport.kind === 'socket' && endpoint.source !== 'docker-desktop';
}

async function freeDiskBytes(dir: string): Promise<number | null> {
  if (!dir) return null;
  try {
    const stats = await statfs(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  if (Number.isNaN(aMajor) || Number.isNaN(aMinor)) return -1;
  return aMajor - bMajor || aMinor - bMinor;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}


export type { EngineStatusCode };
