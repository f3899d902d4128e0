import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../src/engine/client';
import { APP_LABEL, PURPOSE_LABEL, runOnce } from '../../src/engine/containers';
import { candidateEndpoints, chooseEndpoint } from '../../src/engine/endpoint';
import { detectGpus, gpuDetectionDeps } from '../../src/gpu/detect';
import { readEngineGpuSupport } from '../../src/gpu/engine-support';
import { formatGpuReport } from '../../src/gpu/format';
import { classifyProbeError, PROBE_PURPOSE, probeGpusInContainer } from '../../src/gpu/probe';
import type { EngineGpuSupport } from '../../src/api/gpu';
import { requireEngine } from '../helpers/requirements';

const hasEngine = requireEngine();

/** Whether a program is on this machine's PATH (looked up by hand: no shell). */
function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, program)));
}
const HOST_HAS_NVIDIA_SMI = onPath('nvidia-smi');
// Docker registers its "nvidia" device driver when it finds this hook (the NVIDIA container toolkit).
const HOST_HAS_TOOLKIT = onPath('nvidia-container-runtime-hook') || onPath('nvidia-ctk');

/** A one-file tar archive (ustar), enough for `docker import`: an image with no program in it at all. */
function oneFileTar(name: string, content: string): Buffer {
  const body = Buffer.from(content, 'utf8');
  const header = Buffer.alloc(512);
  const put = (text: string, offset: number, length: number) => header.write(text, offset, length, 'ascii');
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0') + '\0';
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(body.length, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  put('        ', 148, 8);
  put('0', 156, 1);
  put('ustar\u000000', 257, 8);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(octal(sum, 7) + ' ', 148, 8);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, padding, Buffer.alloc(1024)]);
}

describe.runIf(hasEngine)('GPU detection against the real Docker engine', () => {
  const tag = `aucmedi-desk-gpu-test:${process.pid}-${Date.now()}`;
  let docker: Docker;
  let support: EngineGpuSupport;

  beforeAll(async () => {
    const endpoint = await chooseEndpoint(candidateEndpoints(null, { env: process.env, platform: process.platform, homedir: os.homedir() }));
    docker = createDockerClient(endpoint);
    // A tiny image: one static file, no nvidia-smi, no shell. The GPU device request is refused before
    // any program would start, so it serves the probe as well as any image.
    const stream = (await docker.importImage(Readable.from(oneFileTar('probe.txt', 'aucmedi-desk GPU probe test image\n')), {
      repo: tag.split(':')[0],
      tag: tag.split(':')[1],
    })) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())));
    support = await readEngineGpuSupport(docker);
  });

  afterAll(async () => {
    if (!docker) return;
    await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
  });

  it('reads the engine\'s GPU support: device requests yes, and the runtimes the docker CLI lists', async () => {
    expect(support.deviceRequests).toBe(true); // Debian docker.io 20.10 speaks API 1.41
    expect(support.runtimes).toContain('runc');
    expect(support.nvidiaRuntime).toBe(support.runtimes.includes('nvidia'));
    if (!HOST_HAS_TOOLKIT) {
      expect(support.nvidiaRuntime).toBe(false);
      expect(support.cdi).toBe(false);
    }
  });

  it.runIf(!HOST_HAS_TOOLKIT)('classifies the engine\'s refusal of a GPU device request as toolkit-missing', async () => {
    const result = await probeGpusInContainer(docker, { image: tag });
    expect(result).toEqual({
      state: 'toolkit-missing',
      image: tag,
      detail: 'could not select device driver "nvidia" with capabilities: [[gpu]]',
    });
    console.info(`engine said, for the GPU device request: ${result.state === 'toolkit-missing' ? result.detail : ''}`);
  });

  it('classifies the engine\'s real "executable file not found" for an image without nvidia-smi', async () => {
    const error = await runOnce(docker, { image: tag, entrypoint: ['nvidia-smi'], cmd: ['-L'], purpose: PROBE_PURPOSE, timeoutMs: 30_000 }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).not.toBeNull();
    const result = classifyProbeError(tag, error);
    expect(result).toMatchObject({ state: 'probe-failed', reason: 'image-lacks-nvidia-smi' });
    expect(result.state === 'probe-failed' && result.detail).toMatch(/"nvidia-smi": executable file not found/);
  });

  it('classifies a missing image as image-missing', async () => {
    const result = await probeGpusInContainer(docker, { image: `${tag}-absent` });
    expect(result).toMatchObject({ state: 'probe-failed', reason: 'image-missing' });
    expect(result.state === 'probe-failed' && result.detail).toMatch(/No such image/);
  });

  it.runIf(!HOST_HAS_NVIDIA_SMI)('detectGpus on this machine (no nvidia-smi): GPU_NONE, training on the CPU', async () => {
    const report = await detectGpus(gpuDetectionDeps(docker, { image: tag }));
    expect(report).toMatchObject({ ok: false, code: 'GPU_NONE', host: { state: 'no-driver' }, probe: { state: 'skipped' }, gpus: [] });
    expect(report.message).toContain('training runs on the CPU: roughly 10 to 50 times slower');
    expect(report.engine?.deviceRequests).toBe(true);
    console.info(formatGpuReport(report));
  });

  it.runIf(!HOST_HAS_NVIDIA_SMI && !HOST_HAS_TOOLKIT)('a forced probe here still ends in GPU_NONE, with the engine\'s words', async () => {
    const report = await detectGpus(gpuDetectionDeps(docker, { image: tag, forceProbe: true }));
    expect(report).toMatchObject({ code: 'GPU_NONE', probe: { state: 'toolkit-missing' } });
    expect(report.detail).toContain('could not select device driver "nvidia" with capabilities: [[gpu]]');
  });

  it('leaves no probe container behind', async () => {
    const left = await docker.listContainers({ all: true, filters: { label: [`${APP_LABEL}`, `${PURPOSE_LABEL}=${PROBE_PURPOSE}`] } });
    expect(left).toEqual([]);
  });
});
