import { describe, expect, it } from 'vitest';
import { engineGpuSupport } from '../../../src/gpu/engine-support';
import { MODERN_INFO, MODERN_VERSION } from '../../helpers/fake-engine';

// `docker info` / `docker version` as engines send them (only the fields that matter here, plus some noise).
const DEBIAN_20_10_INFO = {
  ServerVersion: '20.10.24+dfsg1',
  OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
  OSType: 'linux',
  Runtimes: { 'io.containerd.runc.v2': { path: 'runc' }, 'io.containerd.runtime.v1.linux': { path: 'runc' }, runc: { path: 'runc' } },
  DefaultRuntime: 'runc',
  NCPU: 16,
};
const DEBIAN_20_10_VERSION = { Version: '20.10.24+dfsg1', ApiVersion: '1.41', MinAPIVersion: '1.12' };

describe('engineGpuSupport (docker info + docker version)', () => {
  it('Debian docker.io 20.10: device requests yes, no nvidia runtime, no CDI', () => {
    expect(engineGpuSupport(DEBIAN_20_10_INFO, DEBIAN_20_10_VERSION)).toEqual({
      engineVersion: '20.10.24+dfsg1',
      apiVersion: '1.41',
      deviceRequests: true,
      runtimes: ['io.containerd.runc.v2', 'io.containerd.runtime.v1.linux', 'runc'],
      defaultRuntime: 'runc',
      nvidiaRuntime: false,
      cdiSpecDirs: [],
      cdi: false,
      dockerDesktop: false,
      osType: 'linux',
    });
  });

  it('sees the nvidia runtime that `nvidia-ctk runtime configure --runtime=docker` registers', () => {
    const support = engineGpuSupport(MODERN_INFO, MODERN_VERSION);
    expect(support).toMatchObject({ nvidiaRuntime: true, deviceRequests: true, runtimes: ['nvidia', 'runc'], cdi: false });
  });

  it('sees CDI from API 1.44 on, when spec directories are configured', () => {
    const info = { ...DEBIAN_20_10_INFO, ServerVersion: '28.3.3', CDISpecDirs: ['/etc/cdi', '/var/run/cdi'] };
    expect(engineGpuSupport(info, { Version: '28.3.3', ApiVersion: '1.51' })).toMatchObject({ cdi: true, cdiSpecDirs: ['/etc/cdi', '/var/run/cdi'] });
    expect(engineGpuSupport({ ...info, CDISpecDirs: [] }, { Version: '28.3.3', ApiVersion: '1.51' })).toMatchObject({ cdi: false, cdiSpecDirs: [] });
    // Below 1.44 the field means nothing (and older engines do not send it).
    expect(engineGpuSupport(info, { Version: '24.0.7', ApiVersion: '1.43' })).toMatchObject({ cdi: false, cdiSpecDirs: [] });
  });

  it('says an engine older than API 1.40 cannot take device requests', () => {
    expect(engineGpuSupport(DEBIAN_20_10_INFO, { Version: '18.09.1', ApiVersion: '1.39' })).toMatchObject({ deviceRequests: false, apiVersion: '1.39' });
    expect(engineGpuSupport({}, {})).toMatchObject({ deviceRequests: false, apiVersion: 'unknown', engineVersion: 'unknown', runtimes: [], defaultRuntime: null });
  });

  it('recognises Docker Desktop (GPUs through WSL 2, no nvidia runtime listed)', () => {
    const info = { ServerVersion: '27.2.0', OperatingSystem: 'Docker Desktop', OSType: 'linux', Runtimes: { runc: {}, 'io.containerd.runc.v2': {} } };
    expect(engineGpuSupport(info, { Version: '27.2.0', ApiVersion: '1.47' })).toMatchObject({ dockerDesktop: true, nvidiaRuntime: false, deviceRequests: true });
  });
});
