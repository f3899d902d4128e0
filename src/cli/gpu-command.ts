import type { Core } from '../core';
import { formatGpuReport } from '../gpu/format';
import { finish, type CliIo } from './image-command';

/** `aucmedi-desk gpu [--json]`: exit 0 when training can use a GPU, 1 when not (it runs on the CPU). */
export async function gpuCommand(core: Core, json: boolean, io: CliIo): Promise<number> {
  const response = await core.handlers['gpu:detect']({});
  const code = finish(response, json, io, formatGpuReport);
  return code === 0 && response.ok && !response.data.ok ? 1 : code;
}
