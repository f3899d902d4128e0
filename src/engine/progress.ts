/** Bytes done, rate and time left for long transfers, measured over a sliding window. */
export class TransferMeter {
  private readonly samples: Array<[number, number]> = [];
  private lastReport = 0;
  bytesDone = 0;

  constructor(
    /** Null while not known; it may become known on the way. */
    public bytesTotal: number | null,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 3000,
  ) {
    this.samples.push([now(), 0]);
  }

  add(bytes: number): void {
    this.bytesDone += bytes;
    const t = this.now();
    this.samples.push([t, this.bytesDone]);
    while (this.samples.length > 2 && t - this.samples[0]![0] > this.windowMs) this.samples.shift();
  }

  get bytesPerSecond(): number {
    const [t0, b0] = this.samples[0]!;
    const [t1, b1] = this.samples[this.samples.length - 1]!;
    return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : 0;
  }

  get secondsLeft(): number | null {
    const rate = this.bytesPerSecond;
    if (this.bytesTotal === null || rate <= 0) return null;
    return Math.max(0, (this.bytesTotal - this.bytesDone) / rate);
  }

  /** True at most every `intervalMs`, so progress events stay cheap. */
  due(intervalMs = 200): boolean {
    const t = this.now();
    if (t - this.lastReport < intervalMs) return false;
    this.lastReport = t;
    return true;
  }
}
