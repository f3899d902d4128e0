import type { CoreEvent } from '../api/events';
import type { ProgressState } from '../api/progress';
import { FINISHED_STATES, type RunState, type RunSummary } from '../api/runs';
import type { DesktopT } from './texts';

/** What the desktop shows when a run ends while the window is not focused. */
export interface RunNotice {
  runId: string;
  title: string;
  body: string;
}

/** Taskbar/dock progress as Electron's `setProgressBar` takes it: -1 none, 0..1 a fraction, 2 indeterminate. */
export const NO_PROGRESS = -1;
export const INDETERMINATE = 2;

interface Watched {
  run: RunSummary;
  progress: ProgressState | null;
}

/**
 * Follows the core's run events for the desktop shell: which runs are going and how far (for the
 * taskbar), and a notice when one that was going ends. Runs that had already ended when first seen
 * (history, a reattach after the end) give no notice.
 */
export class RunWatch {
  private readonly going = new Map<string, Watched>();

  /** The notice to show for this event, if any; `focused`: whether the window has the focus (then none). */
  take(event: CoreEvent, focused: boolean, t: DesktopT): RunNotice | null {
    if (event.type === 'run:progress') {
      const watched = this.going.get(event.runId);
      if (watched) watched.progress = event.progress;
      return null;
    }
    if (event.type === 'run:deleted') {
      this.going.delete(event.runId);
      return null;
    }
    if (event.type !== 'run:state') return null;
    const { run } = event;
    const watched = this.going.get(run.id);
    if (!FINISHED_STATES.includes(run.state)) {
      this.going.set(run.id, { run, progress: watched?.progress ?? null });
      return null;
    }
    if (!watched) return null;
    this.going.delete(run.id);
    return focused ? null : runNotice(run, t);
  }

  /** The fraction done of all going runs together; indeterminate while none can say. */
  taskbarProgress(): number {
    if (this.going.size === 0) return NO_PROGRESS;
    const fractions = [...this.going.values()].map(runFraction).filter((f): f is number => f !== null);
    if (fractions.length === 0) return INDETERMINATE;
    return fractions.reduce((a, b) => a + b, 0) / fractions.length;
  }

  private shownProgress: number | undefined;

  /**
   * The taskbar value when it changed by a whole percent (or between none, indeterminate and a
   * fraction) since it was last taken, else null: Keras redraws its bar many times a second, and
   * the taskbar needs no more than what a person can see.
   */
  taskbarChange(): number | null {
    const value = this.taskbarProgress();
    const rounded = value < 0 ? value : Math.round(value * 100) / 100;
    if (rounded === this.shownProgress) return null;
    this.shownProgress = rounded;
    return value;
  }
}

/**
 * How far a run is, from its parser state: epochs (and the batches of the current one) of all its
 * models for a training (AUCMEDI's advanced analysis trains one model per architecture, `k_fold =
 * len(architectures)` in aucmedi/automl/block_train.py), batches for a prediction. Null when it
 * cannot say yet (starting up, Keras printing `Unknown` batches).
 */
export function runFraction({ run, progress }: Watched): number | null {
  if (!progress || progress.phase === 'starting') return null;
  const inBatch = progress.batch !== null && progress.totalBatches ? Math.min(1, progress.batch / progress.totalBatches) : null;
  if (run.mode !== 'training' || progress.phase === 'predicting') return inBatch;
  if (!progress.epoch || !progress.totalEpochs) return null;
  const models = run.options.analysis === 'advanced' ? Math.max(1, run.options.architectures.length) : 1;
  const epochs = Math.min(1, (progress.epoch - 1 + (inBatch ?? 0)) / progress.totalEpochs);
  return clamp01((Math.min(progress.model, models - 1) + epochs) / models);
}

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

const ENDING: Partial<Record<RunState, string>> = { succeeded: 'succeeded', failed: 'failed', cancelled: 'stopped', interrupted: 'interrupted' };

/** Title and body of the notice; no folder or dataset name (a notice may show on a locked screen). */
export function runNotice(run: RunSummary, t: DesktopT): RunNotice {
  const ending = ENDING[run.state] ?? 'failed';
  return {
    runId: run.id,
    title: t(`desktop:notice.${run.mode}.${ending}`),
    body: t(`desktop:notice.body.${ending}`, { id: run.id }),
  };
}
