import path from 'node:path';
import { AUCMEDI_DEFAULTS, type Analysis, type Predictions } from '../api/aucmedi';
import { epochsText, fewerEpochsNote } from '../api/epochs';
import { keptAfterStop, stopConsequence } from '../api/stopped-training';
import type { ProgressState } from '../api/progress';
import { LOCAL_ENGINE, UPLOAD_CONSENT_CODE, type GpuChoice, type RunRecord, type RunSummary } from '../api/runs';
import type { Response, UserError } from '../api/errors';
import { localizedError } from '../api/errors';
import { msg, t } from '../i18n';
import type { Core } from '../core';
import { freeGpu } from '../runs/queue';
import { followedElsewhereError } from '../runs/service';
import { forCommandLine } from './cli-actions';
import { finish, type CliIo } from './image-command';
import { formatStaging } from './progress';
import { EXIT_INTERRUPTED, onInterrupt } from './interrupts';

const OK = 0;
const FAILED = 1;

/** One terminal line of a run's progress. */
export function formatProgress(progress: ProgressState): string {
  const parts: string[] = [];
  if (progress.epoch !== null) parts.push(t('cli:run.progress.epoch', { epoch: progress.epoch, total: progress.totalEpochs ?? '?' }));
  if (progress.batch !== null) parts.push(t('cli:run.progress.batch', { batch: progress.batch, total: progress.totalBatches ?? '?' }));
  for (const name of ['loss', 'auc', 'val_loss', 'val_auc']) {
    const value = progress.liveMetrics[name];
    if (typeof value === 'number') parts.push(`${name} ${value.toFixed(4)}`);
  }
  if (progress.etaSeconds !== null) parts.push(t('cli:run.progress.eta', { seconds: Math.ceil(progress.etaSeconds) }));
  return parts.join('  ') || t('cli:run.progress.starting');
}

/** What the run is, in a few words: mode, architecture(s), and what it reads. */
export function describeRun(run: RunSummary | RunRecord): { what: string; input: string } {
  if (run.mode === 'training') {
    return {
      what: t('cli:run.describe.training', { analysis: run.options.analysis, architectures: run.options.architectures.join(', '), epochs: epochsText(run.options.epochs), batchSize: run.options.batchSize }),
      input: `${run.dataset.path}${run.dataset.gtFile ? ` + ${run.dataset.gtFile}` : ''}`,
    };
  }
  const model = t('cli:run.describe.model', { model: run.model.runId ?? run.model.dir, architectures: run.model.architectures.join(', ') });
  if (run.mode === 'prediction') return { what: run.options.xaiMethod ? t('cli:run.describe.predictionXai', { model, xai: run.options.xaiMethod }) : t('cli:run.describe.prediction', { model }), input: run.images.path };
  return { what: t('cli:run.describe.evaluation', { model, step: run.step }), input: `${run.dataset.path}${run.dataset.gtFile ? ` + ${run.dataset.gtFile}` : ''}` };
}

const MODE_NAMES = { training: () => t('cli:run.mode.training'), prediction: () => t('cli:run.mode.prediction'), evaluation: () => t('cli:run.mode.evaluation') } as const;

