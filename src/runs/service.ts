import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdirSync, statfsSync } from 'node:fs';
import { copyFile, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { errorDetail, localizedError, localizedException, UserErrorException } from '../api/errors';
import { msg, type Message } from '../i18n/message';
import type { CoreEvent } from '../api/events';
import type { ImageCheck } from '../api/types';
import {
  FINISHED_STATES,
  type EvaluationRecord,
  type EvaluationRequest,
  type PredictionRecord,
  type PredictionRequest,
  type RunRecord,
  type RunState,
  type RunSummary,
  type SetAsideRecord,
  type TrainingRecord,
  type TrainingRequest,
  LOCAL_ENGINE,
  type RunPlacement,
  UPLOAD_CONSENT_CODE,
} from '../api/runs';
import type { ProgressEvent } from '../api/progress';
import { ANALYSES, type PredictionOptions, type WeightsHashTable } from '../api/aucmedi';
import type { DatasetReport, DatasetScanRequest } from '../api/dataset';
import type { GpuReport } from '../api/gpu';
import { evaluationArgs, predictionArgs, trainingArgs } from '../aucmedi/arguments';
import { explainError } from '../aucmedi/explain-error';
import { KerasParser } from '../aucmedi/keras-parser';
import { EVALUATION_PLOTS, listModelFiles, PERFORMANCE_FILE, PREDICTIONS_FILE, readOutputText, readPerformanceMetrics, readPredictions, readTrainingMeta } from '../aucmedi/outputs';
import { requiredWeights } from '../aucmedi/weights';
import { FrameDemuxer } from '../engine/containers';
import { isConnectionError } from '../engine/engine-errors';
import { stagingError, StagingCancelled } from '../engine/staging';
import { imageNotFound } from '../engine/image-save';
import { createGpuMonitor, type GpuMonitor } from '../gpu/monitor';
import { conversionOrigin } from '../dicom/origin';
import { MANIFEST_FILE, writeManifest } from './manifest';
import { missingOutputs, outputsMissingError } from './results';
import { claimOutputFolder, MIN_FREE_BYTES, requireGpus, requireValidDataset, requireWeights } from './preflight';
import type { RunStore } from './store';
import { FollowerLocks, type LockHolder } from './follower-lock';
import { requireModelClasses, requireMatchingDimensions, requireOutsideInputs, resolveModel } from './inputs';
import { prepareInputs, scannedInputs, viewSpecFile, type EnginePath } from './dataset-view';
import { localSharedDigest } from '../engine/shared-folder-check';
import type { UsedImage } from '../dataset/validate';
import type { ScannedDataset } from '../dataset/scan';
import type { RunBackend, RunContainer, StagedVolumes } from './backend';
import { EVALUATION_PREDICTION_DIR, EVALUATION_RESULTS_DIR, inputFolderOf, mountedHostPaths, mountedStepMounts, stepContainerSpec, stepOf, stagedDataset, stagedRunSources, stagedStepMounts } from './step-mounts';

export const RUN_LOG_FILE = 'run.log';
/** An evaluation's first step (prediction) logs here; its second step writes run.log. */
export const PREDICTION_STEP_LOG_FILE = 'prediction.log';
export { EVALUATION_PREDICTION_DIR, EVALUATION_RESULTS_DIR };
const PROGRESS_INTERVAL_MS = 250;
const STOP_GRACE_SECONDS = 10;
const SAVE_INTERVAL_MS = 1000;

export interface RunServiceDeps {
  store: RunStore;
  /** Where runs go: this computer's engine (`local`, also for null) or a named one (src/runs/backend.ts). Throws for an unknown name. */
  backend: (engine: string | null | undefined) => RunBackend;
  emit: (event: CoreEvent) => void;
  platform: NodeJS.Platform;
  imageRef: () => string;
  /** The image check of the run's image on its engine (cached per id), for the versions in run.json. */
  imageCheck?: (imageId: string, engine: string) => Promise<ImageCheck>;
  scanDataset: (request: DatasetScanRequest) => Promise<ScannedDataset>;
  detectGpus: (engine: string) => Promise<GpuReport>;
  /** The data-protection yes per engine (settings `uploadConsents`). */
  uploadConsent: { given: (engine: string) => Promise<boolean>; give: (engine: string) => Promise<void> };
  /** Where new runs' output folders go by default. */
  runsDir: () => string;
  /** The pretrained-weights folder (read-only in the container), or null when there is none yet. */
  weightsDir: () => string | null;
  extraEnv: string[];
  /** The hashes Keras checks, over the catalog's (tests inject theirs; the stand-in they run must carry the same). */
  weightsHashes?: WeightsHashTable;
}

interface ActiveRun {
  record: RunRecord;
  parser: KerasParser;
  log: WriteStream;
  done: Promise<RunRecord>;
  lastEmit: number;
  timer: NodeJS.Timeout | null;
  lastSave: number;
  saveTimer: NodeJS.Timeout | null;
  gpuMonitor: GpuMonitor | null;
  /** The engine keeps containers running while it restarts (live-restore), as far as known. */
  engineKeepsContainers: boolean;
  /** The container's log being read, destroyed when the run is let go so the process can end. */
  logStream: NodeJS.ReadableStream | null;
  backend: RunBackend;
}

/** A staged run while its inputs go up: stopped by aborting. */
interface Staging {
  record: RunRecord;
  abort: AbortController;
  done: Promise<RunRecord>;
}

/**
 * The run lifecycle: preflight, a hardened container, its log through the Keras parser into the
 * record (persisted at every epoch), stop, results and manifest at the end. The log is always read
 * from the container's beginning, so a run reattached after a restart replays into exactly the
 * state of a run that was never left.
 */
export class RunService {
  private readonly active = new Map<string, ActiveRun>();

  private readonly staging = new Map<string, Staging>();

  private readonly locks: FollowerLocks;

  constructor(private readonly deps: RunServiceDeps) {
    this.locks = new FollowerLocks(deps.store.dir);
  }

  list(): RunSummary[] {
    return this.deps.store.list().map(summarize);
  }

  /** Records set aside as unreadable since the last call (src/runs/store.ts). */
  takeSetAside(): SetAsideRecord[] {
    return this.deps.store.takeSetAside();
  }

  get(id: string): RunRecord {
    const record = this.active.get(id)?.record ?? this.staging.get(id)?.record ?? this.deps.store.get(id);
    if (!record) throw runNotFound(id);
    return record;
  }

  /** A piece of the run's console log (run.log in its output folder), from `offset` on. */
  async readLog(id: string, offset: number, maxBytes = 256 * 1024): Promise<{ text: string; nextOffset: number; size: number }> {
    const record = this.get(id);
    let handle;
    try {
      handle = await open(path.join(record.outputDir, logFileOf(record)), 'r');
    } catch {
      return { text: '', nextOffset: offset, size: 0 };
    }
    try {
      const { size } = await handle.stat();
      const start = Math.min(offset, size);
      const buffer = Buffer.alloc(Math.min(maxBytes, size - start));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
      const end = completeUtf8Length(buffer, bytesRead);
      return { text: buffer.subarray(0, end).toString('utf8'), nextOffset: start + end, size };
    } finally {
      await handle.close();
    }
  }

  /** Copies the run's console log to `target`, a file the user chose in a save dialog. */
  async copyLog(id: string, target: string): Promise<void> {
    const record = this.get(id);
    const source = path.join(record.outputDir, logFileOf(record));
    try {
      await stat(source);
    } catch {
      throw localizedException('RUN_LOG_MISSING', msg('runs:service.logMissing', { file: source }), msg('runs:service.logMissingAction'));
    }
    try {
      await copyFile(source, target);
    } catch (error) {
      throw localizedException('FILE_NOT_WRITTEN', msg('runs:service.logNotSaved', { target }), msg('runs:service.logNotSavedAction'), errorDetail(error));
    }
  }

  /** The run's output folder, checked to still exist. */
  async outputFolder(id: string): Promise<string> {
    const folder = this.get(id).outputDir;
    const info = await stat(folder).catch(() => null);
    if (!info?.isDirectory()) {
      throw localizedException('RUN_FOLDER_MISSING', msg('runs:service.folderMissing', { folder }), msg('runs:service.folderMissingAction'));
    }
    return folder;
  }

  /**
   * Forgets an ended run; with `deleteFiles`, also removes its output folder, but only when that
   * folder's run.json names this run (a folder that is not the run's own is never deleted).
   */
  async delete(id: string, deleteFiles: boolean): Promise<{ deleted: string; filesDeleted: boolean }> {
    const record = this.get(id);
    if (this.active.has(id) || !FINISHED_STATES.includes(record.state)) {
      throw localizedException('RUN_ACTIVE', msg('runs:service.deleteActive'), msg('runs:service.deleteActiveAction'));
    }
    let filesDeleted = false;
    if (deleteFiles) {
      let manifestId: unknown = null;
      try {
        manifestId = JSON.parse(await readFile(path.join(record.outputDir, MANIFEST_FILE), 'utf8')).run?.id;
      } catch {
        manifestId = null;
      }
      if (manifestId !== id) {
        throw localizedException('RUN_FILES_NOT_DELETED', msg('runs:service.filesNotDeleted', { folder: record.outputDir }), msg('runs:service.filesNotDeletedAction'));
      }
      await rm(record.outputDir, { recursive: true, force: true });
      filesDeleted = true;
    }
    this.deps.store.delete(id);
    this.deps.emit({ type: 'run:deleted', runId: id });
    return { deleted: id, filesDeleted };
  }

  /** Runs this core follows that have not ended yet. */
  activeRuns(): RunRecord[] {
    return [...this.staging.values(), ...this.active.values()].map((run) => run.record).filter((record) => !FINISHED_STATES.includes(record.state));
  }

  /** Resolves when the run has ended (at once for an ended run). */
  async waitForEnd(id: string): Promise<RunRecord> {
    const running = this.staging.get(id) ?? this.active.get(id);
    return running ? running.done : this.get(id);
  }

  async startTraining(request: TrainingRequest): Promise<TrainingRecord> {
    const { backend, imageRef, imageId } = await this.image(request.engine, request.imageRef, msg('runs:doing.startTraining'));
    const { dataset, gpus } = request;
    const options = { ...request.options, ohe: dataset.ohe, gt: dataset.gtFile !== null };
    const args = trainingArgs(options);
    const pretrained = options.architectures.some((key) => key !== 'Vanilla');
    if (pretrained) await requireWeights(this.deps.weightsDir(), options.architectures, options.threeDim, this.deps.weightsHashes);
    const scanned = await this.deps.scanDataset({ path: dataset.path, gtFile: dataset.gtFile, ohe: dataset.ohe });
    const { report } = scanned;
    requireValidDataset(report);
    if (gpus.kind !== 'none') requireGpus(gpus, await this.deps.detectGpus(backend.engine));

    const id = newRunId();
    const outputDir = path.resolve(request.outputDir ?? path.join(this.deps.runsDir(), id));
    requireOutsideInputs(outputDir, [dataset.path]);
    const mounted = [dataset.path, outputDir, ...(pretrained && this.deps.weightsDir() ? [this.deps.weightsDir()!] : [])];
    const placement = await this.placement(backend, request.allowUpload, report, mounted);
    return this.inClaimedFolder(id, outputDir, async () => {
      const inputs = scannedInputs(scanned);
      prepareInputs(outputDir, 'training', inputs);
      const record: TrainingRecord = {
        ...this.common(id, imageRef, imageId, outputDir, args, gpus, placement),
        mode: 'training',
        dataset: { ...dataset, fingerprint: report.fingerprint, convertedFrom: await conversionOrigin(report.path) },
        options,
        epochs: [],
        modelFiles: [],
        classNames: [],
      };
      const weights = pretrained ? { dir: this.deps.weightsDir()!, files: requiredWeights(options.architectures, options.threeDim ? '3D' : '2D', this.deps.weightsHashes).map((w) => w.file) } : null;
      await this.begin(backend, record, 'training', inputs.images, weights);
      return record;
    });
  }

  /** Classifies a flat folder of images with a trained model; `preds.csv` (and heat maps) in a new folder. */
  async startPrediction(request: PredictionRequest): Promise<PredictionRecord> {
    const { backend, imageRef, imageId } = await this.image(request.engine, request.imageRef, msg('runs:doing.startPrediction'));
    const model = await resolveModel(request.model, (id) => this.get(id));
    const analysis = ANALYSES.find((known) => known === model.analysis);
    const options: PredictionOptions = { ...request.options, ...(analysis ? { modelAnalysis: analysis } : {}) };
    const args = predictionArgs(options);
    const scanned = await this.deps.scanDataset({ path: request.images, gtFile: null, ohe: false, purpose: 'prediction' });
    const { report } = scanned;
    requireValidDataset(report);
    requireMatchingDimensions(model, report, 'imageFolder');
    if (request.gpus.kind !== 'none') requireGpus(request.gpus, await this.deps.detectGpus(backend.engine));

    const id = newRunId();
    const outputDir = path.resolve(request.outputDir ?? path.join(this.deps.runsDir(), id));
    requireOutsideInputs(outputDir, [report.path, model.dir]);
    const placement = await this.placement(backend, request.allowUpload, report, [report.path, outputDir, model.dir]);
    return this.inClaimedFolder(id, outputDir, async () => {
      const inputs = scannedInputs(scanned);
      prepareInputs(outputDir, 'prediction', inputs);
      const record: PredictionRecord = {
        ...this.common(id, imageRef, imageId, outputDir, args, request.gpus, placement),
        mode: 'prediction',
        model,
        images: { path: report.path, fingerprint: report.fingerprint, totalImages: report.totalImages },
        options,
        results: null,
      };
      await this.begin(backend, record, 'prediction', inputs.images, null);
      return record;
    });
  }

  /**
   * Scores a model on a labelled set: prediction on the set's images, then AUCMEDI's evaluation of
   * those predictions against the labels, two containers one after the other in one run.
   */
  async startEvaluation(request: EvaluationRequest): Promise<EvaluationRecord> {
    const { backend, imageRef, imageId } = await this.image(request.engine, request.imageRef, msg('runs:doing.startEvaluation'));
    const model = await resolveModel(request.model, (id) => this.get(id));
    const { dataset } = request;
    const options = { ...request.options, ohe: dataset.ohe, gt: dataset.gtFile !== null };
    evaluationArgs(options);
    const scanned = await this.deps.scanDataset({ path: dataset.path, gtFile: dataset.gtFile, ohe: dataset.ohe, purpose: 'evaluation' });
    const { report } = scanned;
    requireValidDataset(report);
    requireMatchingDimensions(model, report, 'labelledSet');
    requireModelClasses(model, report);
    if (request.gpus.kind !== 'none') requireGpus(request.gpus, await this.deps.detectGpus(backend.engine));

    const id = newRunId();
    const outputDir = path.resolve(request.outputDir ?? path.join(this.deps.runsDir(), id));
    requireOutsideInputs(outputDir, [report.path, model.dir]);
    const placement = await this.placement(backend, request.allowUpload, report, [report.path, outputDir, model.dir]);
    return this.inClaimedFolder(id, outputDir, async () => {
      mkdirSync(path.join(outputDir, EVALUATION_PREDICTION_DIR));
      const inputs = scannedInputs(scanned);
      prepareInputs(outputDir, 'evaluation', inputs);
      const record: EvaluationRecord = {
        ...this.common(id, imageRef, imageId, outputDir, predictionArgs(options), request.gpus, placement),
        mode: 'evaluation',
        model,
        dataset: { ...dataset, path: report.path, fingerprint: report.fingerprint, interface: report.interface, convertedFrom: await conversionOrigin(report.path) },
        options,
        step: 'prediction',
        predictionCommand: predictionArgs(options),
        results: null,
      };
      await this.begin(backend, record, 'prediction', inputs.images, null);
      return record;
    });
  }

  /**
   * Checks, without starting anything, that a run on `engine` may go ahead as far as the data is
   * concerned: throws the data-protection question when the engine needs the data uploaded and the
   * user has not said yes for it (with `allowUpload`, the yes is remembered). For the queue's add.
   */
  async checkUpload(request: { engine?: string | null; allowUpload?: boolean; what: string }): Promise<void> {
    if (!request.engine || request.engine === LOCAL_ENGINE) return;
    const backend = this.deps.backend(request.engine);
    await backend.connect(msg('runs:doing.startTraining'));
    // images on a folder shared with the server need no yes; whether the whole run is on it is known at its start
    await this.placement(backend, request.allowUpload, { path: request.what, totalImages: null, fingerprint: null }, [request.what]);
  }

  /**
   * Where the run goes and how its data gets there. Images leaving this computer is a data-protection
   * decision: the first run on an engine that cannot see this computer's files asks, in a plain
   * sentence, which server will hold which data for how long; the yes is kept per engine.
   */
  private async placement(
    backend: RunBackend,
    allowUpload: boolean | undefined,
    inputs: { path: string; totalImages: number | null; fingerprint: { totalBytes: number } | null },
    mounted: readonly string[] | null,
  ): Promise<RunPlacement> {
    const data = await backend.dataPlacement();
    // on a folder shared with the server: used in place, nothing copied (checked before the run starts)
    if (data === 'staged' && mounted && backend.mapPaths(mounted)) return { engine: backend.engine, host: backend.host, data: 'mapped' };
    const folder = inputs.path;
    const images = inputs.totalImages;
    const bytes = inputs.fingerprint?.totalBytes ?? null;
    if (data === 'staged' && !(await this.deps.uploadConsent.given(backend.engine))) {
      if (!allowUpload) {
        const params = { engine: backend.engine, host: backend.host ?? backend.engine, folder, images: images ?? 0, bytes: bytes ?? 0 };
        throw localizedException(UPLOAD_CONSENT_CODE, msg(images === null ? 'runs:service.uploadConsent.messageFolder' : 'runs:service.uploadConsent.message', params), msg('runs:service.uploadConsent.action', params));
      }
      await this.deps.uploadConsent.give(backend.engine);
    }
    return { engine: backend.engine, host: backend.host, data };
  }

  /**
   * Starts a run in its claimed output folder (src/runs/preflight.ts). A start refused before the
   * run was recorded (a mount path Docker cannot take, say) leaves the folder as it was found; once
   * recorded, what is there stays with the record.
   */
  private async inClaimedFolder<R>(id: string, outputDir: string, start: () => Promise<R>): Promise<R> {
    const claim = claimOutputFolder(outputDir);
    try {
      return await start();
    } catch (error) {
      if (!this.deps.store.get(id)) claim.abandon();
      throw error;
    } finally {
      claim.release();
    }
  }

  private common(id: string, imageRef: string, imageId: string, outputDir: string, command: string[], gpus: RunRecord['gpus'], placement: RunPlacement) {
    return {
      id,
      state: 'preparing' as RunState,
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      imageRef,
      imageId,
      containerId: null,
      outputDir,
      command,
      gpus,
      progress: null,
      exitCode: null,
      error: null,
      placement,
    };
  }

  private async image(engine: string | null | undefined, requested: string | null | undefined, doing: Message): Promise<{ backend: RunBackend; imageRef: string; imageId: string }> {
    const backend = this.deps.backend(engine);
    await backend.connect(doing);
    const imageRef = requested ?? this.deps.imageRef();
    const imageId = await backend.resolveImageId(imageRef);
    if (!imageId) throw imageNotFound(imageRef);
    // The image check (cached per id) goes on beside the run, so run.json has its versions at the end
    // without a check container started then.
    this.deps.imageCheck?.(imageId, backend.engine).catch(() => undefined);
    return { backend, imageRef, imageId };
  }

  /**
   * The run's first container: at once when the engine sees the run's files; for a staged run once
   * its inputs are on the server. The upload goes on after the start returns (the run is
   * `preparing`, its progress on `run:transfer`); a failed or stopped upload ends the run with
   * nothing left on the server.
   */
  private async begin(backend: RunBackend, record: RunRecord, mode: RunRecord['mode'], images: readonly UsedImage[], weights: { dir: string; files: readonly string[] } | null): Promise<void> {
    if (record.placement?.data === 'mapped') await this.checkShared(backend, record);
    if (record.placement?.data !== 'staged') {
      await this.launch(backend, record, mode);
      return;
    }
    // named before anything goes up, so an upload cut short by the app's end is found and removed
    const dataset = stagedDataset(record, images);
    record.placement = { ...record.placement, volumes: backend.volumesFor(record.id, dataset.key) };
    this.save(record);
    const holder = this.locks.acquire(record.id);
    if (holder) throw followedElsewhereError(holder);
    const abort = new AbortController();
    const staging: Staging = { record, abort, done: Promise.resolve(record) };
    staging.done = (async () => {
      try {
        const { reused, ...volumes } = await backend.stageIn(record.id, record.imageId!, dataset, stagedRunSources(record, weights), {
          signal: abort.signal,
          onProgress: (progress) => this.deps.emit({ type: 'run:transfer', runId: record.id, progress }),
        });
        record.placement = { ...record.placement!, volumes, ...(reused ? { datasetReused: true } : {}) };
        this.staging.delete(record.id);
        await this.launch(backend, record, mode, { lockHeld: true });
        return this.active.get(record.id)?.done ?? record;
      } catch (error) {
        this.staging.delete(record.id);
        if (FINISHED_STATES.includes(record.state)) return record; // recorded as failed by launch
        this.locks.release(record.id);
        record.endedAt = new Date().toISOString();
        if (error instanceof StagingCancelled || abort.signal.aborted) {
          record.state = 'cancelled';
        } else {
          record.state = 'failed';
          record.error = stagingError(error, 'upload', null).userError;
        }
        await this.writeManifestOf(record);
        this.save(record);
        return record;
      }
    })();
    this.staging.set(record.id, staging);
  }

  /** Where the server sees the run's folders through its shared folders; a mapping gone since the run began is said. */
  private sharedPaths(backend: RunBackend, record: RunRecord): EnginePath {
    const where = backend.mapPaths(mountedHostPaths(record, this.deps.weightsDir()));
    if (!where) throw localizedException('PATH_MAPPING_MISMATCH', msg('runs:service.sharedGone', { engine: backend.engine }), msg('runs:service.sharedGoneAction'));
    return where;
  }

  /**
   * Before a run uses a shared folder in place: the server must see the run's images there as this
   * computer does (src/engine/shared-folder-check.ts); else the run ends failed before AUCMEDI starts.
   */
  private async checkShared(backend: RunBackend, record: RunRecord): Promise<void> {
    const step = stepOf(record);
    const where = this.sharedPaths(backend, record);
    const spec = viewSpecFile(record.outputDir, step);
    const source = inputFolderOf(record);
    try {
      const here = localSharedDigest(spec, source);
      const there = await backend.sharedDigest(record.imageId!, where(source), where(spec));
      if (there.digest !== here.digest) {
        const params = { engine: backend.engine, host: backend.host ?? backend.engine, folder: source, remote: where(source), missing: there.missing, images: here.images };
        throw localizedException('PATH_MAPPING_MISMATCH', msg('runs:service.sharedMismatch', params), msg('runs:service.sharedMismatchAction', params), `here ${here.images} images ${here.digest}; there ${there.images} images, ${there.missing} missing, ${there.digest}`);
      }
    } catch (error) {
      record.state = 'failed';
      record.endedAt = new Date().toISOString();
      // the check container could not even mount them: the server has no such folder
      const params = { engine: backend.engine, host: backend.host ?? backend.engine, folder: source, remote: where(source) };
      record.error = error instanceof UserErrorException ? error.userError : localizedError('PATH_MAPPING_MISMATCH', msg('runs:service.sharedMissing', params), msg('runs:service.sharedMismatchAction', params), errorDetail(error));
      this.save(record);
      throw new UserErrorException(record.error);
    }
  }

  /** Creates and starts the container of the run's current step, then follows it. */
  private async launch(backend: RunBackend, record: RunRecord, mode: RunRecord['mode'], options: { lockHeld?: boolean } = {}): Promise<RunContainer> {
    const volumes = record.placement?.volumes;
    const inputs = volumes ? stagedStepMounts(record, volumes) : mountedStepMounts(record, this.deps.weightsDir(), record.placement?.data === 'mapped' ? this.sharedPaths(backend, record) : undefined);
    this.save(record);
    let container: RunContainer;
    let output: NodeJS.ReadableStream | undefined;
    try {
      container = await backend.create(stepContainerSpec(record, mode, inputs, { extraEnv: this.deps.extraEnv, platform: this.deps.platform }));
      record.containerId = container.id;
      // Attached before it starts, so every byte comes as written: the log endpoint goes through
      // Docker's log copier, which holds a line until its newline, and Keras redraws its bar with \r
      // and no newline until the epoch (or the prediction) ends.
      output = await container.attach();
      await container.start();
    } catch (error) {
      (output as { destroy?: () => void } | undefined)?.destroy?.();
      record.state = 'failed';
      record.endedAt = new Date().toISOString();
      record.error = localizedError('RUN_START_FAILED', msg(`runs:service.startFailed.${mode}`), msg('runs:service.startFailedAction'), errorDetail(error));
      if (volumes) await backend.releaseStaged(volumes, record.imageId!).catch(() => undefined);
      if (options.lockHeld) this.locks.release(record.id);
      this.save(record);
      throw new UserErrorException(record.error);
    }
    record.state = 'running';
    record.startedAt ??= new Date().toISOString();
    this.save(record);
    this.follow(backend, container, record, output, options.lockHeld);
    return container;
  }

  /**
   * Asks the container to stop (its StopSignal, SIGINT; Docker kills it after STOP_GRACE_SECONDS), and
   * resolves once the run has ended cancelled. What is kept depends on the analysis (src/api/stopped-training.ts):
   * an advanced training keeps no model, and its container is the one that needs the kill (src/engine/run-container.ts).
   * A staged run still uploading is cancelled there, and nothing of it stays on the server.
   */
  async stop(id: string): Promise<RunRecord> {
    const staging = this.staging.get(id);
    if (staging) {
      staging.record.state = 'stopping';
      this.save(staging.record);
      staging.abort.abort();
      return staging.done;
    }
    const active = this.active.get(id);
    if (!active) {
      const record = this.get(id);
      if (FINISHED_STATES.includes(record.state)) return record;
      const holder = this.followedElsewhere(id);
      if (holder) throw followedElsewhereError(holder);
      throw localizedException('RUN_NOT_ACTIVE', msg('runs:service.notAttached'), msg('runs:service.notAttachedAction'));
    }
    await active.backend.connect(msg('runs:doing.stop'));
    const container = active.backend.container(active.record.containerId!);
    // A container that has already ended (while no one followed it) is not stopped: its run is
    // recorded as it ended, never as cancelled.
    const running = await container.running().catch(() => false);
    if (!running) return active.done;
    active.record.state = 'stopping';
    this.save(active.record);
    await container.stop(STOP_GRACE_SECONDS);
    return active.done;
  }

  /**
   * After a restart: containers of this app's runs are found by label, on every engine that has
   * unfinished runs, and followed again from the beginning of their log (one that ended meanwhile is
   * finalized from it, a staged one's outputs downloaded); runs whose container is gone are marked
   * interrupted. A server that does not answer keeps its runs as they are (they may still run
   * there): the next reattach looks again. With `onlyId` (the CLI's `runs attach|stop ID`), that run
   * alone: the command must not take over, and then wait for, the other runs.
   */
  async reattach(onlyId?: string): Promise<RunRecord[]> {
    const records = onlyId ? [this.deps.store.get(onlyId)].filter((record): record is RunRecord => record !== null) : this.deps.store.list();
    const engineOf = (record: RunRecord) => record.placement?.engine ?? LOCAL_ENGINE;
    const engines = new Set([...(onlyId ? [] : [LOCAL_ENGINE]), ...records.filter((r) => !FINISHED_STATES.includes(r.state)).map(engineOf)]);
    const reattached: RunRecord[] = [];
    for (const engine of engines) {
      let backend: RunBackend;
      let containers;
      try {
        backend = this.deps.backend(engine); // a server removed from the settings since: its runs stay as they are
      } catch {
        continue;
      }
      try {
        if (engine === LOCAL_ENGINE) await backend.connect(msg('runs:doing.reattach'));
        containers = await backend.findRuns(onlyId);
      } catch (error) {
        if (engine === LOCAL_ENGINE) throw error;
        continue; // a server out of reach: its runs stay as they are
      }
      const found = new Set<string>();
      for (const { container, runId, running } of containers) {
        if (this.active.has(runId) || this.staging.has(runId)) continue;
        const record = this.deps.store.get(runId);
        if (!record || engineOf(record) !== engine) continue;
        found.add(runId);
        if (this.followedElsewhere(runId)) continue; // the app and the CLI never both follow one run
        if (FINISHED_STATES.includes(record.state)) {
          // A run already ended and recorded (interrupted when Docker stopped under it) whose stopped
          // container came back with the engine: a leftover, removed with its anonymous /data volume.
          // The record is left as it is. A container still running (an engine with live-restore) is left alone.
          if (!running) await container.remove().catch(() => undefined);
          continue;
        }
        this.follow(backend, container, record);
        reattached.push(record);
      }
      for (const record of records) {
        if (engineOf(record) !== engine || FINISHED_STATES.includes(record.state) || found.has(record.id) || this.active.has(record.id) || this.staging.has(record.id)) continue;
        if (this.followedElsewhere(record.id)) continue; // its follower knows better
        // Ended while uploading (the app closed): what went up is removed from the server.
        if (record.placement?.data === 'staged') await backend.releaseStaged(record.placement.volumes ?? backend.volumesFor(record.id, null), record.imageId!).catch(() => undefined);
        record.state = 'interrupted';
        record.endedAt = new Date().toISOString();
        record.error = localizedError('RUN_INTERRUPTED', msg('runs:service.containerGone'), await containerGoneAction(record));
        this.save(record);
      }
    }
    return reattached;
  }

  /** The live process (another app window or a CLI command) that follows this run, if not this one. */
  followedElsewhere(id: string): LockHolder | null {
    return this.locks.liveHolder(id);
  }

  /** Stops following (the containers keep running; the next start reattaches). An upload under way is cancelled (nothing stays on the server). */
  detachAll(): void {
    for (const staging of this.staging.values()) staging.abort.abort();
    for (const active of this.active.values()) {
      this.locks.release(active.record.id);
      if (active.timer) clearTimeout(active.timer);
      if (active.saveTimer) {
        clearTimeout(active.saveTimer);
        this.deps.store.save(active.record);
      }
      void active.gpuMonitor?.stop();
      active.log.end();
      (active.logStream as { destroy?: () => void } | null)?.destroy?.();
    }
    this.active.clear();
  }

  /** Follows the run's container: from `attached` (its output since its start) or else its log from the start. */
  private follow(backend: RunBackend, container: RunContainer, record: RunRecord, attached?: NodeJS.ReadableStream, lockHeld = false): void {
    const holder = lockHeld ? null : this.locks.acquire(record.id);
    if (holder) throw followedElsewhereError(holder);
    const active: ActiveRun = {
      record,
      parser: this.parserFor(record),
      log: this.openLog(record),
      done: Promise.resolve(record),
      lastEmit: 0,
      timer: null,
      lastSave: 0,
      saveTimer: null,
      gpuMonitor: backend.host === null ? this.monitorGpus(record) : null,
      // A server's engine goes on when the network between goes: the run is followed again when it answers.
      engineKeepsContainers: backend.host !== null,
      logStream: null,
      backend,
    };
    // Known from the engine's last check; not awaited, so a start does not wait for it.
    if (backend.host === null) void backend.engineInfo().then((info) => (active.engineKeepsContainers = info?.liveRestore === true), () => undefined);
    active.done = this.pump(container, active, attached);
    this.active.set(record.id, active);
  }

  private parserFor(record: RunRecord): KerasParser {
    return new KerasParser({ ...(record.mode === 'training' ? { totalEpochs: record.options.epochs } : {}), logEvents: false, onEvent: (event) => this.onProgress(record.id, event) });
  }

  private openLog(record: RunRecord): WriteStream {
    const log = createWriteStream(path.join(record.outputDir, logFileOf(record)), { flags: 'w' });
    log.on('error', () => undefined); // a log file that cannot be written must not end the run
    return log;
  }

  private async pump(container: RunContainer, active: ActiveRun, attached?: NodeJS.ReadableStream): Promise<RunRecord> {
    const { record } = active;
    let { exitCode, lost } = await this.followContainerLog(container, active, attached);
    // An engine with live-restore keeps the container running while it restarts, and a server's
    // engine keeps it running while the network is gone: the run goes on, and once the engine answers
    // again its log is read again from the start, as after a reattach.
    while (lost && isConnectionError(lost) && active.engineKeepsContainers && (await this.engineBack(container, active))) {
      active.log.end();
      active.log = this.openLog(record);
      active.parser = this.parserFor(record);
      ({ exitCode, lost } = await this.followContainerLog(container, active));
    }
    const { parser, log } = active;
    parser.end();
    await active.gpuMonitor?.stop();
    if (this.active.get(record.id) !== active) return record; // detached meanwhile
    if (active.timer) clearTimeout(active.timer);
    if (active.saveTimer) clearTimeout(active.saveTimer);
    await new Promise<void>((resolve) => log.end(resolve));
    const nextStep = await this.finish(container, active, exitCode, lost);
    this.active.delete(record.id);
    if (!nextStep) {
      this.locks.release(record.id);
      return record;
    }
    try {
      await this.launch(active.backend, record, 'evaluation', { lockHeld: true });
    } catch {
      return record; // recorded as failed by launch
    }
    return this.active.get(record.id)?.done ?? record;
  }

  /**
   * The container's output from its start (`attached`, or its log) into the parser and run.log, then
   * its exit code; or why it could not be read to its end.
   */
  private async followContainerLog(container: RunContainer, active: ActiveRun, attached?: NodeJS.ReadableStream): Promise<{ exitCode: number | null; lost: unknown }> {
    try {
      const stream = attached ?? (await container.logs());
      active.logStream = stream;
      const demuxer = new FrameDemuxer((name, payload) => {
        active.log.write(payload);
        active.parser.write(name, payload);
      });
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
        stream.on('end', resolve);
        stream.on('close', resolve); // destroyed: the run was let go (detachAll)
        stream.on('error', reject);
      });
      if (this.active.get(active.record.id) !== active) return { exitCode: null, lost: null };
      // The output can end a moment before the engine records the exit: wait for it.
      return { exitCode: await container.wait(), lost: null };
    } catch (error) {
      return { exitCode: null, lost: error };
    }
  }

  /** Waits, as long as the run is followed, until the engine answers again (true) or the run is let go (false). */
  private async engineBack(container: RunContainer, active: ActiveRun): Promise<boolean> {
    const { record } = active;
    if (active.backend.host !== null) {
      record.connectionLost = { host: active.backend.host, since: new Date().toISOString() };
      this.save(record);
    }
    for (let delayMs = 1000; ; delayMs = Math.min(delayMs * 2, 10_000)) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.active.get(record.id) !== active) return false;
      try {
        await container.running();
        break;
      } catch (error) {
        // Any answer (even "no such container") means the engine is back; reading the log says the rest.
        if (!isConnectionError(error)) break;
      }
    }
    if (record.connectionLost) {
      record.connectionLost = null;
      this.save(record);
    }
    return true;
  }

  /** Ends the run with its results read and recorded; true when an evaluation goes on to its second step instead. */
  private async finish(container: RunContainer, active: ActiveRun, exitCode: number | null, lost: unknown): Promise<boolean> {
    const { record, parser } = active;
    record.progress = parser.state();
    if (record.mode === 'training') record.epochs = parser.epochs();
    record.exitCode = exitCode;
    let state: RunState = lost
      ? 'interrupted'
      : record.state === 'stopping'
        ? 'cancelled'
        : exitCode === 0
          ? 'succeeded'
          : 'failed';
    // A staged run's outputs come back first (partial models of a stopped or failed training too);
    // when they cannot, they stay on the server and the run says so.
    const volumes = record.placement?.volumes;
    let downloadFailed: UserErrorException | null = null;
    if (volumes && state !== 'interrupted') {
      try {
        await active.backend.stageOut(volumes, record.imageId!, record.outputDir, { onProgress: (progress) => this.deps.emit({ type: 'run:transfer', runId: record.id, progress }) });
      } catch (error) {
        downloadFailed = stagingError(error, 'download', null);
      }
    }
    // Exit 0 is not success: the files the mode (and step) must write have to be in the output folder
    // (an engine that cannot see it, or AUCMEDI stopping short, leaves them out; results.ts says which).
    const missing = state === 'succeeded' && !downloadFailed ? await missingOutputs(record) : [];
    if (missing.length > 0 || downloadFailed) state = state === 'succeeded' ? 'failed' : state;
    if (record.mode === 'evaluation' && record.step === 'prediction' && state === 'succeeded') {
      await container.remove().catch(() => undefined);
      record.step = 'evaluation';
      record.command = evaluationArgs(record.options);
      record.exitCode = null;
      record.containerId = null;
      this.save(record);
      return true;
    }
    record.state = state;
    record.endedAt = new Date().toISOString();
    if (downloadFailed) record.error = { ...downloadFailed.userError, detail: [downloadFailed.userError.detail, `kept on ${active.backend.host}: docker volume ${volumes!.output}`].filter(Boolean).join('; ') };
    else if (missing.length > 0) record.error = outputsMissingError(record, missing);
    else if (state === 'failed') {
      const fullDisk = outputDiskFull(record.outputDir) ? { fullDisk: record.outputDir } : {};
      record.error = explainError(record.progress.errors.length ? record.progress.errors : null, { mode: record.mode === 'evaluation' ? record.step : record.mode, ...fullDisk });
    }
    if (state === 'interrupted') {
      record.error = isConnectionError(lost)
        ? localizedError('RUN_INTERRUPTED', msg('runs:service.dockerStopped'), msg(`runs:service.dockerStoppedAction.${record.mode}`, { folder: record.outputDir }), errorDetail(lost))
        : localizedError('RUN_INTERRUPTED', msg('runs:service.notFollowed'), msg('runs:service.notFollowedAction'), errorDetail(lost));
    }
    await this.readResults(record);
    await this.writeManifestOf(record, active.backend);
    this.save(record);
    // Results are read and recorded: now the container may go (with its anonymous /data volume), and
    // a staged run's volumes, unless its outputs could not be brought back.
    if (state !== 'interrupted') {
      await container.remove().catch(() => undefined);
      if (volumes && !downloadFailed) await active.backend.releaseStaged(volumes, record.imageId!).catch(() => undefined);
    }
    return false;
  }

  /** run.json beside the outputs; a manifest that cannot be written is said in the record (see manifestNotWritten). */
  private async writeManifestOf(record: RunRecord, backend?: RunBackend): Promise<void> {
    try {
      const engine = backend ?? this.deps.backend(record.placement?.engine);
      const image = record.imageId && this.deps.imageCheck ? await this.deps.imageCheck(record.imageId, engine.engine).catch(() => null) : null;
      writeManifest(record, await engine.engineInfo().catch(() => null), image);
    } catch (error) {
      // run.json cannot be written (a full disk, a folder gone): the record in the app's store says so,
      // and the run's end is still recorded and its container still removed.
      manifestNotWritten(record, error);
    }
  }

  /** What the run left in its output folder; a run that succeeded without its result file has failed. */
  private async readResults(record: RunRecord): Promise<void> {
    if (record.mode === 'training') {
      try {
        const files = await listModelFiles(record.outputDir);
        record.modelFiles = [files.bestLoss, files.last, ...files.folds.map((fold) => fold.model), files.metalearner].filter((f): f is string => Boolean(f));
        record.classNames = (await readTrainingMeta(record.outputDir)).classNames;
      } catch {
        // No meta file (a run stopped or failed early): nothing more to read.
      }
      return;
    }
    if (record.state !== 'succeeded') return;
    try {
      if (record.mode === 'prediction') {
        const predictions = readPredictions(await readOutputText(path.join(record.outputDir, PREDICTIONS_FILE), msg('aucmedi:outputs.what.predictions', { file: PREDICTIONS_FILE })));
        const heatMaps = await readdir(path.join(record.outputDir, 'xai')).catch(() => []);
        record.results = { file: PREDICTIONS_FILE, samples: predictions.rows.length, classes: predictions.classes, heatMaps: heatMaps.length };
      } else {
        const predictionsFile = `${EVALUATION_PREDICTION_DIR}/${PREDICTIONS_FILE}`;
        const metricsFile = `${EVALUATION_RESULTS_DIR}/${PERFORMANCE_FILE}`;
        const predictions = readPredictions(await readOutputText(path.join(record.outputDir, predictionsFile), msg('aucmedi:outputs.what.predictions', { file: PREDICTIONS_FILE })));
        readPerformanceMetrics(await readOutputText(path.join(record.outputDir, metricsFile), msg('aucmedi:outputs.what.metrics', { file: PERFORMANCE_FILE })));
        const present = new Set(await readdir(path.join(record.outputDir, EVALUATION_RESULTS_DIR)).catch(() => []));
        record.results = { predictions: predictionsFile, metricsFile, samples: predictions.rows.length, classes: predictions.classes, plots: EVALUATION_PLOTS.filter((plot) => present.has(plot)) };
      }
    } catch (error) {
      record.state = 'failed';
      record.error = error instanceof UserErrorException ? error.userError : localizedError('AUCMEDI_OUTPUT_INVALID', msg('runs:service.resultsUnreadable'), msg('runs:service.resultsUnreadableAction'), errorDetail(error));
    }
  }

  /** While a run uses GPUs: their utilisation and memory every few seconds, for the run page. */
  private monitorGpus(record: RunRecord): GpuMonitor | null {
    if (record.gpus.kind === 'none') return null;
    const ids = record.gpus.kind === 'ids' ? record.gpus.ids.map(Number) : [];
    const monitor = createGpuMonitor({
      intervalMs: 3000,
      ...(ids.length && ids.every(Number.isInteger) ? { indices: ids } : {}),
      onSample: (sample) => this.deps.emit({ type: 'run:gpu', runId: record.id, sample }),
    });
    monitor.start();
    return monitor;
  }

  private onProgress(runId: string, event: ProgressEvent): void {
    const active = this.active.get(runId);
    if (!active) return;
    if (event.type === 'epoch-end' && active.record.mode === 'training') {
      active.record.progress = active.parser.state();
      active.record.epochs = active.parser.epochs();
      this.persistSoon(active);
      this.deps.emit({ type: 'run:progress', runId, progress: active.record.progress, epoch: event.metrics });
      active.lastEmit = Date.now();
      return;
    }
    // Bars come by the thousand: the window gets the state at most every 250 ms.
    if (active.timer) return;
    const wait = Math.max(0, PROGRESS_INTERVAL_MS - (Date.now() - active.lastEmit));
    active.timer = setTimeout(() => {
      active.timer = null;
      active.lastEmit = Date.now();
      active.record.progress = active.parser.state();
      this.deps.emit({ type: 'run:progress', runId, progress: active.record.progress });
    }, wait);
  }

  /**
   * Epochs are persisted as they arrive, but at most once a second: the record grows with the run,
   * and a replayed log (reattach) brings thousands of epochs at once. What a crash could lose in that
   * second is replayed from the container's log at the next start.
   */
  private persistSoon(active: ActiveRun): void {
    if (active.saveTimer) return;
    const wait = Math.max(0, SAVE_INTERVAL_MS - (Date.now() - active.lastSave));
    const write = () => {
      active.saveTimer = null;
      active.lastSave = Date.now();
      if (this.active.get(active.record.id) === active) this.deps.store.save(active.record);
    };
    if (wait === 0) write();
    else active.saveTimer = setTimeout(write, wait);
  }

  private save(record: RunRecord): void {
    this.deps.store.save(record);
    this.deps.emit({ type: 'run:state', run: summarize(record) });
  }

}

