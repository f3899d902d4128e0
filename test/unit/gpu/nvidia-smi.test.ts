import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  nvidiaSmiCandidates,
  parseBanner,
  parseHostQuery,
  queryHostGpus,
  runNvidiaSmi,
} from '../../../src/gpu/nvidia-smi';
import { tempDir } from '../../helpers/temp';
import { FakeNvidiaSmi, fixture } from './fake-nvidia-smi';

const root = tempDir('aucmedi-nvsmi-');
let counter = 0;
const fakes: FakeNvidiaSmi[] = [];
function fake(): FakeNvidiaSmi {
  const instance = new FakeNvidiaSmi(path.join(root, `f${counter++}`));
  fakes.push(instance);
  return instance;
}
afterEach(() => {
  while (fakes.length) fakes.pop()!.killOrphan();
});

describe('queryHostGpus against a fake nvidia-smi printing recorded outputs', () => {
  it('reads one GPU with its driver and the CUDA version from the banner', async () => {
    const smi = fake().scenario('rtx3090');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toEqual({
      state: 'ok',
      gpus: [
        {
          index: 0,
          name: 'NVIDIA GeForce RTX 3090',
          memoryMiB: 24576,
          driverVersion: '535.154.05',
          cudaVersion: '12.2',
          uuid: 'GPU-5a1f3c2e-8d4b-4f6a-9c1e-2b7d8e9f0a13',
        },
      ],
    });
    expect(smi.calls()).toEqual(['start query', 'end query', 'start banner', 'end banner']);
  });

  it('reads several GPUs (4x A100 80GB)', async () => {
    const smi = fake().scenario('a100x4');
    const state = await queryHostGpus({ env: smi.env, platform: 'linux' });
    if (state.state !== 'ok') throw new Error(JSON.stringify(state));
    expect(state.gpus.map((gpu) => gpu.index)).toEqual([0, 1, 2, 3]);
    expect(new Set(state.gpus.map((gpu) => gpu.name))).toEqual(new Set(['NVIDIA A100-SXM4-80GB']));
    expect(state.gpus.every((gpu) => gpu.memoryMiB === 81920 && gpu.driverVersion === '535.104.05' && gpu.cudaVersion === '12.2')).toBe(true);
    expect(new Set(state.gpus.map((gpu) => gpu.uuid)).size).toBe(4);
  });

  it('reads an H100 with a CUDA 12.x banner', async () => {
    const smi = fake().scenario('h100');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toMatchObject({
      state: 'ok',
      gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559, driverVersion: '550.54.15', cudaVersion: '12.4' }],
    });
  });

  it('reads the R610+ banner, where "CUDA UMD Version" replaced "CUDA Version"', async () => {
    const smi = fake().scenario('b200-r610');
    const state = await queryHostGpus({ env: smi.env, platform: 'linux' });
    expect(state).toMatchObject({ state: 'ok', gpus: [{ cudaVersion: '13.3', memoryMiB: 183359 }, { index: 1, cudaVersion: '13.3' }] });
  });

  it('takes [N/A] memory as unknown, not as an error', async () => {
    const smi = fake().scenario('gb10-na');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toMatchObject({
      state: 'ok',
      gpus: [{ name: 'NVIDIA GB10', memoryMiB: null, driverVersion: '580.126.09', cudaVersion: '13.0' }],
    });
  });

  it('reads Windows output with CRLF line ends', async () => {
    const smi = fake().scenario('windows-crlf');
    expect(fixture('query-windows-crlf.csv')).toContain('\r\n');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toEqual({
      state: 'ok',
      gpus: [
        {
          index: 0,
          name: 'NVIDIA RTX A5000',
          memoryMiB: 24564,
          driverVersion: '546.12',
          cudaVersion: '12.3',
          uuid: 'GPU-6e0b8c1d-3f42-49a5-b7c6-d8e9f0a1b2c3',
        },
      ],
    });
  });

  it('takes odd whitespace, blank lines and a warning line before the rows', async () => {
    const smi = fake().scenario('odd-whitespace');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toMatchObject({
      state: 'ok',
      gpus: [
        { index: 0, name: 'Tesla T4', memoryMiB: 15360, driverVersion: '470.256.02', uuid: 'GPU-0a1b2c3d-4e5f-6789-abcd-ef0123456789' },
        { index: 1, name: 'Tesla T4', memoryMiB: 15360, driverVersion: '470.256.02', uuid: 'GPU-1b2c3d4e-5f60-789a-bcde-f01234567890' },
      ],
    });
  });

  it('says driver-error with nvidia-smi\'s own line when it cannot talk to the driver (exit 9)', async () => {
    const smi = fake().scenario('no-driver-communication');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toEqual({
      state: 'driver-error',
      detail: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    });
    expect(smi.calls()).toEqual(['start query', 'end query']);
  });

  it('says driver-error for a driver/library version mismatch (exit 18), with the library version', async () => {
    const smi = fake().scenario('version-mismatch');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toEqual({
      state: 'driver-error',
      detail: 'Failed to initialize NVML: Driver/library version mismatch (NVML library version: 535.161)',
    });
  });

  it('says no-gpu for "No devices were found" (exit 6)', async () => {
    const smi = fake().scenario('no-devices');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toEqual({ state: 'no-gpu', detail: 'No devices were found' });
  });

  it('says no-gpu for "No supported GPUs were found" (exit 255)', async () => {
    const smi = fake().scenario('no-supported-gpus');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toEqual({
      state: 'no-gpu',
      detail: 'Failed to initialize NVML: No supported GPUs were found',
    });
  });

  it('says no-gpu when nvidia-smi exits 0 and lists nothing', async () => {
    const smi = fake().answerText('all', '', 0);
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toEqual({ state: 'no-gpu', detail: 'nvidia-smi listed no GPU' });
  });

  it('says driver-error with the first line for an unknown failure', async () => {
    const smi = fake().answerText('all', '\nUnable to query: something new went wrong\nmore\n', 3);
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toEqual({ state: 'driver-error', detail: 'Unable to query: something new went wrong' });
  });

  it('says no-driver when nvidia-smi is nowhere on PATH', async () => {
    const empty = path.join(root, 'empty-bin');
    mkdirSync(empty, { recursive: true });
    expect(await queryHostGpus({ env: { ...process.env, PATH: empty }, platform: 'linux' })).toEqual({ state: 'no-driver' });
  });

  it('says driver-error when nvidia-smi is there but cannot be run', async () => {
    const dir = path.join(root, 'not-executable');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'nvidia-smi'), '#!/bin/sh\necho hi\n');
    chmodSync(path.join(dir, 'nvidia-smi'), 0o644);
    const state = await queryHostGpus({ env: { ...process.env, PATH: dir }, platform: 'linux' });
    expect(state).toMatchObject({ state: 'driver-error' });
    expect(state.state === 'driver-error' && state.detail).toMatch(/^nvidia-smi could not be run: .*EACCES/);
  });

  it('stops a hanging nvidia-smi after the time limit and says the driver may be hung', async () => {
    const smi = fake().hang('query');
    const started = Date.now();
    const state = await queryHostGpus({ env: smi.env, platform: 'linux', timeoutMs: 400 });
    const elapsed = Date.now() - started;
    expect(state).toEqual({ state: 'driver-error', detail: 'nvidia-smi did not answer within 0.4 s and was stopped; the NVIDIA driver may be hung' });
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(3000);
  });

  it('does not wait for a hung nvidia-smi whose child keeps its output open', async () => {
    const smi = fake().hang('query', true);
    const started = Date.now();
    const state = await queryHostGpus({ env: smi.env, platform: 'linux', timeoutMs: 1000 });
    expect(state).toEqual({ state: 'driver-error', detail: 'nvidia-smi did not answer within 1 s and was stopped; the NVIDIA driver may be hung' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps the GPUs and leaves the CUDA version unknown when only the banner fails', async () => {
    const smi = fake().answer('query', 'query-h100.csv').answer('banner', 'error-no-driver-communication.txt');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toMatchObject({
      state: 'ok',
      gpus: [{ name: 'NVIDIA H100 80GB HBM3', driverVersion: '550.54.15', cudaVersion: null }],
    });
  });

  it('asks again without driver_version when a driver no longer takes that field, and reads the driver from the banner', async () => {
    const smi = fake()
      .answerText('query', 'Field "driver_version" is not a valid field to query.\n\n', 2)
      .answerText('query-nodriver', '0, NVIDIA B200, 183359, GPU-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901\n', 0)
      .answer('banner', 'banner-2x-b200-r610.txt');
    expect(await queryHostGpus({ env: smi.env, platform: 'linux' })).toEqual({
      state: 'ok',
      gpus: [{ index: 0, name: 'NVIDIA B200', memoryMiB: 183359, driverVersion: '610.43.02', cudaVersion: '13.3', uuid: 'GPU-1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901' }],
    });
    expect(smi.calls().filter((line) => line.startsWith('start'))).toEqual(['start query', 'start query-nodriver', 'start banner']);
  });

  it('runs nvidia-smi with the exact query arguments', async () => {
    const smi = fake().answer('query', 'query-h100.csv');
    const run = await runNvidiaSmi(['--query-gpu=index,name,memory.total,driver_version,uuid', '--format=csv,noheader,nounits'], { env: smi.env, platform: 'linux' });
    expect(run).toMatchObject({ kind: 'exited', exitCode: 0, command: 'nvidia-smi' });
  });
});

