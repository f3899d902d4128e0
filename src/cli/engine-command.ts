import path from 'node:path';
import type { DockerContext, EngineListItem, EngineStatus } from '../api/types';
import { finish, type CliIo } from './image-command';
import type { Core } from '../core';
import { formatBytes } from '../api/format';
import { t } from '../i18n';

export function formatEngineStatus(status: EngineStatus): string {
  const lines = [t('cli:engine.title', { state: status.ok ? 'OK' : status.code }), `  ${status.message}`];
  if (status.action) lines.push(`  ${t('cli:output.whatToDo', { action: status.action })}`);
  lines.push(`  ${t('cli:engine.endpoint', { endpoint: status.endpoint, source: status.endpointSource })}`);
  if (status.info) {
    const info = status.info;
    lines.push(
      `  ${t('cli:engine.version', { version: info.version, apiVersion: info.apiVersion })}`,
      `  ${t('cli:engine.system', { os: info.os, osType: info.osType, arch: info.arch, kernel: info.kernelVersion })}`,
      `  ${t('cli:engine.cpus', { cpus: info.cpus, memory: formatBytes(info.memoryBytes) })}`,
      `  ${t('cli:engine.storage', { driver: info.storageDriver, dir: info.rootDir, free: formatBytes(info.freeDiskBytes) })}`,
      `  ${t('cli:engine.runtimes', { runtimes: info.runtimes.join(', ') || t('cli:engine.noRuntimes') })}`,
    );
  }
  if (status.files) lines.push(`  ${status.files === 'sees-files' ? t('remote:cli.seesFiles') : t('remote:cli.ownFiles')}`);
  if (status.detail) lines.push(`  ${t('cli:engine.details', { detail: status.detail })}`);
  return lines.join('\n');
}

/** `aucmedi-desk engine [--engine NAME] [--json]`: exit 0 when the engine is OK, 1 otherwise. */
export async function engineCommand(core: Core, json: boolean, out: (text: string) => void, name?: string): Promise<number> {
  const response = name ? await core.handlers['engines:diagnose']({ name }) : await core.handlers['engine:diagnose']({});
  if (!response.ok) {
    out(json ? JSON.stringify({ error: response.error }) : `${response.error.message}\n  ${t('cli:output.whatToDo', { action: response.error.action })}`);
    return 1;
  }
  const status = response.data;
  const trust = status.hostKey ? `\n  ${t('remote:cli.trustHint', { command: `aucmedi-desk engine trust ${name ?? 'NAME'} --fingerprint ${status.hostKey.fingerprint}` })}` : '';
  out(json ? JSON.stringify(status) : formatEngineStatus(status) + trust);
  return status.ok ? 0 : 1;
}

export function formatEngineList(engines: EngineListItem[]): string {
  const width = Math.max(...engines.map((engine) => engine.name.length), 4);
  return engines
    .map((engine) => {
      const how = engine.kind === 'local' ? t('remote:cli.kindLocal') : engine.kind === 'ssh' ? 'SSH' : 'TLS';
      const key = engine.entry?.identityFile ? `  ${t('remote:cli.keyFile', { file: engine.entry.identityFile })}` : '';
      const shared = (engine.entry?.pathMappings ?? []).map((mapping) => `\n${' '.repeat(width + 2)}${t('remote:cli.shared', { local: mapping.local, remote: mapping.remote })}`).join('');
      return `${engine.name.padEnd(width)}  ${how.padEnd(5)}  ${engine.url || t('remote:cli.notFound')}${key}${shared}`;
    })
    .join('\n');
}

export function formatContexts(contexts: DockerContext[]): string {
  if (contexts.length === 0) return t('remote:cli.contexts.none');
  return contexts
    .map((found) =>
      found.entry
        ? `${found.context}  ${found.url}\n  ${t('remote:cli.contexts.importWith', { command: `aucmedi-desk engine import ${found.context}` })}`
        : `${found.context}  ${found.url}\n  ${t(`remote:cli.contexts.reason.${found.reason ?? 'unsupported'}`)}`,
    )
    .join('\n');
}

