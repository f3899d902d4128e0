/**
 * Where a run goes, in the window's store (renderer/src/store/placement.ts and the start functions
 * that use it): the engine chosen on the Train, Predict and Evaluate pages, its GPUs, and the
 * data-protection question of a server that cannot see this computer's files. The store talks to
 * the core only through `window.aucmedi`; here a scripted bridge answers as the core's contract says.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AucmediBridge, Channel, GpuReport, Response, UserError } from '../../../src/api';
import type { RunRecord, StagingProgress, TrainingRequest } from '../../../src/api/runs';
import { UPLOAD_CONSENT_CODE } from '../../../src/api/runs';

type Store = typeof import('../../../renderer/src/store')['useAppStore'];
let useAppStore: Store;
let placement: typeof import('../../../renderer/src/store/placement');

/** What the scripted core was asked, and how it answers each channel (the latest script wins). */
let calls: { channel: Channel; request: unknown }[] = [];
let answer: (channel: Channel, request: unknown) => Promise<Response<unknown>>;

beforeAll(async () => {
  // The window's store reads the language at import (i18n.ts): a browser-like global is enough.
  vi.stubGlobal('document', { documentElement: { lang: '' } });
  vi.stubGlobal('navigator', { language: 'en-US' });
  const bridge: AucmediBridge = {
    invoke: ((channel: Channel, request: unknown) => {
      calls.push({ channel, request });
      return answer(channel, request);
    }) as AucmediBridge['invoke'],
    onEvent: () => () => undefined,
    pathForFile: () => '',
  };
  vi.stubGlobal('window', { aucmedi: bridge });
  ({ useAppStore } = await import('../../../renderer/src/store'));
  placement = await import('../../../renderer/src/store/placement');
});
afterEach(() => vi.useRealTimers());

const initial = () => useAppStore.getInitialState();
beforeEach(() => {
  useAppStore.setState(initial(), true);
  calls = [];
  answer = async () => ({ ok: false, error: userError('INTERNAL', 'not scripted') });
});

function userError(code: string, message: string, action = ''): UserError {
  return { code, message, action } as UserError;
}
const gpuReport = (name: string): GpuReport => ({ ok: true, code: 'GPU_OK', message: `${name} has GPUs`, action: '', gpus: [{ index: 0, name, memoryMiB: 81920 }] }) as unknown as GpuReport;
const request: TrainingRequest = {
  dataset: { path: '/data/lesions', gtFile: null, ohe: false },
  options: { analysis: 'standard', architectures: ['Vanilla'], epochs: 20, batchSize: 8, workers: 1, threeDim: false },
  gpus: { kind: 'none' },
  outputDir: null,
};
const record = { id: 'run-1', mode: 'training', state: 'preparing' } as unknown as RunRecord;
const consentQuestion = userError(UPLOAD_CONSENT_CODE, 'The images of /data/lesions will be copied to 10.0.0.5 and kept there while the run lasts.', 'Upload and run copies them.');

