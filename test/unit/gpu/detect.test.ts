import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CPU_FALLBACK_SENTENCE, detectGpus, type DetectGpuDeps } from '../../../src/gpu/detect';
import { engineGpuSupport } from '../../../src/gpu/engine-support';
import { describeGpus, formatGpuReport } from '../../../src/gpu/format';
import { queryHostGpus } from '../../../src/gpu/nvidia-smi';
import { parseGpuList } from '../../../src/gpu/probe';
import type { GpuProbeResult } from '../../../src/api/gpu';
import { tempDir } from '../../helpers/temp';
import { FakeNvidiaSmi, fixture } from './fake-nvidia-smi';

const root = tempDir('aucmedi-detect-');
let counter = 0;
const IMAGE = 'ghcr.io/frankkramer-lab/aucmedi:latest';
const NOW = () => new Date('2024-05-01T10:00:00Z');

const ENGINE_27 = engineGpuSupport({ ServerVersion: '27.3.1', OperatingSystem: 'Ubuntu 24.04 LTS', OSType: 'linux', Runtimes: { runc: {}, nvidia: {} } }, { Version: '27.3.1', ApiVersion: '1.47' });
const ENGINE_NO_TOOLKIT = engineGpuSupport({ ServerVersion: '20.10.24+dfsg1', OSType: 'linux', Runtimes: { runc: {} } }, { Version: '20.10.24+dfsg1', ApiVersion: '1.41' });
const ENGINE_OLD = engineGpuSupport({ ServerVersion: '18.09.1', OSType: 'linux', Runtimes: { runc: {} } }, { Version: '18.09.1', ApiVersion: '1.39' });
const ENGINE_DESKTOP = engineGpuSupport({ ServerVersion: '27.2.0', OperatingSystem: 'Docker Desktop', OSType: 'linux', Runtimes: { runc: {} } }, { Version: '27.2.0', ApiVersion: '1.47' });

const READY_H100: GpuProbeResult = { state: 'ready', image: IMAGE, gpus: parseGpuList(fixture('list-h100.txt')) };
const TOOLKIT_MISSING: GpuProbeResult = { state: 'toolkit-missing', image: IMAGE, detail: 'could not select device driver "nvidia" with capabilities: [[gpu]]' };

/** The real host detection against a fake nvidia-smi; the engine and probe are given as results. */
function deps(scenario: string | null, overrides: Partial<DetectGpuDeps> & { probeResult?: GpuProbeResult } = {}) {
  let env: NodeJS.ProcessEnv;
  if (scenario) {
    env = new FakeNvidiaSmi(path.join(root, `f${counter++}`)).scenario(scenario).env;
  } else {
    const empty = path.join(root, `empty${counter++}`);
    mkdirSync(empty, { recursive: true });
    env = { ...process.env, PATH: empty };
  }
  let probes = 0;
  const { probeResult, ...rest } = overrides;
  const result: DetectGpuDeps = {
    platform: 'linux',
    host: () => queryHostGpus({ env, platform: 'linux' }),
    engine: async () => ENGINE_27,
    probe: async () => {
      probes += 1;
      return probeResult ?? READY_H100;
    },
    now: NOW,
    ...rest,
  };
  return { deps: result, probes: () => probes };
}

