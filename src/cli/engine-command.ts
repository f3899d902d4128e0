import type { EngineStatus } from '../api/types';
import type { Core } from '../core';
import { formatBytes } from '../api/format';

export function formatEngineStatus(status: EngineStatus): string {
  const lines = [`Docker engine: ${status.ok ? 'OK' : status.code}`, `  ${status.message}`];
  if (status.action) lines.push(`  What to do: ${status.action}`);
  lines.push(`  Endpoint:   ${status.endpoint} (${status.endpointSource})`);
  if (status.info) {
    const info = status.info;
    lines.push(
      `  Version:    ${info.version} (API ${info.apiVersion})`,
      `  System:     ${info.os}, ${info.osType}/${info.arch}, kernel ${info.kernelVersion}`,
      `  CPUs:       ${info.cpus}, memory ${formatBytes(info.memoryBytes)}`,
      `  Storage:    ${info.storageDriver} in ${info.rootDir}, ${formatBytes(info.freeDiskBytes)} free`,
      `  Runtimes:   ${info.runtimes.join(', ') || 'none'}`,
    );
  }
  if (status.detail) lines.push(`  Details:    ${status.detail}`);
  return lines.join('\n');
}

/** `aucmedi-desk engine [--json]`: exit 0 when the engine is OK, 1 otherwise. */
export async function engineCommand(core: Core, json: boolean, out: (text: string) => void): Promise<number> {
  const response = await core.handlers['engine:diagnose']({});
  if (!response.ok) {
    out(json ? JSON.stringify({ error: response.error }) : `${response.error.message}\n  What to do: ${response.error.action}`);
    return 1;
  }
  out(json ? JSON.stringify(response.data) : formatEngineStatus(response.data));
  return response.data.ok ? 0 : 1;
}
