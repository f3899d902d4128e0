import type { EngineStatus } from '../api/types';
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
  if (status.detail) lines.push(`  ${t('cli:engine.details', { detail: status.detail })}`);
  return lines.join('\n');
}

/** `aucmedi-desk engine [--json]`: exit 0 when the engine is OK, 1 otherwise. */
export async function engineCommand(core: Core, json: boolean, out: (text: string) => void): Promise<number> {
  const response = await core.handlers['engine:diagnose']({});
  if (!response.ok) {
    out(json ? JSON.stringify({ error: response.error }) : `${response.error.message}\n  ${t('cli:output.whatToDo', { action: response.error.action })}`);
    return 1;
  }
  out(json ? JSON.stringify(response.data) : formatEngineStatus(response.data));
  return response.data.ok ? 0 : 1;
}