describe('the engine runs go to', () => {
  it("uses the renderer's own copy of the consent code, the same as the contract's", () => {
    expect(placement.UPLOAD_CONSENT).toBe(UPLOAD_CONSENT_CODE);
  });

  it("asks this computer's GPUs exactly as before, and a server's by its name", async () => {
    answer = async (channel, req) => ({ ok: true, data: gpuReport((req as { engine?: string }).engine ?? 'local') });
    await useAppStore.getState().detectGpus();
    expect(calls).toEqual([{ channel: 'gpu:detect', request: {} }]);
    useAppStore.getState().chooseRunEngine('gpu-tls');
    await vi.waitFor(() => expect(useAppStore.getState().gpuChecking).toBe(false));
    expect(calls[1]).toEqual({ channel: 'gpu:detect', request: { engine: 'gpu-tls' } });
    expect(useAppStore.getState().gpuReport?.gpus[0]?.name).toBe('gpu-tls');
  });

  it('drops the GPU choices of the engine left, and the report, until the new one answers', async () => {
    let release!: () => void;
    answer = () => new Promise((resolve) => (release = () => resolve({ ok: true, data: gpuReport('server') })));
    useAppStore.setState({ gpuReport: gpuReport('local'), trainDraft: { gpus: { kind: 'ids', ids: ['1'] } } as never, predictDraft: { gpus: { kind: 'ids', ids: ['1'] } } as never });
    useAppStore.getState().chooseRunEngine('gpu-tls');
    const state = useAppStore.getState();
    expect(state.runEngine).toBe('gpu-tls');
    expect(state.gpuReport).toBeNull();
    expect(state.gpuChecking).toBe(true);
    expect(state.trainDraft?.gpus).toBeNull();
    expect(state.predictDraft?.gpus).toBeNull();
    release();
    await vi.waitFor(() => expect(useAppStore.getState().gpuReport?.gpus[0]?.name).toBe('server'));
  });

  it('keeps a late answer about the engine left from replacing the chosen one', async () => {
    const pending: Record<string, (report: GpuReport) => void> = {};
    answer = (_channel, req) => new Promise((resolve) => (pending[(req as { engine?: string }).engine ?? 'local'] = (report) => resolve({ ok: true, data: report })));
    useAppStore.getState().chooseRunEngine('gpu-ssh');
    useAppStore.getState().chooseRunEngine('gpu-tls');
    pending['gpu-tls']!(gpuReport('tls'));
    await vi.waitFor(() => expect(useAppStore.getState().gpuReport?.gpus[0]?.name).toBe('tls'));
    pending['gpu-ssh']!(gpuReport('ssh'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(useAppStore.getState().gpuReport?.gpus[0]?.name).toBe('tls');
  });

  it("leaves a local request as it was, and names a server's engine", () => {
    expect(placement.placed(request, 'local')).toBe(request);
    expect(placement.placed(request, 'gpu-tls')).toEqual({ ...request, engine: 'gpu-tls' });
  });
});

describe("the data-protection question", () => {
  it('is asked instead of shown as a refusal, and yes sends the same start again with allowUpload', async () => {
    answer = async (channel, req) =>
      channel === 'runs:start-training' && !(req as TrainingRequest).allowUpload ? { ok: false, error: consentQuestion } : channel === 'runs:start-training' ? { ok: true, data: record } : { ok: true, data: [] };
    const asked = { ...request, engine: 'gpu-tls' };
    expect(await useAppStore.getState().startTraining(asked)).toBeNull();
    expect(useAppStore.getState().startError).toBeNull();
    expect(useAppStore.getState().pendingConsent).toEqual({ via: 'start', item: { mode: 'training', request: asked }, question: consentQuestion });

    await useAppStore.getState().confirmUpload();
    const starts = calls.filter((call) => call.channel === 'runs:start-training').map((call) => call.request);
    expect(starts).toEqual([asked, { ...asked, allowUpload: true }]);
    expect(useAppStore.getState().pendingConsent).toBeNull();
    expect(useAppStore.getState().openRunId).toBe('run-1');
  });

  it('sends nothing on Cancel', async () => {
    answer = async () => ({ ok: false, error: consentQuestion });
    await useAppStore.getState().startPrediction({ model: { runId: 'run-0' }, images: '/data/new', options: { batchSize: 4, workers: 1 }, gpus: { kind: 'none' }, engine: 'gpu-tls' });
    expect(useAppStore.getState().pendingConsent?.item.mode).toBe('prediction');
    expect(useAppStore.getState().predictError).toBeNull();
    useAppStore.getState().cancelUpload();
    expect(useAppStore.getState().pendingConsent).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it('asks for a queue add too, and yes adds the same item with allowUpload', async () => {
    answer = async (channel, req) => {
      if (channel === 'queue:add') return (req as { request: { allowUpload?: boolean } }).request.allowUpload ? { ok: true, data: { id: 'q1', position: 1 } } : { ok: false, error: consentQuestion };
      return { ok: true, data: [{ id: 'q1', position: 1 }] };
    };
    const item = { mode: 'evaluation' as const, request: { model: { runId: 'run-0' }, dataset: { path: '/data/set', gtFile: null, ohe: false }, options: { batchSize: 4, workers: 1 }, gpus: { kind: 'none' as const }, engine: 'gpu-ssh' } };
    expect(await useAppStore.getState().addToQueue(item)).toBe(false);
    expect(useAppStore.getState().queueAddError).toBeNull();
    expect(useAppStore.getState().pendingConsent?.via).toBe('queue');
    expect(await useAppStore.getState().confirmUpload()).toBe(true);
    expect(calls.filter((call) => call.channel === 'queue:add').map((call) => call.request)).toEqual([item, { ...item, request: { ...item.request, allowUpload: true } }]);
    expect(useAppStore.getState().queueAdded).toEqual({ mode: 'evaluation', id: 'q1', position: 1 });
  });

  it('shows any other refusal as before', async () => {
    const refusal = userError('STAGING_NO_SPACE', 'The server is full.');
    answer = async () => ({ ok: false, error: refusal });
    await useAppStore.getState().startTraining({ ...request, engine: 'gpu-tls', allowUpload: true });
    expect(useAppStore.getState().startError).toEqual(refusal);
    expect(useAppStore.getState().pendingConsent).toBeNull();
  });

  it('is forgotten when another engine is chosen', async () => {
    answer = async (channel) => (channel === 'gpu:detect' ? { ok: true, data: gpuReport('x') } : { ok: false, error: consentQuestion });
    useAppStore.setState({ runEngine: 'gpu-tls' });
    await useAppStore.getState().startTraining({ ...request, engine: 'gpu-tls' });
    expect(useAppStore.getState().pendingConsent).not.toBeNull();
    useAppStore.getState().chooseRunEngine('local');
    expect(useAppStore.getState().pendingConsent).toBeNull();
  });
});

describe("a staged run's transfer", () => {
  const progress = (phase: StagingProgress['phase']): StagingProgress => ({ phase, bytesDone: 10, bytesTotal: 100, bytesPerSecond: 5e6, secondsLeft: 18, files: 3 });

  it('is kept while the upload lasts and forgotten once the run has moved on', () => {
    const { applyRunTransfer, settleRunTransfer } = useAppStore.getState();
    applyRunTransfer('run-1', progress('uploading'));
    settleRunTransfer('run-1', 'preparing');
    expect(useAppStore.getState().runTransfers['run-1']?.phase).toBe('uploading');
    settleRunTransfer('run-1', 'running');
    expect(useAppStore.getState().runTransfers['run-1']).toBeUndefined();
  });

  it("keeps the outputs' download until the run has ended", () => {
    const { applyRunTransfer, settleRunTransfer } = useAppStore.getState();
    applyRunTransfer('run-1', progress('downloading'));
    applyRunTransfer('run-2', progress('uploading'));
    settleRunTransfer('run-1', 'stopping');
    expect(useAppStore.getState().runTransfers['run-1']?.phase).toBe('downloading');
    settleRunTransfer('run-1', 'succeeded');
    expect(Object.keys(useAppStore.getState().runTransfers)).toEqual(['run-2']);
  });
});
