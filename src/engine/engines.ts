/**
 * Engines by name, as the docker CLI's contexts are: `local` is the engine on this computer (found
 * as src/engine/service.ts finds it), and every other name is an engine the user added, reached
 * over SSH or TCP with TLS. The list lives in the settings; what proves who a server is (accepted
 * SSH host keys) lives in the app's known_hosts file next to them. No password or passphrase is
 * written anywhere.
 */
import type Docker from 'dockerode';
import { localizedException } from '../api/errors';
import type { PathMapping } from '../api/types';
import type { EngineEntry, EngineListItem, EngineStatus, PresentedHostKey, Settings } from '../api/types';
import { msg } from '../i18n';
import type { SettingsStore } from '../settings/store';
import { closeSshConnections, createDockerClient } from './client';
import { readCredentialFile } from './credential-file';
import { diagnoseEngine } from './diagnose';
import { appKnownHostsFile, parseEndpoint, type EndpointContext, type EngineEndpoint } from './endpoint';
import { checkHostKey, fingerprintOf, keyTypeOf, knownHostName, pinHostKey, readTextOrEmpty } from './known-hosts';
import type { EngineService } from './service';
import { presentedHostKey } from './ssh-transport';
import { probeFileVisibility, type FileVisibility } from './file-visibility';
import { hostUser } from './run-container';

export { LOCAL_ENGINE } from '../api/runs';
import { LOCAL_ENGINE } from '../api/runs';

/** Where a named engine is. The TLS files and key file are the entry's own; verification is always on. */
export function endpointForEntry(entry: EngineEntry, ctx: EndpointContext): EngineEndpoint {
  const endpoint = parseEndpoint(entry.url, 'engine', ctx);
  const { transport } = endpoint;
  if (transport.kind === 'tcp') {
    if (!entry.tls) throw new Error(`engine ${entry.name}: a tcp:// engine without TLS files`);
    return { ...endpoint, transport: { ...transport, port: transport.port, tls: { ...entry.tls, verify: true } } };
  }
  if (transport.kind === 'ssh') return { ...endpoint, transport: { ...transport, identityFile: entry.identityFile } };
  throw new Error(`engine ${entry.name}: ${entry.url} is not a remote engine address`);
}

export function findEntry(settings: Settings, name: string): EngineEntry {
  const entry = settings.engines.find((candidate) => candidate.name === name);
  if (!entry) {
    throw localizedException('ENGINE_UNKNOWN', msg('remote:engines.unknown.message', { name }), msg('remote:engines.unknown.action', { names: [LOCAL_ENGINE, ...settings.engines.map((e) => e.name)].join(', ') }));
  }
  return entry;
}

/** The list with `entry` added; refuses a name in use, a file that cannot be read, an address that does not parse. */
export function withEngineAdded(settings: Settings, entry: EngineEntry, ctx: EndpointContext): EngineEntry[] {
  if (entry.name === LOCAL_ENGINE || settings.engines.some((existing) => existing.name === entry.name)) {
    throw localizedException('INVALID_REQUEST', msg('remote:engines.nameTaken.message', { name: entry.name }), msg('remote:engines.nameTaken.action'));
  }
  endpointForEntry(entry, ctx); // an address the app cannot use is said now, not at the first run
  const files = [...(entry.tls ? [entry.tls.ca, entry.tls.cert, entry.tls.key] : []), ...(entry.identityFile ? [entry.identityFile] : [])];
  for (const file of files) {
    try {
      readCredentialFile(file);
    } catch {
      throw localizedException('INVALID_REQUEST', msg('remote:engines.fileUnreadable.message', { file }), msg('remote:engines.fileUnreadable.action'));
    }
  }
  return [...settings.engines, entry];
}

export function withEngineRemoved(settings: Settings, name: string): EngineEntry[] {
  findEntry(settings, name);
  return settings.engines.filter((entry) => entry.name !== name);
}

