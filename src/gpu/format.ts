import type { GpuDevice, GpuProbeOutcome, GpuReport, HostGpuState } from '../api/gpu';

/** `aucmedi-desk gpu`: the report in plain text, like `formatEngineStatus`. */
export function formatGpuReport(report: GpuReport): string {
  const lines = [`GPU: ${report.ok ? 'READY' : report.code}`, `  ${report.message}`];
  if (report.action) lines.push(`  What to do: ${report.action}`);

  if (report.gpus.length > 0) {
    lines.push(report.ok ? '  GPUs for training:' : '  GPUs on this computer:');
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

  lines.push(`  Driver:     ${hostLine(report.host, report.driverVersion, report.cudaVersion)}`);
  if (report.engine) {
    const engine = report.engine;
    const cdi = engine.cdi ? `CDI (${engine.cdiSpecDirs.join(', ')})` : 'no CDI';
    lines.push(
      `  Engine:     Docker ${engine.engineVersion} (API ${engine.apiVersion}), device requests ${engine.deviceRequests ? 'supported' : 'NOT supported'}`,
      `  Runtimes:   ${engine.runtimes.join(', ') || 'none'}${engine.nvidiaRuntime ? '' : ' (no nvidia runtime)'}, ${cdi}${engine.dockerDesktop ? ', Docker Desktop' : ''}`,
    );
  } else {
    lines.push('  Engine:     did not answer');
  }
  lines.push(`  Test:       ${probeLine(report.probe)}`);
  if (report.detail) lines.push(`  Details:    ${report.detail}`);
  return lines.join('\n');
}

function hostLine(host: HostGpuState, driverVersion: string | null, cudaVersion: string | null): string {
  switch (host.state) {
    case 'ok':
      return `NVIDIA ${driverVersion ?? 'version unknown'}, CUDA ${cudaVersion ?? 'version unknown'}, ${host.gpus.length} GPU${host.gpus.length === 1 ? '' : 's'}`;
    case 'no-driver':
      return 'no NVIDIA driver (nvidia-smi not found)';
    case 'no-gpu':
      return `NVIDIA driver sees no GPU${host.detail ? ` (${host.detail})` : ''}`;
    case 'driver-error':
      return `NVIDIA driver not working (${host.detail})`;
  }
}

function probeLine(probe: GpuProbeOutcome): string {
  switch (probe.state) {
    case 'skipped':
      return `not run: ${probe.reason}`;
    case 'ready':
      return `nvidia-smi -L in ${probe.image} listed ${probe.gpus.length} GPU${probe.gpus.length === 1 ? '' : 's'}`;
    case 'toolkit-missing':
      return `the engine refused the GPU (${probe.image}): no NVIDIA container toolkit`;
    case 'probe-failed':
      return `failed in ${probe.image || 'the test image'} (${probe.reason})`;
  }
}

/** "NVIDIA H100 80GB HBM3 (80 GB)", "4 × NVIDIA A100-SXM4-80GB (80 GB each)", "A (24 GB) and B (2 GB)". */
export function describeGpus(gpus: GpuDevice[]): string {
  if (gpus.length === 0) return 'none';
  const groups = new Map<string, GpuDevice[]>();
  for (const gpu of gpus) {
    const key = `${gpu.name}\u0000${gpu.memoryMiB ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), gpu]);
  }
  const parts = [...groups.values()].map((group) => {
    const first = group[0]!;
    const memory = first.memoryMiB !== null ? ` (${formatMiB(first.memoryMiB)}${group.length > 1 ? ' each' : ''})` : '';
    return `${group.length > 1 ? `${group.length} × ` : ''}${first.name}${memory}`;
  });
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** GPU memory as people say it: 81559 MiB -> "80 GB", 24576 -> "24 GB", 2048 -> "2 GB", 512 -> "512 MB". */
export function formatMiB(mib: number): string {
  if (mib < 1024) return `${Math.round(mib)} MB`;
  return `${Math.round(mib / 1024)} GB`;
}