export function formatRun(run: RunSummary | RunRecord): string {
  const { what, input } = describeRun(run);
  const lines = [
    `${MODE_NAMES[run.mode]()} ${run.id}: ${run.state}`,
    `  ${t('cli:run.show.mode', { value: what })}`,
    `  ${t('cli:run.show.input', { value: input })}`,
    `  ${t('cli:run.show.output', { value: run.outputDir })}`,
    `  ${t('cli:run.show.image', { reference: run.imageRef, id: run.imageId?.slice(7, 19) ?? t('cli:run.show.unresolved') })}`,
    `  ${t('cli:run.show.times', { started: run.startedAt ?? '-', ended: run.endedAt ?? '-' })}`,
  ];
  const placement = run.placement;
  if (placement && placement.engine !== LOCAL_ENGINE) lines.push(`  ${t(`cli:run.show.where.${placement.data}`, { engine: placement.engine, host: placement.host ?? placement.engine })}`);
  if (run.connectionLost) lines.push(`  ${t('cli:run.show.connectionLost', { host: run.connectionLost.host, since: run.connectionLost.since })}`);
  if (run.mode === 'training') {
    const last = 'epochs' in run ? run.epochs.at(-1) : run.lastEpoch;
    if (last) lines.push(`  ${t('cli:run.show.lastEpoch')} ${last.epoch}: ${Object.entries(last.metrics).map(([k, v]) => `${k} ${v ?? 'n/a'}`).join(', ')}`);
    if (run.modelFiles.length) lines.push(`  ${t('cli:run.show.models', { value: run.modelFiles.join(', ') })}`);
    else if (run.state === 'cancelled') lines.push(`  ${t('cli:run.show.noModels', { kept: keptAfterStop(run.options.analysis, run.modelFiles) })}`);
  } else if (run.mode === 'prediction' && run.results) {
    const file = path.join(run.outputDir, run.results.file);
    const params = { samples: run.results.samples, classes: run.results.classes.join(', '), file, heatMaps: run.results.heatMaps };
    lines.push(`  ${run.results.heatMaps ? t('cli:run.show.classifiedHeatMaps', params) : t('cli:run.show.classified', params)}`);
  } else if (run.mode === 'evaluation' && run.results) {
    lines.push(`  ${t('cli:run.show.scored', { samples: run.results.samples, file: path.join(run.outputDir, run.results.metricsFile) })}`);
  }
  if (run.error) {
    const error = forCommandLine(run.error);
    lines.push(`  ${t('cli:run.show.error', { message: error.message })}`, `  ${t('cli:run.show.whatToDo', { action: error.action })}`, ...(error.detail ? [`  ${t('cli:run.show.details', { detail: error.detail })}`] : []));
  }
  return lines.join('\n');
}

/** The predictions, one image per line: sample, predicted class, its probability. */
export function formatPredictionTable(predictions: Predictions): string {
  const rows = predictions.rows.map((row) => [row.sample, row.predictedClass ?? '-', row.probability === null ? '-' : row.probability.toFixed(4)]);
  const header = [t('cli:run.table.sample'), t('cli:run.table.predictedClass'), t('cli:run.table.probability')];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => (column === 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd()).join('\n');
}

/**
 * `--gpus`: one GPU by index or UUID, `none`/`cpu`, or nothing/`auto` (null: a free GPU, else the
 * CPU). AUCMEDI trains on one GPU, so `all` and lists are refused with a sentence rather than
 * quietly mapped to one GPU: a script that asked for all GPUs learns that it gets one.
 */
export function parseGpus(text: string | undefined): GpuChoice | null | { refused: UserError } {
  if (text === undefined || text === 'auto') return null;
  if (text === 'none' || text === 'cpu') return { kind: 'none' };
  const ids = text.split(',').map((id) => id.trim()).filter(Boolean);
  if (text === 'all' || ids.length !== 1) {
    return { refused: localizedError('GPU_UNAVAILABLE', msg('cli:run.gpus.oneOnly', { value: text }), msg('cli:run.gpus.oneOnlyAction')) };
  }
  return { kind: 'ids', ids };
}

/**
 * Ctrl-C for a foreground run. Installed before the run is asked to start: a Ctrl-C while it is
 * being started (dataset check, container start) stops it as soon as it has started, instead of
 * ending the CLI and leaving its container training unfollowed; a second one then quits at once.
 * Once started, Ctrl-C stops the run (SIGINT, a kill after the grace period), saying first what a
 * stopped run keeps (stopConsequence). A stop the engine refuses is said, and Ctrl-C may be pressed again.
 */
class Interrupt {
  private runId: string | null = null;
  /** Ctrl-C was pressed (and the stop not refused). */
  requested = false;
  private stopping = false;
  private readonly stopListening: () => void;

  constructor(
    private readonly core: Core,
    private readonly io: CliIo,
  ) {
    this.stopListening = onInterrupt((signal) => this.interrupted(signal));
  }

  /** The run has started: a Ctrl-C that came meanwhile stops it now. */
  started(runId: string): void {
    this.runId = runId;
    if (this.requested) this.stop();
  }

  dispose(): void {
    this.stopListening();
  }