export { appKnownHostsFile };

/**
 * Accepts an SSH server's host key, once the user restated its fingerprint: the key the server
 * presents now must have exactly that fingerprint (as IT read it on the server), else nothing is
 * trusted. Returns the key accepted.
 */
export async function trustHostKey(entry: EngineEntry, fingerprint: string, ctx: EndpointContext): Promise<PresentedHostKey> {
  const endpoint = endpointForEntry(entry, ctx);
  if (endpoint.transport.kind !== 'ssh') throw localizedException('INVALID_REQUEST', msg('remote:trust.notSsh.message', { name: entry.name }), msg('remote:trust.notSsh.action'));
  const { host, port } = endpoint.transport;
  const key = await presentedHostKey(endpoint.transport);
  const presented = { hostName: knownHostName(host, port), keyType: keyTypeOf(key), fingerprint: fingerprintOf(key) };
  const given = fingerprint.trim().replace(/^(SHA256:)?/i, 'SHA256:').replace(/=+$/, '');
  if (given !== presented.fingerprint) {
    throw localizedException('ENGINE_HOST_KEY_CHANGED', msg('remote:trust.mismatch.message', { ...presented, given }), msg('remote:trust.mismatch.action'));
  }
  const file = appKnownHostsFile(ctx);
  if (checkHostKey(key, host, port, [readTextOrEmpty(file)]).verdict !== 'known') pinHostKey(file, host, port, key);
  return presented;
}

export interface NamedEngine {
  name: string;
  url: string;
  endpoint: EngineEndpoint;
  client(): Docker;
  diagnose(): Promise<EngineStatus>;
}

/** A named engine the rest of the core can talk to; `local` is not one of these (EngineService is). */
export function namedEngine(entry: EngineEntry, ctx: EndpointContext & { username: string }): NamedEngine {
  const endpoint = endpointForEntry(entry, ctx);
  return {
    name: entry.name,
    url: entry.url,
    endpoint,
    client: () => createDockerClient(endpoint),
    diagnose: () => diagnoseEngine(endpoint, { platform: ctx.platform, username: ctx.username, isInstalled: async () => true, pingTimeoutMs: 15_000 }),
  };
}

/**
 * Every engine by name: `local` is the EngineService the app has always had; the others are made
 * from the settings each time, so an engine added or removed counts at once.
 */
export class EngineDirectory {
  private readonly catalogs = new Map<string, unknown>();
  private readonly visibility = new Map<string, Promise<FileVisibility>>();

  constructor(
    private readonly local: EngineService,
    private readonly settings: SettingsStore,
    private readonly ctx: EndpointContext & { username: string; /** where the file-visibility probe writes its marker */ probeRoot: string },
  ) {}

  static isLocal(name: string | null | undefined): boolean {
    return !name || name === LOCAL_ENGINE;
  }

  /** The engine's name as kept: `local` for this computer's, however a request names it. */
  private static nameOf(name: string | null | undefined): string {
    return EngineDirectory.isLocal(name) ? LOCAL_ENGINE : name!;
  }

  get platform(): NodeJS.Platform {
    return this.ctx.platform;
  }

  /** The engine's entry in the settings, as it is now (throws the sentence for an unknown name). */
  entry(name: string): EngineEntry {
    return findEntry(this.settings.read(), name);
  }

  named(name: string): NamedEngine {
    return namedEngine(findEntry(this.settings.read(), name), this.ctx);
  }

  async client(name?: string | null): Promise<Docker> {
    return EngineDirectory.isLocal(name) ? this.local.client() : this.named(name!).client();
  }

  /** A fresh diagnosis; when the engine is up and has the image in use, also whether it sees this computer's files. */
  async diagnose(name?: string | null): Promise<EngineStatus> {
    const status = EngineDirectory.isLocal(name) ? await this.local.refresh() : await this.named(name!).diagnose();
    if (!status.ok) return status;
    const files = await this.fileVisibility(name).catch(() => null);
    return files ? { ...status, files } : status;
  }