describe('detectGpus: the verdict', () => {
  it('GPU_READY lists the GPUs the container sees, with the host\'s memory, driver and CUDA version', async () => {
    const { deps: d, probes } = deps('h100');
    const report = await detectGpus(d);
    expect(report).toMatchObject({
      ok: true,
      code: 'GPU_READY',
      message: 'AUCMEDI can train on the GPU: NVIDIA H100 80GB HBM3 (80 GB).',
      action: '',
      gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-9d3b6f0a-2c5e-4a71-b8d9-0e1f2a3b4c5d', memoryMiB: 81559 }],
      driverVersion: '550.54.15',
      cudaVersion: '12.4',
      checkedAt: '2024-05-01T10:00:00.000Z',
      probe: { state: 'ready' },
    });
    expect(probes()).toBe(1);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report); // plain JSON
  });

  it('GPU_READY with several GPUs says how many', async () => {
    const list = fixture('query-4x-a100-80gb.csv')
      .trim()
      .split('\n')
      .map((line) => {
        const [index, name, , , uuid] = line.split(', ');
        return `GPU ${index}: ${name} (UUID: ${uuid})`;
      })
      .join('\n');
    const { deps: d } = deps('a100x4', { probeResult: { state: 'ready', image: IMAGE, gpus: parseGpuList(list) } });
    const report = await detectGpus(d);
    expect(report.message).toBe('AUCMEDI can train on 4 GPUs: 4 × NVIDIA A100-SXM4-80GB (80 GB each).');
    expect(report.gpus.map((gpu) => gpu.memoryMiB)).toEqual([81920, 81920, 81920, 81920]);
  });

  it('GPU_TOOLKIT_MISSING on Linux says how to install the NVIDIA Container Toolkit', async () => {
    const { deps: d } = deps('rtx3090', { engine: async () => ENGINE_NO_TOOLKIT, probeResult: TOOLKIT_MISSING });
    const report = await detectGpus(d);
    expect(report).toMatchObject({ ok: false, code: 'GPU_TOOLKIT_MISSING', detail: TOOLKIT_MISSING.detail });
    expect(report.message).toContain('NVIDIA GeForce RTX 3090 (24 GB)');
    expect(report.message).toContain('NVIDIA Container Toolkit');
    expect(report.message).toContain(CPU_FALLBACK_SENTENCE);
    expect(report.action).toContain('nvidia-ctk runtime configure --runtime=docker');
    expect(report.action).toContain('restart Docker');
    expect(report.gpus).toHaveLength(1);
  });

  it('GPU_TOOLKIT_MISSING with Docker Desktop on Windows points at WSL 2 and the NVIDIA driver', async () => {
    const { deps: d } = deps('windows-crlf', { platform: 'win32', engine: async () => ENGINE_DESKTOP, probeResult: TOOLKIT_MISSING });
    const report = await detectGpus(d);
    expect(report.code).toBe('GPU_TOOLKIT_MISSING');
    expect(report.action).toMatch(/WSL 2/);
    expect(report.action).toMatch(/NVIDIA driver/);
    expect(report.action).not.toMatch(/nvidia-ctk/);
  });

  it('GPU_NONE without a driver says plainly that training runs on the CPU, 10-50x slower, and runs no probe', async () => {
    const { deps: d, probes } = deps(null);
    const report = await detectGpus(d);
    expect(report).toMatchObject({
      ok: false,
      code: 'GPU_NONE',
      host: { state: 'no-driver' },
      probe: { state: 'skipped' },
      gpus: [],
      detail: 'nvidia-smi was not found: no NVIDIA driver is installed.',
    });
    expect(report.message).toMatch(/training runs on the CPU: roughly 10 to 50 times slower/);
    expect(probes()).toBe(0);
  });

  it('GPU_NONE when the driver sees no GPU, with nvidia-smi\'s line', async () => {
    const { deps: d, probes } = deps('no-devices');
    const report = await detectGpus(d);
    expect(report).toMatchObject({ code: 'GPU_NONE', detail: 'The NVIDIA driver sees no GPU (nvidia-smi: No devices were found).' });
    expect(probes()).toBe(0);
  });

  it('a forced probe can still find GPUs the host cannot see (a remote engine)', async () => {
    const { deps: d, probes } = deps(null, { forceProbe: true });
    const report = await detectGpus(d);
    expect(report).toMatchObject({ code: 'GPU_READY', gpus: [{ name: 'NVIDIA H100 80GB HBM3', memoryMiB: null }] });
    expect(probes()).toBe(1);
    const { deps: d2 } = deps(null, { forceProbe: true, probeResult: TOOLKIT_MISSING });
    const none = await detectGpus(d2);
    expect(none.code).toBe('GPU_NONE');
    expect(none.detail).toContain('The test container said: could not select device driver');
  });

  it('GPU_DRIVER_ERROR shows nvidia-smi\'s line, and for a version mismatch says to restart', async () => {
    const { deps: d, probes } = deps('version-mismatch');
    const report = await detectGpus(d);
    expect(report).toMatchObject({ code: 'GPU_DRIVER_ERROR', detail: 'Failed to initialize NVML: Driver/library version mismatch (NVML library version: 535.161)' });
    expect(report.action).toMatch(/^Restart the computer: the NVIDIA driver was updated/);
    expect(report.message).toContain(CPU_FALLBACK_SENTENCE);
    expect(probes()).toBe(0);
    const { deps: d2 } = deps('no-driver-communication');
    expect(await detectGpus(d2)).toMatchObject({ code: 'GPU_DRIVER_ERROR', detail: expect.stringContaining("couldn't communicate with the NVIDIA driver") });
  });

  it('GPU_ENGINE_TOO_OLD when the engine cannot take device requests; no probe', async () => {
    const { deps: d, probes } = deps('rtx3090', { engine: async () => ENGINE_OLD });
    const report = await detectGpus(d);
    expect(report).toMatchObject({ code: 'GPU_ENGINE_TOO_OLD', probe: { state: 'skipped' } });
    expect(report.message).toContain('API 1.39');
    expect(probes()).toBe(0);
  });

  it('GPU_ENGINE_UNAVAILABLE when Docker does not answer', async () => {
    const { deps: d, probes } = deps('rtx3090', {
      engine: async () => {
        throw Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
      },
    });
    const report = await detectGpus(d);
    expect(report).toMatchObject({ code: 'GPU_ENGINE_UNAVAILABLE', engine: null, detail: 'connect ENOENT /var/run/docker.sock' });
    expect(probes()).toBe(0);
  });

  it('GPU_PROBE_FAILED says why: no nvidia-smi in the image, a missing image, another error, no image yet', async () => {
    const lacks = await detectGpus(
      deps('h100', { probeResult: { state: 'probe-failed', image: IMAGE, reason: 'image-lacks-nvidia-smi', detail: 'exec: "nvidia-smi": executable file not found in $PATH: unknown' } }).deps,
    );
    expect(lacks).toMatchObject({ code: 'GPU_PROBE_FAILED', detail: expect.stringContaining('executable file not found') });
    expect(lacks.message).toContain(`the image ${IMAGE} has no nvidia-smi`);

    const missing = await detectGpus(deps('h100', { probeResult: { state: 'probe-failed', image: IMAGE, reason: 'image-missing', detail: `No such image: ${IMAGE}` } }).deps);
    expect(missing.message).toContain('is not loaded in Docker');

    const other = await detectGpus(deps('h100', { probeResult: { state: 'probe-failed', image: IMAGE, reason: 'error', detail: 'the container did not finish within 60 s' } }).deps);
    expect(other.message).toContain('the GPU test in a container failed: the container did not finish within 60 s.');

    const noImage = await detectGpus(deps('h100', { probe: null }).deps);
    expect(noImage).toMatchObject({ code: 'GPU_PROBE_FAILED', probe: { state: 'skipped', reason: 'there is no image to run the GPU test in yet' } });

    const throwing = await detectGpus(
      deps('h100', {
        probe: async () => {
          throw new Error('socket hang up');
        },
      }).deps,
    );
    expect(throwing).toMatchObject({ code: 'GPU_PROBE_FAILED', detail: 'socket hang up' });
  });
});

