import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyProbeError, gpuDeviceRequest, parseGpuList, probeGpusInContainer } from '../../../src/gpu/probe';
import { FIXTURES, fixture } from './fake-nvidia-smi';

const engineErrors: Record<string, { message: string; statusCode: number }> = JSON.parse(readFileSync(path.join(FIXTURES, 'engine-errors.json'), 'utf8'));

/** An error shaped as dockerode throws it for an engine refusal. */
function engineError(key: string): Error {
  const recorded = engineErrors[key]!;
  const label = recorded.statusCode === 500 ? 'server error' : 'unexpected';
  return Object.assign(new Error(`(HTTP code ${recorded.statusCode}) ${label} - ${recorded.message} `), {
    statusCode: recorded.statusCode,
    json: { message: recorded.message },
  });
}

/** Docker's multiplexed log frame (stream 1 = stdout, 2 = stderr). */
function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Just enough of dockerode for runOnce: one container that "ran" and printed `stdout`. */
function scriptedDocker(result: { exitCode: number; stdout?: string; stderr?: string } | { startError: Error }) {
  const created: Docker.ContainerCreateOptions[] = [];
  let removed = 0;
  const docker = {
    createContainer: async (options: Docker.ContainerCreateOptions) => {
      created.push(options);
      return {
        start: async () => {
          if ('startError' in result) throw result.startError;
        },
        wait: async () => ({ StatusCode: 'exitCode' in result ? result.exitCode : 0 }),
        logs: async () => ('exitCode' in result ? Buffer.concat([frame(1, result.stdout ?? ''), frame(2, result.stderr ?? '')]) : Buffer.alloc(0)),
        kill: async () => undefined,
        remove: async () => {
          removed += 1;
        },
      };
    },
  } as unknown as Docker;
  return { docker, created, removed: () => removed };
}

describe('the probe container', () => {
  it('runs nvidia-smi -L instead of the image\'s entrypoint, with a GPU device request and no network', async () => {
    const { docker, created, removed } = scriptedDocker({ exitCode: 0, stdout: fixture('list-h100.txt') });
    const result = await probeGpusInContainer(docker, { image: 'ghcr.io/frankkramer-lab/aucmedi:latest' });
    expect(result).toEqual({
      state: 'ready',
      image: 'ghcr.io/frankkramer-lab/aucmedi:latest',
      gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-9d3b6f0a-2c5e-4a71-b8d9-0e1f2a3b4c5d', mig: [] }],
    });
    expect(created[0]).toMatchObject({
      Image: 'ghcr.io/frankkramer-lab/aucmedi:latest',
      Entrypoint: ['nvidia-smi'],
      Cmd: ['-L'],
      HostConfig: {
        NetworkMode: 'none',
        CapDrop: ['ALL'],
        Privileged: false,
        DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }],
      },
    });
    expect(removed()).toBe(1);
  });

  it('asks for chosen GPUs by id', () => {
    expect(gpuDeviceRequest(['0', '2'])).toEqual({ Driver: 'nvidia', DeviceIDs: ['0', '2'], Capabilities: [['gpu']] });
    expect(gpuDeviceRequest()).toEqual({ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] });
  });

  it('lists MIG slices under their GPU', async () => {
    const { docker } = scriptedDocker({ exitCode: 0, stdout: fixture('list-a100-mig.txt') });
    const result = await probeGpusInContainer(docker, { image: 'img' });
    expect(result).toMatchObject({ state: 'ready', gpus: [{ index: 0, name: 'NVIDIA A100-SXM4-80GB' }] });
    expect(result.state === 'ready' && result.gpus[0]!.mig).toEqual([
      { profile: '1g.10gb', device: 0, uuid: 'MIG-feb88891-0321-5fef-9c87-d4af3b54259e' },
      { profile: '1g.10gb', device: 1, uuid: 'MIG-a25704ba-3a06-5299-a795-fd7cf4d13973' },
      { profile: '3g.40gb', device: 2, uuid: 'MIG-50f1c4c9-1508-5e8d-bb06-d08145b22e01' },
    ]);
  });

  it('says toolkit-missing for the engine\'s "could not select device driver" (recorded on Docker 20.10)', async () => {
    const { docker, removed } = scriptedDocker({ startError: engineError('toolkit-missing-nvidia-driver') });
    expect(await probeGpusInContainer(docker, { image: 'img' })).toEqual({
      state: 'toolkit-missing',
      image: 'img',
      detail: 'could not select device driver "nvidia" with capabilities: [[gpu]]',
    });
    expect(removed()).toBe(1);
    expect(classifyProbeError('img', engineError('toolkit-missing-empty-driver'))).toMatchObject({ state: 'toolkit-missing' });
    expect(classifyProbeError('img', engineError('toolkit-missing-cdi'))).toMatchObject({
      state: 'toolkit-missing',
      detail: 'failed to discover GPU vendor from CDI: no known GPU vendor found',
    });
  });

  it('says the image has no nvidia-smi when the runtime cannot find it', () => {
    expect(classifyProbeError('img', engineError('image-lacks-nvidia-smi'))).toEqual({
      state: 'probe-failed',
      image: 'img',
      reason: 'image-lacks-nvidia-smi',
      detail: engineErrors['image-lacks-nvidia-smi']!.message,
    });
  });

  it('says the image is missing, and gives the first line of any other failure', () => {
    const missing = Object.assign(new Error('(HTTP code 404) no such container - No such image: aucmedi:none '), { statusCode: 404, json: { message: 'No such image: aucmedi:none' } });
    expect(classifyProbeError('aucmedi:none', missing)).toMatchObject({ state: 'probe-failed', reason: 'image-missing', detail: 'No such image: aucmedi:none' });
    expect(classifyProbeError('img', new Error('the container did not finish within 60 s\nstack'))).toEqual({
      state: 'probe-failed',
      image: 'img',
      reason: 'error',
      detail: 'the container did not finish within 60 s',
    });
  });

  it('says probe-failed with nvidia-smi\'s line when it fails inside the container', async () => {
    const { docker } = scriptedDocker({ exitCode: 9, stdout: fixture('error-no-driver-communication.txt') });
    expect(await probeGpusInContainer(docker, { image: 'img' })).toEqual({
      state: 'probe-failed',
      image: 'img',
      reason: 'error',
      detail: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    });
    const empty = scriptedDocker({ exitCode: 0, stdout: '' });
    expect(await probeGpusInContainer(empty.docker, { image: 'img' })).toMatchObject({ state: 'probe-failed', reason: 'no-gpu-listed' });
  });

  it('parses nvidia-smi -L with CRLF and odd spacing', () => {
    expect(parseGpuList('GPU 0: NVIDIA RTX A5000 (UUID: GPU-6e0b8c1d-3f42-49a5-b7c6-d8e9f0a1b2c3)\r\nGPU 1:  Tesla T4  (UUID: GPU-1b2c)\r\n')).toEqual([
      { index: 0, name: 'NVIDIA RTX A5000', uuid: 'GPU-6e0b8c1d-3f42-49a5-b7c6-d8e9f0a1b2c3', mig: [] },
      { index: 1, name: 'Tesla T4', uuid: 'GPU-1b2c', mig: [] },
    ]);
  });
});