  /**
   * Whether the engine sees this computer's files (measured once per engine and address, src/engine/file-visibility.ts);
   * null while it has no image in use to measure with.
   */
  async fileVisibility(name?: string | null): Promise<FileVisibility | null> {
    const docker = await this.client(name);
    const image = this.settings.read().imageRef;
    const present = await docker.getImage(image).inspect().then(() => true, () => false);
    if (!present) return null;
    // keyed as the upload consent is: the name and the address it stands for now
    const engineName = EngineDirectory.nameOf(name);
    const key = `${engineName}\n${await this.address(engineName)}`;
    let measured = this.visibility.get(key);
    if (!measured) {
      measured = probeFileVisibility(docker, image, this.ctx.probeRoot, hostUser(this.ctx.platform));
      this.visibility.set(key, measured);
      measured.catch(() => this.visibility.delete(key));
    }
    return measured;
  }

  async list(): Promise<EngineListItem[]> {
    const localUrl = await this.local.endpoint().then((endpoint) => endpoint.url).catch(() => '');
    return [
      { name: LOCAL_ENGINE, kind: 'local', url: localUrl, entry: null },
      ...this.settings.read().engines.map((entry) => ({ name: entry.name, kind: entry.url.startsWith('ssh://') ? ('ssh' as const) : ('tcp' as const), url: entry.url, entry })),
    ];
  }

  add(entry: EngineEntry): Promise<EngineListItem[]> {
    const settings = this.settings.read();
    this.settings.write({ ...settings, engines: withEngineAdded(settings, entry, this.ctx) });
    return this.list();
  }

  remove(name: string): Promise<EngineListItem[]> {
    const settings = this.settings.read();
    this.settings.write({ ...settings, engines: withEngineRemoved(settings, name) });
    this.catalogs.delete(name);
    const removed = settings.engines.find((entry) => entry.name === name);
    if (removed?.url.startsWith('ssh://')) closeSshConnections(endpointForEntry(removed, this.ctx).url);
    return this.list();
  }

  setSharedFolders(name: string, pathMappings: PathMapping[]): Promise<EngineListItem[]> {
    const settings = this.settings.read();
    findEntry(settings, name);
    this.settings.write({ ...settings, engines: settings.engines.map((entry) => (entry.name === name ? { ...entry, pathMappings } : entry)) });
    return this.list();
  }

  trust(name: string, fingerprint: string): Promise<PresentedHostKey> {
    return trustHostKey(findEntry(this.settings.read(), name), fingerprint, this.ctx);
  }

  /**
   * Whether the user said yes to staging data on the engine (the data-protection question, settings
   * `uploadConsents`) for the address it has now: a name re-used for another server asks again.
   */
  async uploadConsentGiven(name: string): Promise<boolean> {
    const url = await this.address(name);
    return this.settings.read().uploadConsents.some((consent) => consent.engine === name && consent.url === url);
  }

  /** Keeps the yes for the engine's address now (the last 64 engines' are kept). */
  async giveUploadConsent(name: string): Promise<void> {
    const url = await this.address(name);
    const settings = this.settings.read();
    const others = settings.uploadConsents.filter((consent) => consent.engine !== name);
    this.settings.write({ ...settings, uploadConsents: [...others, { engine: name, url, at: new Date().toISOString() }].slice(-64) });
  }

  private async address(name: string): Promise<string> {
    return EngineDirectory.isLocal(name) ? (await this.local.endpoint()).url : this.entry(name).url;
  }

  /** One value per engine name, made once (an image catalog, whose checks are cached per engine). */
  perEngine<T>(name: string | null | undefined, make: () => T): T {
    const key = EngineDirectory.nameOf(name);
    if (!this.catalogs.has(key)) this.catalogs.set(key, make());
    return this.catalogs.get(key) as T;
  }
}