export function summarize(record: RunRecord): RunSummary {
  if (record.mode !== 'training') {
    const { progress: _progress, ...rest } = record;
    return { ...rest, lastEpoch: null, bestValLoss: null };
  }
  const { epochs, progress: _progress, ...rest } = record;
  const losses = epochs.map((e) => e.metrics.val_loss).filter((v): v is number => typeof v === 'number');
  return { ...rest, lastEpoch: epochs.at(-1) ?? null, bestValLoss: losses.length ? Math.min(...losses) : null };
}

/** The console log of the run's current step. */
export function logFileOf(record: RunRecord): string {
  return record.mode === 'evaluation' && record.step === 'prediction' ? PREDICTION_STEP_LOG_FILE : RUN_LOG_FILE;
}

/** The length up to the last complete UTF-8 character; a character cut at the end comes with the next read. */
export function completeUtf8Length(buffer: Uint8Array, length: number): number {
  let lead = length - 1;
  while (lead >= 0 && length - lead <= 3 && (buffer[lead]! & 0xc0) === 0x80) lead -= 1;
  if (lead < 0) return length;
  const byte = buffer[lead]!;
  const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  return length - lead >= needed ? length : lead;
}

/** True when the output folder's disk has less room than a run needs: a disk-full error is then that disk's. */
function outputDiskFull(dir: string): boolean {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize < MIN_FREE_BYTES;
  } catch {
    return false;
  }
}

