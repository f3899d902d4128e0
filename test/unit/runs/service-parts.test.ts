import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/api/runs';
import { gpuDeviceRequests, runContainerOptions } from '../../../src/engine/run-container';
import { completeUtf8Length, summarize } from '../../../src/runs/service';
import { RunStore } from '../../../src/runs/store';
import { tempDir } from '../../helpers/temp';
import { runRecord } from '../../reliability/fixtures/run-record';

describe('completeUtf8Length', () => {
  it('cuts before a character split at the end, and keeps complete ones', () => {
    const text = Buffer.from('ab€', 'utf8'); // € is 3 bytes
    expect(completeUtf8Length(text, text.length)).toBe(text.length);
    expect(completeUtf8Length(text, text.length - 1)).toBe(2);
    expect(completeUtf8Length(text, 3)).toBe(2);
    expect(completeUtf8Length(Buffer.from('abc'), 3)).toBe(3);
  });
});

describe('run containers', () => {
  it('ask for one GPU by device request, or none: AUCMEDI trains on one GPU', () => {
    expect(gpuDeviceRequests({ kind: 'none' })).toEqual([]);
    expect(gpuDeviceRequests({ kind: 'ids', ids: ['GPU-abc'] })).toEqual([{ Driver: 'nvidia', DeviceIDs: ['GPU-abc'], Capabilities: [['gpu']] }]);
    // Records of older versions: "all GPUs" gets one (the engine's pick), several ids the first.
    expect(gpuDeviceRequests({ kind: 'all' })).toEqual([{ Driver: 'nvidia', Count: 1, Capabilities: [['gpu']] }]);
    expect(gpuDeviceRequests({ kind: 'ids', ids: ['0', 'GPU-abc'] })).toEqual([{ Driver: 'nvidia', DeviceIDs: ['0'], Capabilities: [['gpu']] }]);
  });

  it('are hardened, labelled, not auto-removed, and run the AUCMEDI arguments as given', () => {
    const options = runContainerOptions({
      runId: 'run-1',
      mode: 'training',
      imageId: 'sha256:abc',
      args: ['training', '--epochs', '3'],
      binds: ['/d:/data/training:ro'],
      env: ['HOME=/tmp', 'KERAS_HOME=/keras', 'PYTHONUNBUFFERED=0'],
      tmpfs: { '/keras': 'rw' },
      gpus: { kind: 'none' },
      platform: 'win32',
    });
    expect(options).toMatchObject({
      Image: 'sha256:abc',
      Cmd: ['training', '--epochs', '3'],
      Labels: { 'org.aucmedi-desk.run-id': 'run-1', 'org.aucmedi-desk.mode': 'training' },
      HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], AutoRemove: false, Tmpfs: { '/keras': 'rw' }, Binds: ['/d:/data/training:ro'] },
    });
    expect(options.User).toBeUndefined(); // only Linux maps the host user
    // each variable once, the run's own value over the default (docker run -e keeps the last; the API keeps both)
    expect(options.Env).toEqual(['HOME=/tmp', 'PYTHONUNBUFFERED=0', 'KERAS_HOME=/keras']);
  });
});

describe('RunStore', () => {
  it('keeps one record per run, newest first, and survives a missing folder', () => {
    const store = new RunStore(`${tempDir()}/runs`);
    expect(store.list()).toEqual([]);
    const record = { ...runRecord('run-a', '/out/a', 1), createdAt: '2026-01-01T00:00:00Z' };
    store.save(record);
    store.save({ ...record, id: 'run-b', createdAt: '2026-01-02T00:00:00Z' });
    expect(store.list().map((r) => r.id)).toEqual(['run-b', 'run-a']);
    expect(() => store.get('../etc/passwd')).toThrow(/invalid run id/);
    store.delete('run-a');
    expect(store.get('run-a')).toBeNull();
  });

  it('summarizes a run with its last epoch and best val_loss', () => {
    const epochs = [1, 2, 3].map((epoch) => ({ epoch, model: 0, phase: 'frozen' as const, seconds: null, metrics: { val_loss: [0.5, 0.2, 0.3][epoch - 1]! } }));
    const summary = summarize({ id: 'r', mode: 'training', epochs, progress: null } as unknown as RunRecord);
    expect(summary.bestValLoss).toBe(0.2);
    expect(summary.lastEpoch?.epoch).toBe(3);
    expect('epochs' in summary).toBe(false);
  });
});