describe('formatting', () => {
  it('describes GPUs the way people say them', () => {
    expect(describeGpus([])).toBe('none');
    expect(
      describeGpus([
        { index: 0, name: 'NVIDIA RTX A5000', uuid: null, memoryMiB: 24564 },
        { index: 1, name: 'NVIDIA T400', uuid: null, memoryMiB: 2048 },
        { index: 2, name: 'NVIDIA GB10', uuid: null, memoryMiB: null },
      ]),
    ).toBe('NVIDIA RTX A5000 (24 GB), NVIDIA T400 (2 GB) and NVIDIA GB10');
  });

  it('prints a ready report for `aucmedi-desk gpu`', async () => {
    const report = await detectGpus(deps('h100').deps);
    expect(formatGpuReport(report)).toBe(
      [
        'GPU: READY',
        '  AUCMEDI can train on the GPU: NVIDIA H100 80GB HBM3 (80 GB).',
        '  GPUs for training:',
        '    0: NVIDIA H100 80GB HBM3, 80 GB (81559 MiB), GPU-9d3b6f0a-2c5e-4a71-b8d9-0e1f2a3b4c5d',
        '  Driver:     NVIDIA 550.54.15, CUDA 12.4, 1 GPU',
        '  Engine:     Docker 27.3.1 (API 1.47), device requests supported',
        '  Runtimes:   nvidia, runc, no CDI',
        `  Test:       nvidia-smi -L in ${IMAGE} listed 1 GPU`,
      ].join('\n'),
    );
  });

  it('prints the CPU sentence, the action and the details when there is no GPU', async () => {
    const report = await detectGpus(deps(null, { engine: async () => ENGINE_NO_TOOLKIT }).deps);
    const text = formatGpuReport(report);
    expect(text.split('\n')[0]).toBe('GPU: GPU_NONE');
    expect(text).toContain('training runs on the CPU: roughly 10 to 50 times slower');
    expect(text).toContain('  What to do: You can still train and predict.');
    expect(text).toContain('  Driver:     no NVIDIA driver (nvidia-smi not found)');
    expect(text).toContain('  Runtimes:   runc (no nvidia runtime), no CDI');
    expect(text).toContain('  Test:       not run: the host shows no usable NVIDIA GPU');
    expect(text).toContain('  Details:    nvidia-smi was not found');
  });

  it('prints MIG slices and an engine that did not answer', async () => {
    const mig: GpuProbeResult = { state: 'ready', image: IMAGE, gpus: parseGpuList(fixture('list-a100-mig.txt')) };
    const text = formatGpuReport(await detectGpus(deps('a100-mig', { probeResult: mig }).deps));
    expect(text).toContain('split into 3 MIG slices');
    expect(text).toContain('      GPU 0 MIG 3g.40gb device 2: MIG-50f1c4c9-1508-5e8d-bb06-d08145b22e01');
    const down = formatGpuReport(
      await detectGpus(
        deps('rtx3090', {
          engine: async () => {
            throw new Error('connect ECONNREFUSED');
          },
        }).deps,
      ),
    );
    expect(down).toContain('GPU: GPU_ENGINE_UNAVAILABLE');
    expect(down).toContain('  Engine:     did not answer');
  });
});
