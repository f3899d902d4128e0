import os from 'node:os';
import type { Channel, FilePurpose, RequestOf, ResponseOf } from './api/channels';
import type { EvaluationRecord } from './api/runs';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { evaluationReportHtml, predictionsCsv, readEvaluationResults, readPredictionTable, readRunImage } from './runs/results';
import { CHANNELS, isChannel } from './api/channels';
import { errorDetail, localizedError, localizedException, UserErrorException, type Response, type UserError } from './api/errors';
import { msg } from './i18n';
import type { CoreEvent } from './api/events';
import { describeIssues, requestSchemas } from './api/schemas';
import { filePurpose, folderPurpose, noDialogs, type Dialogs } from './dialogs';
import { datasetHandlers } from './dataset/handlers';
import { dicomHandlers } from './dicom/handlers';
import { imageHandlers } from './engine/image-handlers';
import { EngineService } from './engine/service';
import { EngineDirectory } from './engine/engines';
import { closeSshConnections } from './engine/client';
import { dockerConfigDir, readDockerContexts } from './engine/docker-contexts';
import { detectGpus, gpuDetectionDeps } from './gpu/detect';
import { aucmediCatalog } from './aucmedi/catalog';
import { weightsFileVerdict, weightsHashTable } from './aucmedi/weights';
import type { WeightsHashTable } from './api/aucmedi';
import { Operations } from './operations';
import { TransferMeter } from './engine/progress';
import { importWeights, listWeights } from './weights/import';
import { findOfflineBundle } from './weights/bundle';
import { exportWeights } from './weights/export';
import { downloadWeights } from './weights/download';
import { imageNotFound } from './engine/image-save';
import { removeOrphanedHelpers } from './engine/containers';
import { resolveModel } from './runs/inputs';
import { RunService } from './runs/service';
import { runBackend } from './engine/run-backends';
import { listKeptDatasets, removeKeptDataset } from './engine/kept-datasets';
import { learningCurvesCsv } from './runs/curves-csv';
import { RunQueue } from './runs/queue';
import { FINISHED_STATES } from './api/runs';
import { RunStore } from './runs/store';
import { scanDataset, scanDatasetForRun } from './dataset/scan';
import { userDataDir } from './settings/store';
import path from 'node:path';
import type { WatchTimings } from './engine/watch';
import type { SettingsStore } from './settings/store';
import { APP_COMMIT, APP_LICENSE, APP_NAME, APP_VERSION } from './version';
import type { AppLog } from './support/app-log';
import { RUN_LOG_TAIL_BYTES, writeDiagnostics } from './support/diagnostics';

/** The runs whose records and logs go into a diagnostics archive, newest first. */
const DIAGNOSTICS_RUNS = 10;

export interface CoreDeps {
  settings: SettingsStore;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
  username?: string;
  watchTimings?: WatchTimings;
  /** Native dialogs (Electron) or injected paths (e2e); absent in the CLI. */
  dialogs?: Dialogs;
  /** The app's data folder (run records, default weights folder); default: the user-data folder. */
  dataDir?: string;
  /** Follow runs left running by an earlier start (the app and `runs attach` do; one-shot CLI commands do not). */
  reattachRuns?: boolean;
  /** Start queued runs when their turn comes (the app); a one-shot CLI command leaves the queue alone. */
  runQueue?: boolean;
  /** Folders where an offline bundle may lie (next to the installer, the app's resources); none in the CLI. */
  bundleDirs?: string[];
  /** Extra environment for run containers (tests slow the stand-in down with it). */
  runEnv?: string[];
  /**
   * Weights hashes over the catalog's (what Keras checks). Only tests inject one, together with a
   * stand-in built with the same table (docker/stand-in/README.md); the app never does.
   */
  weightsHashes?: WeightsHashTable;
  /** The THIRD-PARTY-NOTICES file beside the bundles (the app's About card shows it). */
  noticesFile?: string;
  /** The app log (the Electron main process keeps one; the CLI and tests need not). */
  log?: AppLog;
}