  private interrupted(signal: NodeJS.Signals): void {
    if (this.runId === null) {
      if (this.requested) {
        // Quit now, as Ctrl-C did before any handler (the run, if it starts, goes on unfollowed).
        this.io.err(`\n${t('cli:run.interrupt.quitting')}`);
        this.dispose();
        process.kill(process.pid, signal);
        return;
      }
      this.requested = true;
      this.io.err(`\n${t('cli:run.interrupt.stopWhenStarted')}`);
      return;
    }
    if (this.stopping) {
      this.io.err(t('cli:run.interrupt.stillStopping'));
      return;
    }
    this.requested = true;
    this.stop();
  }

  private stop(): void {
    const runId = this.runId!;
    this.stopping = true;
    this.io.err(`\n${t('cli:run.interrupt.stopping', { keeps: whatStopKeeps(this.core, runId) })}`);
    void this.core.handlers['runs:stop']({ runId }).then((response) => {
      if (response.ok) return;
      this.stopping = false;
      this.requested = false;
      const error = forCommandLine(response.error);
      this.io.err(t('cli:run.interrupt.notStopped', { message: error.message, action: error.action }));
    });
  }
}

/** Before a stop, what it will keep: a training by its analysis (an advanced run keeps no model). */
function whatStopKeeps(core: Core, runId: string): string {
  let run: RunRecord;
  try {
    run = core.runs.get(runId);
  } catch {
    return '';
  }
  if (run.mode === 'training') return stopConsequence(run.options.analysis, run.epochs.length);
  return run.mode === 'prediction' ? t('cli:run.stopKeeps.prediction') : t('cli:run.stopKeeps.evaluation');
}

