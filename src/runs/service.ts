import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { copyFile, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { errorDetail, UserErrorException } from '../api/errors';
import type { CoreEvent } from '../api/events';
import type { EngineInfo } from '../api/types';
import { FINISHED_STATES, type RunRecord, type RunState, type RunSummary, type TrainingRequest } from '../api/runs';
import type { ProgressEvent } from '../api/progress';
import type { DatasetReport, DatasetScanRequest } from '../api/dataset';
import type { GpuReport } from '../api/gpu';
import { trainingArgs, trainingBinds } from '../aucmedi/arguments';
import { explainError } from '../aucmedi/explain-error';
import { KerasParser } from '../aucmedi/keras-parser';
import { listModelFiles, readTrainingMeta } from '../aucmedi/outputs';
import { kerasMountSpec } from '../aucmedi/weights';
import { APP_LABEL, FrameDemuxer, PURPOSE_LABEL, RUN_ID_LABEL } from '../engine/containers';
import { engineUnavailable, isConnectionError } from '../engine/engine-errors';
import { imageNotFound } from '../engine/image-save';
import { createGpuMonitor, type GpuMonitor } from '../gpu/monitor';
import { runContainerOptions } from './container';
import { MANIFEST_FILE, writeManifest } from './manifest';
import { prepareOutputFolder, requireGpus, requireValidDataset, requireWeights } from './preflight';
import type { RunStore } from './store';

export const RUN_LOG_FILE = 'run.log';
const PROGRESS_INTERVAL_MS = 250;
const STOP_GRACE_SECONDS = 10;

export interface RunServiceDeps {
  store: RunStore;
  docker: () => Promise<Docker>;
  engineInfo: () => Promise<EngineInfo | null>;
  emit: (event: CoreEvent) => void;
  platform: NodeJS.Platform;
  imageRef: () => string;
  resolveImageId: (docker: Docker, reference: string) => Promise<string | null>;
  scanDataset: (request: DatasetScanRequest) => Promise<DatasetReport>;
  detectGpus: () => Promise<GpuReport>;
  /** Where new runs' output folders go by default. */
  runsDir: () => string;
  /** The pretrained-weights folder (read-only in the container), or null when there is none yet. */
  weightsDir: () => string | null;
  extraEnv: string[];
}

interface ActiveRun {
  record: RunRecord;
  parser: KerasParser;
  log: WriteStream;
  done: Promise<RunRecord>;
  lastEmit: number;
  timer: NodeJS.Timeout | null;
  gpuMonitor: GpuMonitor | null;
}

/**
 * The run lifecycle: preflight, a hardened container, its log through the Keras parser into the
 * record (persisted at every epoch), stop, results and manifest at the end. The log is always read
 * from the container's beginning, so a run reattached after a restart replays into exactly the
 * state of a run that was never left.
 */
export class RunService {
  private readonly active = new Map<string, ActiveRun>();

  constructor(private readonly deps: RunServiceDeps) {}

  list(): RunSummary[] {
    return this.deps.store.list().map(summarize);
  }

  get(id: string): RunRecord {
    const record = this.active.get(id)?.record ?? this.deps.store.get(id);
    if (!record) throw runNotFound(id);
    return record;
  }

  /** A piece of the run's console log (run.log in its output folder), from `offset` on. */
  async readLog(id: string, offset: number, maxBytes = 256 * 1024): Promise<{ text: string; nextOffset: number; size: number }> {
    const record = this.get(id);
    let handle;
    try {
      handle = await open(path.join(record.outputDir, RUN_LOG_FILE), 'r');
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
    const source = path.join(this.get(id).outputDir, RUN_LOG_FILE);
    try {
      await stat(source);
    } catch {
      throw new UserErrorException({ code: 'RUN_LOG_MISSING', message: `This run has no log file (${source} is missing).`, action: 'The output folder may have been moved or deleted; check it in your file manager.' });
    }
    try {
      await copyFile(source, target);
    } catch (error) {
      throw new UserErrorException({ code: 'FILE_NOT_WRITTEN', message: `The log could not be saved to ${target}.`, action: 'Choose a folder you can write to, with free space, and save again.', detail: errorDetail(error) });
    }
  }

  /** The run's output folder, checked to still exist. */
  async outputFolder(id: string): Promise<string> {
    const folder = this.get(id).outputDir;
    const info = await stat(folder).catch(() => null);
    if (!info?.isDirectory()) {
      throw new UserErrorException({ code: 'RUN_FOLDER_MISSING', message: `The run's output folder ${folder} is not there any more.`, action: 'It may have been moved, renamed or deleted; look for it in your file manager.' });
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
      throw new UserErrorException({ code: 'RUN_ACTIVE', message: 'This run is still going, so it was not deleted.', action: 'Stop the run first, then delete it.' });
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
        throw new UserErrorException({
          code: 'RUN_FILES_NOT_DELETED',
          message: `The folder ${record.outputDir} does not hold this run's record (run.json), so its files were left as they are.`,
          action: 'Delete the record only, and remove the folder yourself if you are sure it is this run\'s.',
        });
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
    return [...this.active.values()].map((active) => active.record).filter((record) => !FINISHED_STATES.includes(record.state));
  }

  /** Resolves when the run has ended (at once for an ended run). */
  async waitForEnd(id: string): Promise<RunRecord> {
    const active = this.active.get(id);
    return active ? active.done : this.get(id);
  }

  async startTraining(request: TrainingRequest): Promise<RunRecord> {
    const docker = await this.connect('starting the training');
    const imageRef = request.imageRef ?? this.deps.imageRef();
    const imageId = await this.deps.resolveImageId(docker, imageRef);
    if (!imageId) throw imageNotFound(imageRef);

    const { dataset, gpus } = request;
    const options = { ...request.options, ohe: dataset.ohe, gt: dataset.gtFile !== null };
    const args = trainingArgs(options);
    if (options.architectures.some((key) => key !== 'Vanilla')) requireWeights(this.deps.weightsDir(), options.architectures, options.threeDim);
    const report = await this.deps.scanDataset({ path: dataset.path, gtFile: dataset.gtFile, ohe: dataset.ohe });
    requireValidDataset(report);
    if (gpus.kind !== 'none') requireGpus(gpus, await this.deps.detectGpus());

    const id = newRunId();
    const outputDir = path.resolve(request.outputDir ?? path.join(this.deps.runsDir(), id));
    prepareOutputFolder(outputDir);
    const weightsDir = this.deps.weightsDir();
    const keras = kerasMountSpec(weightsDir);
    const binds = [
      ...trainingBinds({ dataset: dataset.path, ...(dataset.gtFile ? { annotations: dataset.gtFile } : {}), output: outputDir }),
      ...keras.binds,
    ];

    const record: RunRecord = {
      id,
      mode: 'training',
      state: 'preparing',
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      imageRef,
      imageId,
      containerId: null,
      outputDir,
      command: args,
      dataset: { ...dataset, fingerprint: report.fingerprint },
      options,
      gpus,
      progress: null,
      epochs: [],
      exitCode: null,
      error: null,
      modelFiles: [],
      classNames: [],
    };
    this.save(record);
    let container: Docker.Container;
    try {
      container = await docker.createContainer(
        runContainerOptions({ runId: id, mode: 'training', imageId, args, binds, env: [...keras.env, ...this.deps.extraEnv], tmpfs: keras.tmpfs, gpus, platform: this.deps.platform }),
      );
      record.containerId = container.id;
      await container.start();
    } catch (error) {
      record.state = 'failed';
      record.endedAt = new Date().toISOString();
      record.error = { code: 'RUN_START_FAILED', message: 'Docker could not start the training container.', action: 'Check the Setup page, then try again.', detail: errorDetail(error) };
      this.save(record);
      throw new UserErrorException(record.error);
    }
    record.state = 'running';
    record.startedAt = new Date().toISOString();
    this.save(record);
    this.follow(docker, container, record);
    return record;
  }

  /** Asks the container to stop (SIGTERM, then a kill after a grace period); models already saved are kept. */
  async stop(id: string): Promise<RunRecord> {
    const active = this.active.get(id);
    if (!active) {
      const record = this.get(id);
      if (FINISHED_STATES.includes(record.state)) return record;
      throw new UserErrorException({ code: 'RUN_NOT_ACTIVE', message: 'This run is not attached here.', action: 'Restart the app so it finds the run again, then stop it.' });
    }
    active.record.state = 'stopping';
    this.save(active.record);
    const docker = await this.connect('stopping the run');
    await docker
      .getContainer(active.record.containerId!)
      .stop({ t: STOP_GRACE_SECONDS })
      .catch((error: unknown) => {
        // 304: already stopped; 404: already gone. Either way the follower finishes the run.
        if (![304, 404].includes((error as { statusCode?: number }).statusCode ?? 0)) throw error;
      });
    return active.done;
  }

  /**
   * After a restart: containers of this app's runs are found by label and followed again from the
   * beginning of their log; runs whose container is gone are marked interrupted.
   */
  async reattach(): Promise<RunRecord[]> {
    const docker = await this.connect('finding runs left running');
    const containers = await docker.listContainers({ all: true, filters: { label: [`${APP_LABEL}`, `${PURPOSE_LABEL}=run`] } });
    const found = new Set<string>();
    const reattached: RunRecord[] = [];
    for (const info of containers) {
      const id = info.Labels?.[RUN_ID_LABEL];
      if (!id || this.active.has(id)) continue;
      const record = this.deps.store.get(id);
      if (!record) continue;
      found.add(id);
      if (FINISHED_STATES.includes(record.state)) continue;
      this.follow(docker, docker.getContainer(info.Id), record);
      reattached.push(record);
    }
    for (const record of this.deps.store.list()) {
      if (FINISHED_STATES.includes(record.state) || found.has(record.id) || this.active.has(record.id)) continue;
      record.state = 'interrupted';
      record.endedAt = new Date().toISOString();
      record.error = {
        code: 'RUN_INTERRUPTED',
        message: 'The container of this run is gone: Docker was reset or the container was removed.',
        action: 'Models already saved are in the output folder. Start the training again if you need it complete.',
      };
      this.save(record);
    }
    return reattached;
  }

  /** Stops following (the containers keep running; the next start reattaches). */
  detachAll(): void {
    for (const active of this.active.values()) {
      if (active.timer) clearTimeout(active.timer);
      void active.gpuMonitor?.stop();
      active.log.end();
    }
    this.active.clear();
  }

  private follow(docker: Docker, container: Docker.Container, record: RunRecord): void {
    const log = createWriteStream(path.join(record.outputDir, RUN_LOG_FILE), { flags: 'w' });
    log.on('error', () => undefined); // a log file that cannot be written must not end the run
    const parser = new KerasParser({ totalEpochs: record.options.epochs, logEvents: false, onEvent: (event) => this.onProgress(record.id, event) });
    const active: ActiveRun = { record, parser, log, done: Promise.resolve(record), lastEmit: 0, timer: null, gpuMonitor: this.monitorGpus(record) };
    active.done = this.pump(docker, container, active);
    this.active.set(record.id, active);
  }

  private async pump(docker: Docker, container: Docker.Container, active: ActiveRun): Promise<RunRecord> {
    const { record, parser, log } = active;
    let exitCode: number | null = null;
    let lost: unknown = null;
    try {
      const stream = (await container.logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream;
      const demuxer = new FrameDemuxer((name, payload) => {
        log.write(payload);
        parser.write(name, payload);
      });
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => demuxer.push(chunk));
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      exitCode = (await container.inspect()).State.ExitCode;
    } catch (error) {
      lost = error;
    }
    parser.end();
    await active.gpuMonitor?.stop();
    if (this.active.get(record.id) !== active) return record; // detached meanwhile
    if (active.timer) clearTimeout(active.timer);
    await new Promise<void>((resolve) => log.end(resolve));
    await this.finish(container, active, exitCode, lost);
    this.active.delete(record.id);
    return record;
  }

  private async finish(container: Docker.Container, active: ActiveRun, exitCode: number | null, lost: unknown): Promise<void> {
    const { record, parser } = active;
    record.progress = parser.state();
    record.epochs = parser.epochs();
    record.exitCode = exitCode;
    record.endedAt = new Date().toISOString();
    const state: RunState = lost
      ? 'interrupted'
      : record.state === 'stopping'
        ? 'cancelled'
        : exitCode === 0
          ? 'succeeded'
          : 'failed';
    record.state = state;
    if (state === 'failed') record.error = explainError(record.progress.errors.length ? record.progress.errors : null, { mode: record.mode });
    if (state === 'interrupted') {
      record.error = isConnectionError(lost)
        ? { code: 'RUN_INTERRUPTED', message: 'Docker stopped while the run was going.', action: 'Start Docker again: the app finds the run by itself if its container survived.', detail: errorDetail(lost) }
        : { code: 'RUN_INTERRUPTED', message: 'The run\'s container could not be followed to its end.', action: 'Check the Setup page; models already saved are in the output folder.', detail: errorDetail(lost) };
    }
    try {
      const files = await listModelFiles(record.outputDir);
      record.modelFiles = [files.bestLoss, files.last, ...files.folds.map((fold) => fold.model), files.metalearner].filter((f): f is string => Boolean(f));
      record.classNames = (await readTrainingMeta(record.outputDir)).classNames;
    } catch {
      // No meta file (a run stopped or failed early): nothing more to read.
    }
    writeManifest(record, await this.deps.engineInfo().catch(() => null));
    this.save(record);
    // Results are read and recorded: now the container may go (with its anonymous /data volume).
    if (state !== 'interrupted') await container.remove({ force: true, v: true }).catch(() => undefined);
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
    if (event.type === 'epoch-end') {
      active.record.progress = active.parser.state();
      active.record.epochs = active.parser.epochs();
      this.deps.store.save(active.record);
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

  private save(record: RunRecord): void {
    this.deps.store.save(record);
    this.deps.emit({ type: 'run:state', run: summarize(record) });
  }

  private async connect(doing: string): Promise<Docker> {
    const docker = await this.deps.docker();
    try {
      await docker.ping();
    } catch (error) {
      throw engineUnavailable(error, doing);
    }
    return docker;
  }
}

export function summarize(record: RunRecord): RunSummary {
  const { epochs, progress: _progress, ...rest } = record;
  const losses = epochs.map((e) => e.metrics.val_loss).filter((v): v is number => typeof v === 'number');
  return { ...rest, lastEpoch: epochs.at(-1) ?? null, bestValLoss: losses.length ? Math.min(...losses) : null };
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

function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

function runNotFound(id: string): UserErrorException {
  return new UserErrorException({ code: 'RUN_NOT_FOUND', message: `There is no run ${id}.`, action: 'Choose a run from the Runs page.' });
}
