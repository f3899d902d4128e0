import type { StateCreator } from 'zustand';
import type { EpochMetrics, PickedPath, ProgressState, Response, UserError } from '../../../src/api';
import type { RunRecord, RunState, RunSummary, SetAsideRecord, TrainingRecord, TrainingRequest } from '../../../src/api/runs';
import { invoke } from '../bridge';
import type { AppState } from './index';

/** Lines of the console log kept in memory; older ones are dropped (the whole log stays in run.log). */
export const LOG_LINE_LIMIT = 5000;
/** Bytes of an unfinished line kept (a Keras bar redrawn thousands of times without a newline). */
const PARTIAL_LIMIT = 8192;
/** Of a log longer than twice this, only the last this many bytes are read. */
const LOG_TAIL_BYTES = 1024 * 1024;

/** The same list as FINISHED_STATES in src/api/runs (the renderer takes only types from there). */
export const ENDED_STATES: readonly RunState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];
export const isActive = (state: RunState) => !ENDED_STATES.includes(state);

export interface RunLog {
  runId: string;
  /** Complete lines, terminal redraws already resolved; at most LOG_LINE_LIMIT. */
  lines: string[];
  /** The line still being written (a live progress bar), raw. */
  partial: string;
  /** Byte offset in run.log to read from next. */
  offset: number;
  /** Lines dropped from the front to keep memory bounded. */
  dropped: number;
  /** Bytes at the start of a long log that were never read (only its last part is shown). */
  skippedBytes: number;
  /** The step whose log this is (an evaluation logs its two steps to two files); null for one-step runs. */
  step: string | null;
}

const stepOf = (run: Pick<RunRecord, 'mode'> & { step?: string }) => (run.mode === 'evaluation' ? (run.step ?? null) : null);
const emptyLog = (run: Pick<RunRecord, 'id' | 'mode'> & { step?: string }): RunLog => ({ runId: run.id, lines: [], partial: '', offset: 0, dropped: 0, skippedBytes: 0, step: stepOf(run) });

export interface RunsSlice {
  runs: RunSummary[] | null;
  runsError: UserError | null;
  /** Run records the core could not read and set aside (each reported once by the core; kept here until dismissed). */
  setAsideRecords: SetAsideRecord[];
  dismissSetAside(): void;
  /** The run shown on the Run page (full record, kept live by events). */
  openRun: RunRecord | null;
  openRunError: UserError | null;
  runLog: RunLog | null;
  /** The refusal of the latest start (preflight), shown on the Train page. */
  startError: UserError | null;
  starting: boolean;
  stopError: UserError | null;
  loadRuns(): Promise<void>;
  loadRun(runId: string): Promise<void>;
  /** Starts a training run; on success opens its page. */
  startTraining(request: TrainingRequest): Promise<RunRecord | null>;
  /** Opens the page of a run that was just started (training, prediction or evaluation). */
  showStartedRun(record: RunRecord): void;
  stopRun(runId: string): Promise<void>;
  /** Reads what the log file has beyond the last offset (for the open run); true when more is left to read. */
  pollLog(): Promise<boolean>;
  applyRunState(run: RunSummary): void;
  /** Forgets an ended run (and its output folder with `deleteFiles`); false with `deleteError` set when refused. */
  deleteRun(runId: string, deleteFiles: boolean): Promise<boolean>;
  deleteError: UserError | null;
  applyRunDeleted(runId: string): void;
  applyRunProgress(runId: string, progress: ProgressState, epoch?: EpochMetrics): void;
  clearStartError(): void;
  /** The output folder chosen on the Train page; null: a new folder under the runs folder. */
  trainOutputDir: string | null;
  outputChoiceError: UserError | null;
  chooseTrainOutputDir(): Promise<void>;
  resetTrainOutputDir(): void;
  /** Asks where to save the run's log (the core opens the dialog and copies it). */
  saveRunLog(runId: string): Promise<Response<PickedPath>>;
  /** The latest refusal to show a run's output folder. */
  folderError: { runId: string; error: UserError } | null;
  openRunFolder(runId: string): Promise<void>;
  /** Runs ticked on the Runs page for comparison, in the order ticked. */
  compareIds: string[];
  toggleCompare(runId: string): void;
  /** The full records of the compared runs, as of the last Compare. */
  comparison: TrainingRecord[] | null;
  comparisonError: UserError | null;
  loadComparison(): Promise<void>;
  closeComparison(): void;
}

/** The most runs one comparison chart stays readable with. */
export const COMPARE_LIMIT = 4;

