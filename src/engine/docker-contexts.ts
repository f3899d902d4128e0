/**
 * The docker CLI's contexts, offered for import as named engines. The CLI keeps each context in
 * `~/.docker/contexts/meta/<sha256 of the name>/meta.json` (`{"Name", "Endpoints": {"docker":
 * {"Host", "SkipTLSVerify"}}}`) and its TLS files in `~/.docker/contexts/tls/<same>/docker/`
 * (`ca.pem`, `cert.pem`, `key.pem`); `DOCKER_CONFIG` moves `~/.docker`. Local contexts (unix://,
 * npipe://) are the local engine already; a context that switches verification off is not offered.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { DockerContext } from '../api/types';
import { readCredentialFile } from './credential-file';

/** A context name made into an engine name (the CLI allows more characters than engine names). */
export function engineNameFor(context: string): string {
  const name = context.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
  return name || 'docker-context';
}

export function dockerConfigDir(env: NodeJS.ProcessEnv, homedir: string): string {
  return env.DOCKER_CONFIG || path.join(homedir, '.docker');
}

/** Every context found, importable or not; a folder or file that cannot be read is left out. */
export function readDockerContexts(configDir: string): DockerContext[] {
  const metaRoot = path.join(configDir, 'contexts', 'meta');
  let dirs: string[];
  try {
    dirs = readdirSync(metaRoot);
  } catch {
    return [];
  }
  const found: DockerContext[] = [];
  for (const dir of dirs.sort()) {
    let meta: { Name?: unknown; Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
    try {
      meta = JSON.parse(readCredentialFile(path.join(metaRoot, dir, 'meta.json')).toString('utf8'));
    } catch {
      continue;
    }
    const context = typeof meta.Name === 'string' ? meta.Name : null;
    const url = typeof meta.Endpoints?.docker?.Host === 'string' ? meta.Endpoints.docker.Host : null;
    if (!context || !url) continue;
    const name = engineNameFor(context);
    if (/^(unix|npipe):\/\//.test(url)) {
      found.push({ context, url, entry: null, reason: 'local' });
    } else if (url.startsWith('ssh://')) {
      found.push({ context, url, entry: { name, url, tls: null, identityFile: null }, reason: null });
    } else if (url.startsWith('tcp://')) {
      const tlsDir = path.join(configDir, 'contexts', 'tls', dir, 'docker');
      const files = { ca: path.join(tlsDir, 'ca.pem'), cert: path.join(tlsDir, 'cert.pem'), key: path.join(tlsDir, 'key.pem') };
      if (meta.Endpoints?.docker?.SkipTLSVerify === true) found.push({ context, url, entry: null, reason: 'skip-tls-verify' });
      else if (!Object.values(files).every((file) => existsSync(file))) found.push({ context, url, entry: null, reason: 'no-tls-files' });
      else found.push({ context, url, entry: { name, url, tls: files, identityFile: null }, reason: null });
    } else {
      found.push({ context, url, entry: null, reason: 'unsupported' });
    }
  }
  return found;
}