/** `aucmedi-desk engine list|add|remove|trust|contexts|import|datasets`. */
export async function enginesCommand(core: Core, action: 'list' | 'add' | 'remove' | 'trust' | 'contexts' | 'import' | 'datasets' | 'map', args: string[], values: Record<string, string>, json: boolean, io: CliIo, flags: string[] = []): Promise<number> {
  switch (action) {
    case 'contexts':
      return finish(await core.handlers['engines:docker-contexts']({}), json, io, formatContexts);
    case 'import': {
      const contexts = await core.handlers['engines:docker-contexts']({});
      if (!contexts.ok) return finish(contexts, json, io, () => '');
      const found = contexts.data.find((candidate) => candidate.context === args[0]);
      if (!found?.entry) {
        io.err(found ? t(`remote:cli.contexts.reason.${found.reason ?? 'unsupported'}`) : t('remote:cli.contexts.unknown', { context: args[0]! }));
        return 1;
      }
      const entry = values['--name'] ? { ...found.entry, name: values['--name'] } : found.entry;
      return finish(await core.handlers['engines:add'](entry), json, io, (engines) => `${t('remote:cli.added', { name: entry.name })}\n${formatEngineList(engines)}`);
    }
    case 'list':
      return finish(await core.handlers['engines:list']({}), json, io, formatEngineList);
    case 'map': {
      // engine map NAME LOCAL REMOTE adds one (a LOCAL mapped already is replaced); --clear removes them all
      const [name, local, remote] = args as [string, string | undefined, string | undefined];
      const listed = await core.handlers['engines:list']({});
      if (!listed.ok) return finish(listed, json, io, () => '');
      const current = listed.data.find((item) => item.name === name)?.entry?.pathMappings ?? [];
      const wanted = flags.includes('--clear') ? [] : [...current.filter((mapping) => mapping.local !== path.resolve(local ?? '')), { local: path.resolve(local ?? ''), remote: remote ?? '' }];
      return finish(await core.handlers['engines:shared-folders']({ name, pathMappings: wanted }), json, io, formatEngineList);
    }
    case 'datasets': {
      const name = args[0]!;
      const response = values['--remove'] ? await core.handlers['engines:remove-kept-dataset']({ name, volume: values['--remove'] }) : await core.handlers['engines:kept-datasets']({ name });
      return finish(response, json, io, (kept) =>
        kept.length ? kept.map((entry) => `${entry.volume}  ${entry.folder}  ${entry.createdAt ?? ''}`.trimEnd()).join('\n') : t('remote:cli.noKept', { name }),
      );
    }
    case 'remove':
      return finish(await core.handlers['engines:remove']({ name: args[0]! }), json, io, formatEngineList);
    case 'trust':
      return finish(await core.handlers['engines:trust-host-key']({ name: args[0]!, fingerprint: values['--fingerprint'] ?? '' }), json, io, (key) =>
        t('remote:cli.trusted', { hostName: key.hostName, keyType: key.keyType, fingerprint: key.fingerprint }),
      );
    case 'add': {
      const [name, url] = args as [string, string];
      const tlsFiles = [values['--tls-ca'], values['--tls-cert'], values['--tls-key']];
      const tls = tlsFiles.some(Boolean) ? { ca: absolute(tlsFiles[0]), cert: absolute(tlsFiles[1]), key: absolute(tlsFiles[2]) } : null;
      const identityFile = values['--identity-file'] ? path.resolve(values['--identity-file']) : null;
      return finish(await core.handlers['engines:add']({ name, url, tls, identityFile }), json, io, (engines) => `${t('remote:cli.added', { name })}\n${formatEngineList(engines)}`);
    }
  }
}

/** A path as given, made absolute; '' (not given) stays '' so the request names what is missing. */
const absolute = (file: string | undefined) => (file ? path.resolve(file) : '');