/**
 * The run's manifest could not be written. A run that had failed keeps its reason (the manifest's
 * failure goes into the detail); otherwise the run is recorded as failed, since it has no record
 * beside its outputs; what it wrote is kept either way.
 */
function manifestNotWritten(record: RunRecord, error: unknown): void {
  const code = (error as NodeJS.ErrnoException).code;
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  const detail = `${MANIFEST_FILE} not written: ${errorDetail(error)}`;
  if (record.error) {
    record.error = { ...record.error, detail: record.error.detail ? `${record.error.detail}; ${detail}` : detail };
    return;
  }
  if (record.state === 'succeeded') record.state = 'failed';
  const params = { folder: record.outputDir, file: MANIFEST_FILE };
  record.error = full
    ? localizedError('DISK_FULL', msg(`runs:service.manifestDiskFull.${record.mode}`, params), msg('runs:service.manifestDiskFullAction'), detail)
    : localizedError('FILE_NOT_WRITTEN', msg(`runs:service.manifestNotWritten.${record.mode}`, params), msg('runs:service.manifestNotWrittenAction'), detail);
}

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

export function followedElsewhereError(holder: LockHolder): UserErrorException {
  return localizedException('RUN_FOLLOWED_ELSEWHERE', msg('runs:service.followedElsewhere', { pid: String(holder.pid), host: holder.host, since: holder.since }), msg('runs:service.followedElsewhereAction'));
}

function runNotFound(id: string): UserErrorException {
  return localizedException('RUN_NOT_FOUND', msg('runs:service.notFound', { id }), msg('runs:service.notFoundAction'));
}

/** For a run whose container is gone: start it again; for a training, which models its output folder holds, as found there (none is said, too). */
async function containerGoneAction(record: RunRecord): Promise<Message> {
  if (record.mode !== 'training') return msg(`runs:service.containerGoneAction.${record.mode}`);
  const files = await listModelFiles(record.outputDir).catch(() => null);
  const models = files ? [files.bestLoss, files.last, ...files.folds.map((fold) => fold.model), files.metalearner].filter((f): f is string => Boolean(f)) : [];
  return models.length ? msg('runs:service.containerGoneAction.trainingKept', { models: models.join(', ') }) : msg('runs:service.containerGoneAction.trainingNoModel');
}