/** channel -> validated handler; what Electron, the CLI and the e2e harness mount, unchanged. */
export type HandlerTable = { [C in Channel]: (request: unknown) => Promise<Response<ResponseOf<C>>> };

export interface Core {
  handlers: HandlerTable;
  /** Dispatch by channel name, with an error response for a channel that does not exist. */
  invoke(channel: unknown, request: unknown): Promise<Response<unknown>>;
  subscribe(listener: (event: CoreEvent) => void): () => void;
  /** Starts background work (engine watching; following runs left running, when asked). */
  start(): void;
  /** The run lifecycle, for the CLI's foreground commands and tests. */
  runs: RunService;
  dispose(): void;
}

type Implementations = { [C in Channel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };

export function createCore(deps: CoreDeps): Core {
  const env = deps.env ?? process.env;
  const platform = deps.platform ?? process.platform;
  const listeners = new Set<(event: CoreEvent) => void>();
  let lastEngineState = '';
  const emit = (event: CoreEvent) => {
    for (const listener of listeners) listener(event);
    if (deps.log && event.type === 'run:state') deps.log.info(`run ${event.run.id} (${event.run.mode}) ${event.run.state}`, event.run.error?.code);
    if (deps.log && event.type === 'engine:status') {
      const state = `${event.status.code} at ${event.status.endpoint}`;
      if (state !== lastEngineState) deps.log.info(`engine ${state}`);
      lastEngineState = state;
    }
    // a run ended, or the engine came back: a queued run may start now
    if (deps.runQueue && ((event.type === 'run:state' && FINISHED_STATES.includes(event.run.state)) || (event.type === 'engine:status' && event.status.ok))) void queue?.tick();
  };
  let queue: RunQueue | null = null;

  const engine = new EngineService({
    env,
    platform,
    homedir: deps.homedir ?? os.homedir(),
    username: deps.username ?? safeUsername(),
    endpointSetting: () => deps.settings.read().engineEndpoint,
    onStatus: (status) => emit({ type: 'engine:status', status }),
    ...(deps.watchTimings ? { timings: deps.watchTimings } : {}),
  });

  const operations = new Operations();
  const homedir = deps.homedir ?? os.homedir();
  const dataDir = deps.dataDir ?? userDataDir(platform, env, homedir);
  const engines = new EngineDirectory(engine, deps.settings, { env, platform, homedir, username: deps.username ?? safeUsername(), probeRoot: path.join(dataDir, 'engine-probe') });
  const images = imageHandlers({ engine, engines, settings: deps.settings, operations, emit, platform });
  /** The GPUs of an engine: this computer's (driver, engine, probe), or a server's (the probe container there says). */
  const detect = async (engineName?: string | null) => {
    const local = EngineDirectory.isLocal(engineName);
    const docker = await engines.client(engineName);
    const imageRef = deps.settings.read().imageRef;
    // The probe runs in the AUCMEDI image in use; without it there is nothing to probe in yet.
    const present = await images.catalogOf(engineName).resolveId(docker, imageRef).catch(() => null);
    const gpuDeps = gpuDetectionDeps(docker, { image: present ? imageRef : null, platform, ...(local ? {} : { forceProbe: true }) });
    // a server's driver is not this computer's nvidia-smi: only its probe counts
    return detectGpus(local ? gpuDeps : { ...gpuDeps, host: async () => ({ state: 'no-driver' }) });
  };
  const backendOf = (engineName: string | null | undefined) => runBackend(engines, engine, images.catalogOf, engineName);
  const weightsDir = () => deps.settings.read().weightsDir ?? path.join(dataDir, 'weights');
  const runs = new RunService({
    store: new RunStore(path.join(dataDir, 'runs')),
    backend: backendOf,
    emit,
    platform,
    imageRef: () => deps.settings.read().imageRef,
    imageCheck: (imageId, engineName) => images.catalogOf(engineName).check(imageId),
    scanDataset: (request) => scanDatasetForRun(request),
    detectGpus: detect,
    uploadConsent: { given: (engineName) => engines.uploadConsentGiven(engineName), give: (engineName) => engines.giveUploadConsent(engineName) },
    runsDir: () => deps.settings.read().runsDir ?? path.join(homedir, 'AUCMEDI Desk runs'),
    weightsDir,
    extraEnv: deps.runEnv ?? [],
    ...(deps.weightsHashes ? { weightsHashes: deps.weightsHashes } : {}),
  });

  /** Asks where to save (native dialog) and writes the text there; null when the user cancelled. */
  const saveWithDialog = async (purpose: FilePurpose, defaultName: string, text: string) => {
    if (!deps.dialogs) throw noDialogs();
    const { saveTitle, filters } = filePurpose(purpose);
    const target = await deps.dialogs.saveFile({ title: saveTitle, defaultName, filters });
    if (!target) return { path: null };
    try {
      await writeFile(target, text);
    } catch (error) {
      throw localizedException('FILE_NOT_WRITTEN', msg('core:fileNotWritten.message', { path: target }), msg('core:fileNotWritten.action'), errorDetail(error));
    }
    return { path: target };
  };

  queue = new RunQueue({
    file: path.join(dataDir, 'queue.json'),
    start: (item) => (item.mode === 'training' ? runs.startTraining(item.request) : item.mode === 'prediction' ? runs.startPrediction(item.request) : runs.startEvaluation(item.request)),
    activeRuns: () => runs.activeRuns(),
    // the CLI's one-shot commands never start the app's queued runs
    engineUp: async () => Boolean(deps.runQueue) && (await engine.status()).ok,
    onChange: (entries) => emit({ type: 'queue:changed', queue: entries }),
  });
  const runQueue = queue;

  const implementations: Implementations = {
    ...images.handlers,
    ...datasetHandlers({ settings: deps.settings, operations, emit }),
    ...dicomHandlers({ operations, emit }),
    'gpu:detect': ({ engine: engineName }) => detect(engineName),
    'aucmedi:catalog': async () => aucmediCatalog(weightsDir(), deps.weightsHashes),
    'weights:list': async () => ({ dir: weightsDir(), files: (await listWeights(weightsDir())).map((file) => ({ ...file, keras: weightsFileVerdict(file, weightsHashTable(deps.weightsHashes)) })) }),
    'bundle:find': () => findOfflineBundle(deps.bundleDirs ?? [], weightsDir()),
    'weights:download': ({ architectures, threeDim, operationId }) =>
      operations.run(operationId, async (signal) => {
        const docker = await engine.client();
        const imageRef = deps.settings.read().imageRef;
        const imageId = await images.catalog.resolveId(docker, imageRef);
        if (!imageId) throw imageNotFound(imageRef);
        const staging = path.join(dataDir, `weights-download-${process.pid}-${Date.now()}`);
        return downloadWeights(
          {
            docker,
            imageId,
            platform,
            staging,
            weightsDir: weightsDir(),
            signal,
            ...(deps.weightsHashes ? { hashes: weightsHashTable(deps.weightsHashes) } : {}),
            onArchitecture: (architecture, index, total) => emit({ type: 'weights:download-progress', progress: { operationId, architecture, index, total } }),
          },
          architectures,
          threeDim,
        );
      }),
    'weights:export': ({ operationId }) =>
      operations.run(operationId, async (signal) => {
        if (!deps.dialogs) throw noDialogs();
        const files = await listWeights(weightsDir());
        const { saveTitle, filters } = filePurpose('weights-archive');
        const target = await deps.dialogs.saveFile({ title: saveTitle, defaultName: 'keras-weights.tar', filters });
        if (!target) return { file: null };
        const total = files.reduce((sum, f) => sum + f.sizeBytes, 0);
        const meter = new TransferMeter(total);
        const exported = await exportWeights(weightsDir(), files, target, {
          signal,
          onBytes: (n) => {
            meter.add(n);
            if (meter.due() || meter.bytesDone === total) emit({ type: 'weights:progress', progress: { operationId, bytesDone: meter.bytesDone, bytesTotal: total, bytesPerSecond: meter.bytesPerSecond, secondsLeft: meter.secondsLeft, file: '' } });
          },
        });
        return { file: exported.file, sha256: exported.sha256, bytes: exported.bytes };
      }),
    'weights:import': ({ source, operationId }) =>
      operations.run(operationId, (signal) => {
        const meter = new TransferMeter(null);
        return importWeights(source, weightsDir(), {
          signal,
          onProgress: ({ bytesDone, bytesTotal, file }) => {
            meter.add(bytesDone - meter.bytesDone);
            if (!meter.due() && bytesDone !== bytesTotal) return;
            emit({ type: 'weights:progress', progress: { operationId, bytesDone, bytesTotal, bytesPerSecond: meter.bytesPerSecond, secondsLeft: bytesTotal === null ? null : Math.max(0, (bytesTotal - bytesDone) / Math.max(1, meter.bytesPerSecond)), file } });
          },
        });
      }),
    'runs:start-training': (request) => runs.startTraining(request),
    'runs:start-prediction': (request) => runs.startPrediction(request),
    'runs:start-evaluation': (request) => runs.startEvaluation(request),
    'runs:predictions': ({ runId }) => readPredictionTable(runs.get(runId)),
    'runs:evaluation': ({ runId }) => readEvaluationResults(runs.get(runId)),
    'runs:image': ({ runId, sample, kind }) => readRunImage(runs.get(runId), sample, kind),
    'runs:export-predictions': async ({ runId, predictedClass, below }) => {
      const table = await readPredictionTable(runs.get(runId));
      return saveWithDialog('predictions-csv', `${runId}.predictions.csv`, predictionsCsv(table, { predictedClass: predictedClass ?? null, below: below ?? null }));
    },
    'runs:export-report': async ({ runId }) => {
      const record = runs.get(runId);
      const results = await readEvaluationResults(record);
      return saveWithDialog('report-html', `${runId}.report.html`, evaluationReportHtml(record as EvaluationRecord, results, APP_VERSION));
    },
    'runs:stop': ({ runId }) => runs.stop(runId),
    'queue:list': async () => runQueue.list(),
    'queue:add': async (item) => {
      // the data-protection question is asked when the run is queued, not when the queue starts it
      const what = item.mode === 'prediction' ? item.request.images : item.request.dataset.path;
      await runs.checkUpload({ engine: item.request.engine ?? null, what, ...(item.request.allowUpload ? { allowUpload: true } : {}) });
      return runQueue.add(item);
    },
    'queue:move': async ({ id, position }) => runQueue.move(id, position),
    'queue:remove': async ({ id }) => runQueue.remove(id),
    'runs:list': async () => runs.list(),
    'runs:set-aside': async () => runs.takeSetAside(),
    'runs:get': async ({ runId }) => runs.get(runId),
    'models:check': ({ dir }) => resolveModel({ dir }, (id) => runs.get(id)),
    'runs:delete': ({ runId, deleteFiles }) => runs.delete(runId, deleteFiles),
    'runs:log': ({ runId, offset }) => runs.readLog(runId, offset),
    'runs:save-log': async ({ runId }) => {
      if (!deps.dialogs) throw noDialogs();
      runs.get(runId);
      const { saveTitle, filters } = filePurpose('run-log');
      const target = await deps.dialogs.saveFile({ title: saveTitle, defaultName: `${runId}.log`, filters });
      if (target) await runs.copyLog(runId, target);
      return { path: target };
    },
    'runs:export-curves': async ({ runId }) => {
      const record = runs.get(runId);
      return saveWithDialog('curves-csv', `${runId}.learning-curves.csv`, learningCurvesCsv(record.mode === 'training' ? record.epochs : []));
    },
    'runs:open-folder': async ({ runId }) => {
      if (!deps.dialogs) throw noDialogs();
      const folder = await runs.outputFolder(runId);
      await deps.dialogs.showFolder(folder).catch((error: unknown) => {
        throw localizedException('RUN_FOLDER_MISSING', msg('core:folderNotOpened.message', { path: folder }), msg('core:folderNotOpened.action'), errorDetail(error));
      });
      return { opened: folder };
    },
    'operations:cancel': async ({ operationId }) => ({ cancelled: operations.cancel(operationId) }),
    'dialog:open-file': async ({ purpose }) => {
      if (!deps.dialogs) throw noDialogs();
      const { openTitle, filters } = filePurpose(purpose);
      return { path: await deps.dialogs.openFile({ title: openTitle, filters }) };
    },
    'dialog:open-folder': async ({ purpose }) => {
      if (!deps.dialogs) throw noDialogs();
      return { path: await deps.dialogs.openFolder(folderPurpose(purpose)) };
    },
    'dialog:save-file': async ({ purpose, defaultName }) => {
      if (!deps.dialogs) throw noDialogs();
      const { saveTitle, filters } = filePurpose(purpose);
      return { path: await deps.dialogs.saveFile({ title: saveTitle, defaultName, filters }) };
    },
    'app:info': async () => ({ name: APP_NAME, version: APP_VERSION, commit: APP_COMMIT, license: APP_LICENSE, platform, arch: process.arch, versions: runtimeVersions() }),
    'app:notices': async () => {
      const file = deps.noticesFile;
      try {
        if (!file) throw new Error('no notices file was given to this core');
        return { text: readFileSync(file, 'utf8') };
      } catch (error) {
        throw localizedException('NOTICES_MISSING', msg('core:noticesMissing.message'), msg('core:noticesMissing.action'), errorDetail(error));
      }
    },
    'app:export-diagnostics': async ({ includeFolderNames }) => {
      if (!deps.dialogs) throw noDialogs();
      const { saveTitle, filters } = filePurpose('diagnostics');
      const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
      const target = await deps.dialogs.saveFile({ title: saveTitle, defaultName: `aucmedi-desk-diagnostics-${stamp}.tar.gz`, filters });
      if (!target) return { path: null, entries: [] };
      const recent = await Promise.all(
        runs.list().slice(0, DIAGNOSTICS_RUNS).map(async (summary) => {
          const record = runs.get(summary.id);
          const { size } = await runs.readLog(record.id, 0, 0);
          const log = size === 0 ? null : (await runs.readLog(record.id, Math.max(0, size - RUN_LOG_TAIL_BYTES), RUN_LOG_TAIL_BYTES)).text;
          return { record: record as unknown as { id: string } & Record<string, unknown>, log };
        }),
      );
      const result = await writeDiagnostics(
        target,
        {
          app: { name: APP_NAME, version: APP_VERSION, commit: APP_COMMIT, platform, arch: process.arch, versions: runtimeVersions() },
          settings: deps.settings.read(),
          engine: await handlers['engine:diagnose']({}),
          gpu: await handlers['gpu:detect']({}),
          images: await handlers['images:list']({}),
          runs: recent,
          logFiles: deps.log?.files() ?? [],
          home: deps.homedir ?? os.homedir(),
        },
        { includeFolderNames },
      ).catch((error: unknown) => {
        throw localizedException('FILE_NOT_WRITTEN', msg('core:diagnosticsNotWritten.message', { path: target }), msg('core:diagnosticsNotWritten.action'), errorDetail(error));
      });
      deps.log?.info(`diagnostics exported to ${target} (${includeFolderNames ? 'with' : 'without'} folder names)`);
      return { path: result.file, entries: result.entries };
    },
    'engine:status': () => engine.status(),
    'engine:diagnose': () => engine.refresh(),
    'engines:list': () => engines.list(),
    'engines:diagnose': ({ name }) => engines.diagnose(name),
    'engines:add': (entry) => engines.add(entry),
    'engines:remove': ({ name }) => engines.remove(name),
    'engines:docker-contexts': async () => readDockerContexts(dockerConfigDir(env, homedir)),
    'engines:trust-host-key': ({ name, fingerprint }) => engines.trust(name, fingerprint),
    'engines:shared-folders': ({ name, pathMappings }) => engines.setSharedFolders(name, pathMappings),
    'engines:kept-datasets': async ({ name }) => listKeptDatasets(await engines.client(name)),
    'engines:remove-kept-dataset': async ({ name, volume }) => removeKeptDataset(await engines.client(name), volume),
    'settings:get': async () => deps.settings.read(),
    'settings:update': async (patch) => {
      const before = deps.settings.read();
      const after = { ...before, ...patch };
      try {
        deps.settings.write(after);
      } catch (error) {
        throw localizedException('SETTINGS_UNWRITABLE', msg('core:settingsUnwritable.message'), msg('core:settingsUnwritable.action'), errorDetail(error));
      }
      if (before.engineEndpoint !== after.engineEndpoint) await engine.refresh();
      return after;
    },
  };

  const handlers = Object.fromEntries(
    CHANNELS.map((channel) => [channel, guard(channel, implementations[channel] as (request: unknown) => Promise<unknown>, deps.log)]),
  ) as HandlerTable;

  return {
    handlers,
    invoke: (channel, request) => (isChannel(channel) ? handlers[channel](request) : Promise.resolve(unknownChannel(channel))),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start: () => {
      engine.startWatching();
      void engine.client().then((docker) => removeOrphanedHelpers(docker)).catch(() => undefined);
      // runs left running are found first, so the queue knows what is busy
      void (deps.reattachRuns ? runs.reattach().catch(() => []) : Promise.resolve([])).then(() => runQueue.tick());
    },
    runs,
    dispose() {
      runQueue.close();
      engine.stopWatching();
      runs.detachAll();
      operations.cancelAll();
      listeners.clear();
      // An open SSH connection keeps a process alive (a CLI command would never exit).
      closeSshConnections();
    },
  };
}

function invalidRequest(channel: Channel, why: string | ReturnType<typeof msg>): Response<unknown> {
  return { ok: false, error: localizedError('INVALID_REQUEST', msg('core:invalidRequest.message', { channel, why }), msg('core:invalidRequest.action')) };
}

/** The app log's line for a bug (the log stays English, for IT). */
const INTERNAL_LOG_LINE = 'internal error';

/** Validates the request, runs the handler, and turns every failure into a `UserError` value. */
function guard(channel: Channel, implementation: (request: unknown) => Promise<unknown>, log?: AppLog) {
  const schema = requestSchemas[channel];
  return async (request: unknown): Promise<Response<unknown>> => {
    let parsed: ReturnType<typeof schema.safeParse>;
    try {
      parsed = schema.safeParse(request ?? {});
    } catch {
      log?.warn(`${channel}: a request that could not be read was refused`);
      return invalidRequest(channel, msg('core:invalidRequest.unreadable')); // a getter that throws, a revoked proxy
    }
    if (!parsed.success) {
      const refused = invalidRequest(channel, describeIssues(parsed.error));
      log?.warn(`${channel}: refused`, refused.ok ? undefined : refused.error.message);
      return refused;
    }
    try {
      return { ok: true, data: await implementation(parsed.data) };
    } catch (error) {
      const userError = toUserError(error);
      // A user error is part of the work (a dataset with problems); an internal one is a bug: its details go to the log.
      if (userError.code === 'INTERNAL') log?.error(`${channel}: ${INTERNAL_LOG_LINE}`, userError.detail);
      else if (userError.code !== 'OPERATION_CANCELLED') log?.info(`${channel}: ${userError.code}`, userError.message);
      return { ok: false, error: userError };
    }
  };
}

export function toUserError(error: unknown): UserError {
  if (error instanceof UserErrorException) {
    const { detail, ...rest } = error.userError;
    return detail === undefined ? rest : { ...rest, detail: errorDetail(detail) };
  }
  return localizedError('INTERNAL', msg('core:internal.message'), msg('core:internal.action'), errorDetail(error));
}

function unknownChannel(channel: unknown): Response<never> {
  return { ok: false, error: localizedError('UNKNOWN_CHANNEL', msg('core:unknownChannel.message', { channel: String(channel).slice(0, 80) }), msg('core:unknownChannel.action')) };
}

/** The versions IT asks for: Node and V8, and in the app Electron and Chromium. */
function runtimeVersions(): Record<string, string> {
  const wanted = ['node', 'v8', 'electron', 'chrome'] as const;
  return Object.fromEntries(wanted.flatMap((name) => (process.versions[name] ? [[name, process.versions[name]!]] : [])));
}

function safeUsername(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'your account';
  }
}