/** Follows a run in the foreground until it ends; Ctrl-C stops it cleanly. Exit 0 only when it succeeded. */
async function followToEnd(core: Core, runId: string, json: boolean, io: CliIo, interrupt: Interrupt): Promise<number> {
  const unsubscribe = core.subscribe((event) => {
    if (event.type === 'run:transfer' && event.runId === runId) {
      if (json) io.out(JSON.stringify({ runId, event: 'transfer', transfer: event.progress }));
      else io.status?.(formatStaging(event.progress));
      return;
    }
    if (event.type !== 'run:progress' || event.runId !== runId) return;
    if (json && event.epoch) io.out(JSON.stringify({ runId, event: 'epoch', epoch: event.epoch }));
    if (!json) io.status?.(formatProgress(event.progress));
    if (!json && event.epoch && !io.status) io.out(`${t('cli:run.epochLine', { epoch: event.epoch.epoch })} ${Object.entries(event.epoch.metrics).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });
  interrupt.started(runId);
  try {
    const record = await core.runs.waitForEnd(runId);
    io.status?.('');
    // A prediction's answer is its table: printed under the record, and in the record with --json.
    const table = record.mode === 'prediction' && record.state === 'succeeded' ? await core.handlers['runs:predictions']({ runId }) : null;
    if (table && !table.ok) io.err(t('cli:run.predictionsUnreadable', { message: table.error.message }));
    const predictions = table?.ok ? { classes: table.data.classes, rows: table.data.rows } : null;
    if (json) io.out(JSON.stringify(predictions ? { ...record, predictions } : record));
    else io.out(predictions ? `${formatRun(record)}\n\n${formatPredictionTable(predictions)}` : formatRun(record));
    if (record.state === 'succeeded') return OK;
    return interrupt.requested && record.state === 'cancelled' ? EXIT_INTERRUPTED : FAILED;
  } finally {
    unsubscribe();
  }
}

/**
 * Starts a run and follows it in the foreground. Ctrl-C is handled from the first moment (see
 * `Interrupt`), also while the GPU is checked and the run is being started.
 */
async function runInForeground(core: Core, values: Record<string, string>, json: boolean, io: CliIo, mode: RunRecord['mode'], start: (gpus: GpuChoice) => Promise<Response<RunRecord>>): Promise<number> {
  const interrupt = new Interrupt(core, io);
  try {
    const gpus = await gpusFor(core, values, io);
    if ('refused' in gpus) return finish({ ok: false, error: gpus.refused }, json, io, () => '');
    if (interrupt.requested) {
      io.err(t(`cli:run.start.${mode}.stoppedBefore`));
      return EXIT_INTERRUPTED;
    }
    const response = await start(gpus);
    if (!response.ok) {
      const code = finish(response, json, io, () => '');
      if (response.error.code === UPLOAD_CONSENT_CODE && !json) io.err(t('cli:run.allowUpload'));
      return code;
    }
    if (json) io.out(JSON.stringify({ runId: response.data.id, event: 'started', mode: response.data.mode, outputDir: response.data.outputDir }));
    else io.err(t(`cli:run.start.${mode}.started`, { id: response.data.id, outputDir: response.data.outputDir }));
    return await followToEnd(core, response.data.id, json, io, interrupt);
  } finally {
    interrupt.dispose();
  }
}

/** The GPU of `--gpus`, or one no running run uses (AUCMEDI trains on one), or the CPU when none is ready. */
async function gpusFor(core: Core, values: Record<string, string>, io: CliIo): Promise<GpuChoice | { refused: UserError }> {
  const chosen = parseGpus(values['--gpus']);
  if (chosen) return chosen;
  const engine = values['--engine'] ?? LOCAL_ENGINE;
  const report = await core.handlers['gpu:detect']({ engine });
  if (report.ok && report.data.ok) {
    const runs = await core.handlers['runs:list']({});
    // GPUs are per engine: a run on the server does not take this computer's GPU 0
    const busy = runs.ok ? runs.data.filter((run) => ['preparing', 'running', 'stopping'].includes(run.state) && (run.placement?.engine ?? LOCAL_ENGINE) === engine).map((run) => run.gpus) : [];
    const gpu = freeGpu(report.data.gpus, busy);
    if (gpu) return gpu;
  }
  io.err(`${t('cli:run.noGpu')} ${report.ok ? report.data.message : ''}`.trim());
  return { kind: 'none' };
}

const numberOr = (values: Record<string, string>, name: string, fallback: number) => (values[name] === undefined ? fallback : Number(values[name]));
/** The output folder and image, and where to run (`--engine`, `--allow-upload`: the data-protection yes for that server). */
const outputOf = (values: Record<string, string>, flags: string[] = []) => ({
  outputDir: values['--out'] ? path.resolve(values['--out']) : null,
  imageRef: values['--image'] ?? null,
  ...(values['--engine'] ? { engine: values['--engine'] } : {}),
  ...(flags.includes('--allow-upload') ? { allowUpload: true } : {}),
});

/** `aucmedi-desk train DATASET ...`: runs in the foreground with progress. */
export function trainCommand(core: Core, dataset: string, values: Record<string, string>, flags: string[], json: boolean, io: CliIo): Promise<number> {
  const note = fewerEpochsNote(numberOr(values, '--epochs', AUCMEDI_DEFAULTS.epochs));
  if (note && !json) io.err(note);
  return runInForeground(core, values, json, io, 'training', (gpus) =>
    core.handlers['runs:start-training']({
      dataset: { path: path.resolve(dataset), gtFile: values['--gt'] ? path.resolve(values['--gt']) : null, ohe: flags.includes('--ohe') },
      options: {
        analysis: (values['--analysis'] ?? AUCMEDI_DEFAULTS.analysis) as Analysis,
        architectures: (values['--architecture'] ?? AUCMEDI_DEFAULTS.architecture).split(','),
        epochs: numberOr(values, '--epochs', AUCMEDI_DEFAULTS.epochs),
        batchSize: numberOr(values, '--batch-size', AUCMEDI_DEFAULTS.trainingBatchSize),
        workers: numberOr(values, '--workers', AUCMEDI_DEFAULTS.workers),
        threeDim: flags.includes('--three-dim'),
        ...(values['--metalearner'] ? { metalearner: values['--metalearner'] } : {}),
      },
      gpus,
      ...outputOf(values, flags),
    }),
  );
}

/** `--model RUN_OR_DIR`: a run id of the history, or a model folder. */
function modelChoice(value: string | undefined): { runId: string } | { dir: string } {
  const text = value ?? '';
  return /^run-[A-Za-z0-9_-]+$/.test(text) ? { runId: text } : { dir: path.resolve(text) };
}

/** `aucmedi-desk predict IMAGES --model RUN_OR_DIR [--xai M] [--out DIR]`. */
export function predictCommand(core: Core, images: string, values: Record<string, string>, flags: string[], json: boolean, io: CliIo): Promise<number> {
  return runInForeground(core, values, json, io, 'prediction', (gpus) =>
    core.handlers['runs:start-prediction']({
      model: modelChoice(values['--model']),
      images: path.resolve(images),
      options: {
        batchSize: numberOr(values, '--batch-size', AUCMEDI_DEFAULTS.predictionBatchSize),
        workers: numberOr(values, '--workers', AUCMEDI_DEFAULTS.workers),
        ...(values['--xai'] ? { xaiMethod: values['--xai'] } : {}),
      },
      gpus,
      ...outputOf(values, flags),
    }),
  );
}

/** `aucmedi-desk evaluate DATASET --model RUN_OR_DIR [--gt FILE --ohe] [--out DIR]`: prediction, then evaluation. */
export function evaluateCommand(core: Core, dataset: string, values: Record<string, string>, flags: string[], json: boolean, io: CliIo): Promise<number> {
  return runInForeground(core, values, json, io, 'evaluation', (gpus) =>
    core.handlers['runs:start-evaluation']({
      model: modelChoice(values['--model']),
      dataset: { path: path.resolve(dataset), gtFile: values['--gt'] ? path.resolve(values['--gt']) : null, ohe: flags.includes('--ohe') },
      options: {
        batchSize: numberOr(values, '--batch-size', AUCMEDI_DEFAULTS.predictionBatchSize),
        workers: numberOr(values, '--workers', AUCMEDI_DEFAULTS.workers),
      },
      gpus,
      ...outputOf(values, flags),
    }),
  );
}

/** `aucmedi-desk runs list|show ID|stop ID|attach ID`. */
export async function runsCommand(core: Core, action: string, runId: string | undefined, json: boolean, io: CliIo, engine?: string): Promise<number> {
  switch (action) {
    case 'list': {
      const all = await core.handlers['runs:list']({});
      // --engine: the runs of that engine only (`local`: this computer's)
      const listed = all.ok && engine ? { ...all, data: all.data.filter((run) => (run.placement?.engine ?? LOCAL_ENGINE) === engine) } : all;
      for (const record of core.runs.takeSetAside()) io.err(t('cli:run.setAside', { reason: record.reason, file: record.file }));
      const where = (run: RunSummary) => ((run.placement?.engine ?? LOCAL_ENGINE) === LOCAL_ENGINE ? '' : `  @${run.placement!.engine}`);
      return finish(listed, json, io, (runs) =>
        runs.length ? runs.map((run) => `${run.id}  ${run.mode.padEnd(10)} ${run.state.padEnd(11)} ${describeRun(run).input}${where(run)}`).join('\n') : t('cli:run.noRuns'),
      );
    }
    case 'show':
      return finish(await core.handlers['runs:get']({ runId: runId ?? '' }), json, io, formatRun);
    case 'stop': {
      // An unknown id is answered at once; only the run named is followed (src/runs/service.ts reattach).
      const known = await core.handlers['runs:get']({ runId: runId ?? '' });
      if (!known.ok) return finish(known, json, io, formatRun);
      await core.runs.reattach(known.data.id).catch(() => []);
      if (!json) io.err(t('cli:run.interrupt.stopping', { keeps: whatStopKeeps(core, known.data.id) }));
      return finish(await core.handlers['runs:stop']({ runId: known.data.id }), json, io, formatRun);
    }
    case 'attach': {
      const known = await core.handlers['runs:get']({ runId: runId ?? '' });
      if (!known.ok) return finish(known, json, io, formatRun);
      const reattached = await core.runs.reattach(known.data.id);
      if (!reattached.some((run) => run.id === runId)) {
        const holder = runId ? core.runs.followedElsewhere(runId) : null;
        if (holder) return finish({ ok: false, error: followedElsewhereError(holder).userError }, json, io, () => '');
        return finish(await core.handlers['runs:get']({ runId: runId ?? '' }), json, io, formatRun);
      }
      const interrupt = new Interrupt(core, io);
      try {
        return await followToEnd(core, runId!, json, io, interrupt);
      } finally {
        interrupt.dispose();
      }
    }
    default:
      return -1;
  }
}
