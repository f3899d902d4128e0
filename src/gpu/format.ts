import type { GpuDevice, GpuProbeOutcome, GpuReport, HostGpuState } from '../api/gpu';
import { msg, t, text, type Message, type MessageParam } from '../i18n';

/** `aucmedi-desk gpu`: the report in plain text (in the core's language), like `formatEngineStatus`. */
export function formatGpuReport(report: GpuReport): string {
  const lines = [`GPU: ${report.ok ? 'READY' : report.code}`, `  ${report.i18n ? text(report.i18n.message) : report.message}`];
  const action = report.i18n?.action ? text(report.i18n.action) : report.action;
  if (action) lines.push(`  ${t('gpu:report.whatToDo', { action })}`);

  if (report.gpus.length > 0) {
    lines.push(report.ok ? `  ${t('gpu:report.gpusForTraining')}` : `  ${t('gpu:report.gpusHere')}`);
    for (const gpu of report.gpus) {
      const memory = gpu.memoryMiB !== null ? `, ${formatMiB(gpu.memoryMiB)} (${gpu.memoryMiB} MiB)` : '';
      lines.push(`    ${gpu.index}: ${gpu.name}${memory}${gpu.uuid ? `, ${gpu.uuid}` : ''}`);
    }
  }
  if (report.probe.state === 'ready') {
    for (const gpu of report.probe.gpus) {
      for (const slice of gpu.mig) lines.push(`      GPU ${gpu.index} MIG ${slice.profile} device ${slice.device}: ${slice.uuid}`);
    }
  }

  lines.push(`  ${t('gpu:report.driver', { value: hostLine(report.host, report.driverVersion, report.cudaVersion) })}`);
  if (report.engine) {
    const engine = report.engine;
    const cdi = engine.cdi ? `CDI (${engine.cdiSpecDirs.join(', ')})` : t('gpu:report.noCdi');
    const runtimes = engine.runtimes.join(', ') || t('gpu:report.noRuntimes');
    lines.push(
      `  ${t('gpu:report.engine', {
        version: engine.engineVersion,
        apiVersion: engine.apiVersion,
        deviceRequests: engine.deviceRequests ? msg('gpu:report.deviceRequestsSupported') : msg('gpu:report.deviceRequestsUnsupported'),
      })}`,
      `  ${t('gpu:report.runtimes', { value: `${runtimes}${engine.nvidiaRuntime ? '' : t('gpu:report.noNvidiaRuntime')}, ${cdi}${engine.dockerDesktop ? ', Docker Desktop' : ''}` })}`,
    );
  } else {
    lines.push(`  ${t('gpu:report.engineDown')}`);
  }
  lines.push(`  ${t('gpu:report.test', { value: probeLine(report.probe) })}`);
  if (report.detail) lines.push(`  ${t('gpu:report.details', { value: report.detail })}`);
  return lines.join('\n');
}

function hostLine(host: HostGpuState, driverVersion: string | null, cudaVersion: string | null): string {
  switch (host.state) {
    case 'ok': {
      const unknown = t('gpu:report.versionUnknown');
      return t('gpu:report.host.ok', { driver: driverVersion ?? unknown, cuda: cudaVersion ?? unknown, count: host.gpus.length });
    }
    case 'no-driver':
      return t('gpu:report.host.noDriver');
    case 'no-gpu':
      return host.detail ? t('gpu:report.host.noGpuDetail', { detail: host.detail }) : t('gpu:report.host.noGpu');
    case 'driver-error':
      return t('gpu:report.host.driverError', { detail: host.detail });
  }
}

function probeLine(probe: GpuProbeOutcome): string {
  switch (probe.state) {
    case 'skipped':
      return t('gpu:report.probe.skipped', { reason: probe.i18n?.reason ?? probe.reason });
    case 'ready':
      return t('gpu:report.probe.ready', { image: probe.image, count: probe.gpus.length });
    case 'toolkit-missing':
      return t('gpu:report.probe.toolkitMissing', { image: probe.image });
    case 'probe-failed':
      return t('gpu:report.probe.failed', { image: probe.image || msg('gpu:report.probe.testImage'), reason: probe.reason });
  }
}

/** "NVIDIA H100 80GB HBM3 (80 GB)", "4 × NVIDIA A100-SXM4-80GB (80 GB each)", "A (24 GB) and B (2 GB)": as a message. */
export function describeGpusMessage(gpus: GpuDevice[]): Message {
  if (gpus.length === 0) return msg('gpu:list.none');
  const groups = new Map<string, GpuDevice[]>();
  for (const gpu of gpus) {
    const key = `${gpu.name}\u0000${gpu.memoryMiB ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), gpu]);
  }
  const parts = [...groups.values()].map((group): Message => {
    const first = group[0]!;
    const params = { count: group.length, name: first.name };
    if (first.memoryMiB === null) return group.length > 1 ? msg('gpu:list.group', params) : msg('gpu:list.one', params);
    const memory = formatMiB(first.memoryMiB);
    return group.length > 1 ? msg('gpu:list.groupMemory', { ...params, memory }) : msg('gpu:list.oneMemory', { ...params, memory });
  });
  if (parts.length === 1) return parts[0]!;
  let head: MessageParam = parts[0]!;
  for (const part of parts.slice(1, -1)) head = msg('gpu:list.comma', { first: head, next: part });
  return msg('gpu:list.and', { first: head, last: parts[parts.length - 1]! });
}

/** The same in the core's language. */
export function describeGpus(gpus: GpuDevice[]): string {
  return text(describeGpusMessage(gpus));
}

/** GPU memory as people say it: 81559 MiB -> "80 GB", 24576 -> "24 GB", 2048 -> "2 GB", 512 -> "512 MB". */
export function formatMiB(mib: number): string {
  if (mib < 1024) return `${Math.round(mib)} MB`;
  return `${Math.round(mib / 1024)} GB`;
}