/** A terminal line as it finally looks: what follows the last carriage return, backspaces applied, colours removed. */
export function resolveRedraws(raw: string): string {
  // eslint-disable-next-line no-control-regex
  let text = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  if (text.includes('\r')) {
    const parts = text.split('\r');
    let last = '';
    for (let i = parts.length - 1; i >= 0; i -= 1) {
      if (parts[i]!.replace(/\x08/g, '') !== '') {
        last = parts[i]!;
        break;
      }
    }
    text = last;
  }
  if (text.includes('\b')) {
    const out: string[] = [];
    for (const ch of text) {
      if (ch === '\b') out.pop();
      else out.push(ch);
    }
    text = out.join('');
  }
  return text;
}

/** Keeps the unfinished line short: only its last redraws matter. */
function compactPartial(partial: string): string {
  if (partial.length <= PARTIAL_LIMIT) return partial;
  const cut = partial.lastIndexOf('\r', partial.length - 2);
  return cut > 0 ? partial.slice(cut) : partial.slice(-PARTIAL_LIMIT);
}

/** One byte-offset read of the log at a time, per run. */
let polling: string | null = null;

export const createRunsSlice: StateCreator<AppState, [], [], RunsSlice> = (set, get) => ({
  runs: null,
  runsError: null,
  setAsideRecords: [],
  dismissSetAside: () => set({ setAsideRecords: [] }),
  openRun: null,
  openRunError: null,
  runLog: null,
  startError: null,
  starting: false,
  stopError: null,
  async loadRuns() {
    const response = await invoke('runs:list', {});
    if (response.ok) set({ runs: [...response.data].sort((a, b) => b.createdAt.localeCompare(a.createdAt)), runsError: null });
    else set({ runsError: response.error });
    const setAside = await invoke('runs:set-aside', {});
    if (setAside.ok && setAside.data.length > 0) set({ setAsideRecords: [...get().setAsideRecords, ...setAside.data] });
  },
  async loadRun(runId) {
    if (get().openRun?.id !== runId) set({ openRun: null, runLog: null, stopError: null });
    set({ openRunError: null });
    const response = await invoke('runs:get', { runId });
    if (get().openRunId !== runId) return;
    if (!response.ok) return set({ openRunError: response.error });
    const log = get().runLog;
    if (!log || log.runId !== runId || log.step !== stepOf(response.data)) set({ runLog: emptyLog(response.data) });
    set({ openRun: response.data });
  },
  async startTraining(request) {
    if (get().starting) return null;
    set({ starting: true, startError: null });
    const response = await invoke('runs:start-training', request);
    set({ starting: false });
    if (!response.ok) {
      // The data-protection question is asked in its own confirmation, not shown as a refusal.
      if (!get().takeConsentQuestion('start', { mode: 'training', request }, response.error)) set({ startError: response.error });
      return null;
    }
    // A chosen folder holds this run's outputs now; the next run needs another.
    set({ trainOutputDir: null });
    get().showStartedRun(response.data);
    return response.data;
  },
  showStartedRun(record) {
    set({ openRun: record, runLog: emptyLog(record), stopError: null });
    get().showRun(record.id);
    void get().loadRuns();
  },
  async stopRun(runId) {
    set({ stopError: null });
    const response = await invoke('runs:stop', { runId });
    if (response.ok) {
      if (get().openRun?.id === runId) set({ openRun: response.data });
    } else set({ stopError: response.error });
    void get().loadRuns();
  },
  async pollLog() {
    const log = get().runLog;
    if (!log || polling === log.runId) return false;
    polling = log.runId;
    try {
      let { offset, skippedBytes } = log;
      let chunk = '';
      let more = false;
      // Catch up in a few reads at most (256 KB each); the rest comes with the next poll.
      for (let i = 0; i < 8; i += 1) {
        const response = await invoke('runs:log', { runId: log.runId, offset });
        if (!response.ok) break;
        const { text, nextOffset, size } = response.data;
        if (offset === 0 && !chunk && size > LOG_TAIL_BYTES * 2) {
          // A long log opened afresh: only its last part is read (the whole of it is in run.log).
          offset = skippedBytes = size - LOG_TAIL_BYTES;
          const tail = await invoke('runs:log', { runId: log.runId, offset });
          if (!tail.ok) break;
          const firstBreak = tail.data.text.indexOf('\n');
          chunk += firstBreak >= 0 ? tail.data.text.slice(firstBreak + 1) : '';
          offset = tail.data.nextOffset;
          more = offset < tail.data.size;
          if (!more) break;
          continue;
        }
        chunk += text;
        const advanced = nextOffset !== offset;
        offset = nextOffset;
        more = offset < size;
        if (!advanced || !more) break;
      }
      const current = get().runLog;
      if (!current || current.runId !== log.runId || current.step !== log.step || current.offset !== log.offset) return false;
      if (!chunk && offset === current.offset) return more;
      const pieces = (current.partial + chunk).split('\n');
      const partial = compactPartial(pieces.pop()!);
      const fresh = pieces.map(resolveRedraws);
      let lines = current.lines.concat(fresh);
      let dropped = current.dropped;
      if (lines.length > LOG_LINE_LIMIT) {
        dropped += lines.length - LOG_LINE_LIMIT;
        lines = lines.slice(lines.length - LOG_LINE_LIMIT);
      }
      set({ runLog: { ...current, lines, partial, offset, dropped, skippedBytes } });
      return more;
    } finally {
      polling = null;
    }
  },
  deleteError: null,
  async deleteRun(runId, deleteFiles) {
    const response = await invoke('runs:delete', { runId, deleteFiles });
    if (!response.ok) {
      set({ deleteError: response.error });
      return false;
    }
    set({ deleteError: null });
    get().applyRunDeleted(runId);
    return true;
  },
  applyRunDeleted(runId) {
    const runs = get().runs;
    if (runs) set({ runs: runs.filter((r) => r.id !== runId) });
    set({ compareIds: get().compareIds.filter((id) => id !== runId), comparison: get().comparison?.filter((run) => run.id !== runId) ?? null });
    if (get().openRun?.id === runId) set({ openRun: null });
  },
  applyRunState(run) {
    const runs = get().runs;
    if (runs) {
      const index = runs.findIndex((r) => r.id === run.id);
      set({ runs: index >= 0 ? runs.map((r) => (r.id === run.id ? run : r)) : [run, ...runs] });
    }
    const open = get().openRun;
    if (open && open.id === run.id) {
      const { lastEpoch: _lastEpoch, bestValLoss: _bestValLoss, ...fields } = run;
      const nextStep = stepOf(run) !== stepOf(open);
      // The evaluation's second step: a new container, a new log file, its own progress.
      set({ openRun: { ...open, ...fields, ...(nextStep ? { progress: null } : {}) } as RunRecord });
      if (nextStep) set({ runLog: emptyLog(run) });
    }
  },
  applyRunProgress(runId, progress, epoch) {
    const open = get().openRun;
    if (!open || open.id !== runId) return;
    if (open.mode !== 'training') return set({ openRun: { ...open, progress } });
    let epochs = open.epochs;
    if (epoch) {
      // Keras 3 may report an epoch twice (the last bar, then the final line): keep the latest.
      const last = epochs[epochs.length - 1];
      epochs = last && last.model === epoch.model && last.epoch === epoch.epoch ? [...epochs.slice(0, -1), epoch] : [...epochs, epoch];
    }
    set({ openRun: { ...open, progress, epochs } });
  },
  clearStartError: () => set({ startError: null }),
  trainOutputDir: null,
  outputChoiceError: null,
  async chooseTrainOutputDir() {
    const response = await invoke('dialog:open-folder', { purpose: 'run-output' });
    if (!response.ok) set({ outputChoiceError: response.error });
    else if (response.data.path) set({ trainOutputDir: response.data.path, outputChoiceError: null, startError: null });
  },
  resetTrainOutputDir: () => set({ trainOutputDir: null, outputChoiceError: null, startError: null }),
  saveRunLog: (runId) => invoke('runs:save-log', { runId }),
  folderError: null,
  async openRunFolder(runId) {
    const response = await invoke('runs:open-folder', { runId });
    set({ folderError: response.ok ? null : { runId, error: response.error } });
  },
  compareIds: [],
  toggleCompare(runId) {
    const ids = get().compareIds;
    if (ids.includes(runId)) set({ compareIds: ids.filter((id) => id !== runId) });
    else if (ids.length < COMPARE_LIMIT) set({ compareIds: [...ids, runId] });
  },
  comparison: null,
  comparisonError: null,
  async loadComparison() {
    const responses = await Promise.all(get().compareIds.map((runId) => invoke('runs:get', { runId })));
    const failed = responses.find((r) => !r.ok);
    if (failed && !failed.ok) set({ comparisonError: failed.error });
    else set({ comparison: responses.flatMap((r) => (r.ok && r.data.mode === 'training' ? [r.data] : [])), comparisonError: null });
  },
  closeComparison: () => set({ comparison: null, comparisonError: null }),
});
