import type { EngineStatus } from '../api/types';

export interface WatchTimings {
  /** How often a healthy engine is checked. */
  okIntervalMs: number;
  /** First retry after a failure; doubles up to maxBackoffMs. */
  minBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_WATCH_TIMINGS: WatchTimings = { okIntervalMs: 5000, minBackoffMs: 1000, maxBackoffMs: 10000 };

/**
 * Keeps the engine status current: checks it on a timer (backing off while the engine is away)
 * and calls `onChange` whenever what the user would see changes.
 */
export class EngineWatcher {
  private current: EngineStatus | null = null;
  private timer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private running = false;
  private inFlight: Promise<EngineStatus> | null = null;

  constructor(
    private readonly diagnose: () => Promise<EngineStatus>,
    private readonly onChange: (status: EngineStatus) => void,
    private readonly timings: WatchTimings = DEFAULT_WATCH_TIMINGS,
  ) {
    this.backoffMs = timings.minBackoffMs;
  }

  get status(): EngineStatus | null {
    return this.current;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.check();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Checks now, sharing a check already under way, and returns the status. */
  check(): Promise<EngineStatus> {
    this.inFlight ??= this.diagnose()
      .then((status) => {
        this.record(status);
        return status;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  /** Checks again after any check under way, e.g. because the endpoint changed. */
  async recheck(): Promise<EngineStatus> {
    await this.inFlight?.catch(() => undefined);
    return this.check();
  }

  private record(status: EngineStatus): void {
    const changed = !this.current || fingerprint(this.current) !== fingerprint(status);
    this.current = status;
    if (changed) this.onChange(status);
    this.schedule(status.ok);
  }

  private schedule(ok: boolean): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    let delay: number;
    if (ok) {
      this.backoffMs = this.timings.minBackoffMs;
      delay = this.timings.okIntervalMs;
    } else {
      delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.timings.maxBackoffMs);
    }
    this.timer = setTimeout(() => void this.check(), delay);
    this.timer.unref?.();
  }
}

/** What the user sees; the time of the check and free disk space drift and are not a change. */
function fingerprint(status: EngineStatus): string {
  return JSON.stringify([status.code, status.endpoint, status.message, status.info?.version, status.info?.apiVersion]);
}