describe('parsing', () => {
  it('reads driver and CUDA versions from every recorded banner', () => {
    expect(parseBanner(fixture('banner-1gpu-rtx3090.txt'))).toEqual({ driverVersion: '535.154.05', cudaVersion: '12.2' });
    expect(parseBanner(fixture('banner-4x-a100-80gb.txt'))).toEqual({ driverVersion: '535.104.05', cudaVersion: '12.2' });
    expect(parseBanner(fixture('banner-h100-cuda12.txt'))).toEqual({ driverVersion: '550.54.15', cudaVersion: '12.4' });
    expect(parseBanner(fixture('banner-2x-b200-r610.txt'))).toEqual({ driverVersion: '610.43.02', cudaVersion: '13.3' });
    expect(parseBanner(fixture('banner-gb10-na-memory.txt'))).toEqual({ driverVersion: '580.126.09', cudaVersion: '13.0' });
    expect(parseBanner(fixture('banner-windows-crlf.txt'))).toEqual({ driverVersion: '546.12', cudaVersion: '12.3' });
    expect(parseBanner('Driver Version                            : 450.66\nCUDA Version                              : 11.0\n')).toEqual({
      driverVersion: '450.66',
      cudaVersion: '11.0',
    });
    expect(parseBanner('| NVIDIA-SMI 545.23.06   Driver Version: 545.23.06   CUDA Version: N/A |')).toEqual({ driverVersion: '545.23.06', cudaVersion: null });
  });

  it('keeps a comma inside a GPU name', () => {
    expect(parseHostQuery('0, NVIDIA Graphics Device, rev 2, 16384, 550.54.15, GPU-abc\n')).toEqual([
      { index: 0, name: 'NVIDIA Graphics Device, rev 2', memoryMiB: 16384, driverVersion: '550.54.15', uuid: 'GPU-abc' },
    ]);
  });

  it('looks for nvidia-smi on PATH, and on Windows also where NVIDIA installs it', () => {
    expect(nvidiaSmiCandidates('linux', {})).toEqual(['nvidia-smi']);
    expect(nvidiaSmiCandidates('darwin', {})).toEqual(['nvidia-smi']);
    expect(nvidiaSmiCandidates('win32', { SystemRoot: 'C:\\Windows', ProgramFiles: 'C:\\Program Files' })).toEqual([
      'nvidia-smi',
      'C:\\Windows\\System32\\nvidia-smi.exe',
      'C:\\Program Files\\NVIDIA Corporation\\NVSMI\\nvidia-smi.exe',
    ]);
    expect(nvidiaSmiCandidates('win32', { SystemRoot: 'D:\\WINNT' })).toEqual([
      'nvidia-smi',
      'D:\\WINNT\\System32\\nvidia-smi.exe',
      'C:\\Windows\\System32\\nvidia-smi.exe',
      'C:\\Program Files\\NVIDIA Corporation\\NVSMI\\nvidia-smi.exe',
    ]);
  });
});
