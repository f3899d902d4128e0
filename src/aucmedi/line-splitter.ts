/**
 * A streaming line splitter for a container's console output.
 *
 * Lines end at `\n`, `\r` and `\b`: Keras redraws its progress bar in place with backspaces and a
 * carriage return (`\b\b...\b\r  12/177 [>....] - ETA: 31s ...`). A line is reported with
 * `redraw: true` when it ended with `\r` or `\b` (the terminal draws over it), `false` when it ended
 * with a newline (or the stream). `\r\n` (and `\r\r\n`, as a TTY turns `\r\n` into) is one newline.
 * Empty lines that end with a redraw carry nothing and are not reported; empty lines that end with a
 * newline are.
 *
 * Chunks may be split anywhere, inside a multi-byte UTF-8 character or between the `\r` and `\n` of a
 * CRLF: the lines reported are the same whatever the chunking. Memory is bounded: a line longer than
 * `maxLineLength` characters (64 Ki by default) is cut there and reported with `truncated: true`; the
 * rest of it is dropped up to its end.
 *
 * With `coalesceRedraws`, a redraw line followed by another redraw line in the same chunk is not
 * reported: a terminal draws over it before anyone could see it. Every newline-terminated line is
 * still reported, and so is the last redraw line before each of them and before the end of each
 * chunk, so a reader of the latest bar misses nothing it could show; what is skipped depends on the
 * chunking, what is kept does not. It makes the split of a TTY log (hundreds of redraws per epoch)
 * about as fast as a plain split on `\n`.
 */
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

/** Receives each complete line. */
export type LineSink = (text: string, redraw: boolean, truncated: boolean) => void;

export interface SplitLine {
  text: string;
  redraw: boolean;
  truncated: boolean;
}

export interface LineSplitterOptions {
  /** Longest line kept, in UTF-16 code units (default 64 Ki). */
  maxLineLength?: number;
  /** Skip redraw lines that a later redraw line in the same chunk draws over (default false). */
  coalesceRedraws?: boolean;
}

const LF = 10;
const CR = 13;
const BS = 8;

const isRedrawChar = (code: number) => code === CR || code === BS;

/** Cut `text` to `max` code units without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function countNewlines(run: string): number {
  let count = 0;
  let at = run.indexOf('\n');
  while (at !== -1) {
    count += 1;
    at = run.indexOf('\n', at + 1);
  }
  return count;
}

export class LineSplitter {
  private readonly max: number;
  private readonly coalesce: boolean;
  private readonly decoder = new StringDecoder('utf8');
  /** Finds runs of terminators (`\n`, `\r`, `\b`); one per splitter, as it keeps a position. */
  private readonly terminators = /[\n\r\b]+/g;
  /** Text of the line not yet terminated. */
  private carry = '';
  private carryTruncated = false;
  /** A line that ended with `\r` at the end of a chunk: `\n` may follow in the next one. */
  private held: string | null = null;
  private heldTruncated = false;
  /** Set by `take()`: whether the line it returned was cut. */
  private truncated = false;

  constructor(options: LineSplitterOptions = {}) {
    this.max = Math.max(16, options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
    this.coalesce = options.coalesceRedraws ?? false;
  }

  /** The text of the line in progress (not yet terminated), e.g. the bar Keras is drawing now. */
  get pending(): string {
    return this.held ?? this.carry;
  }

  /** Feed a chunk; `sink` gets every line it completes. */
  push(chunk: string | Uint8Array, sink: LineSink): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (text.length === 0) return;
    let pos = 0;
    if (this.held !== null) {
      pos = this.resolveHeld(text, sink);
      if (pos < 0) return;
    }
    if (this.coalesce) this.scanCoalesced(text, pos, sink);
    else this.scanAll(text, pos, sink);
  }

  /** The stream ended: report the last line if it was not terminated. */
  end(sink: LineSink): void {
    const rest = this.decoder.end();
    if (rest.length > 0) this.push(rest, sink);
    if (this.held !== null) {
      const held = this.held;
      const truncated = this.heldTruncated;
      this.held = null;
      if (held.length > 0) sink(held, true, truncated);
    }
    if (this.carry.length > 0) sink(this.carry, false, this.carryTruncated);
    this.carry = '';
    this.carryTruncated = false;
  }

  /** Convenience: the lines a chunk completes, as objects. */
  lines(chunk: string | Uint8Array): SplitLine[] {
    const out: SplitLine[] = [];
    this.push(chunk, (text, redraw, truncated) => out.push({ text, redraw, truncated }));
    return out;
  }

  /** The carry (the line's start from earlier chunks) plus `text[from, to)`, cut to the maximum; empties the carry. */
  private take(text: string, from: number, to: number): string {
    let line: string;
    let truncated = false;
    if (this.carryTruncated) {
      line = this.carry;
      truncated = true;
    } else {
      line = this.carry.length > 0 ? this.carry + text.slice(from, to) : text.slice(from, to);
    }
    this.carry = '';
    this.carryTruncated = false;
    if (line.length > this.max) {
      line = cut(line, this.max);
      truncated = true;
    }
    this.truncated = truncated;
    return line;
  }

  /** `text[from, to)` continues the line in progress. */
  private extendCarry(text: string, from: number, to: number): void {
    if (from >= to || this.carryTruncated) return;
    const rest = from === 0 && to === text.length ? text : text.slice(from, to);
    const carry = this.carry.length > 0 ? this.carry + rest : rest;
    if (carry.length > this.max) {
      this.carry = cut(carry, this.max);
      this.carryTruncated = true;
    } else {
      this.carry = carry;
    }
  }

  /**
   * The held line ended with `\r`; the start of `text` decides between CRLF and a redraw. Returns
   * where to go on scanning, or -1 when `text` is only more `\r` (keep holding).
   */
  private resolveHeld(text: string, sink: LineSink): number {
    const held = this.held!;
    const heldTruncated = this.heldTruncated;
    const first = text.charCodeAt(0);
    if (first !== LF && first !== CR && first !== BS) {
      this.held = null;
      if (held.length > 0) sink(held, true, heldTruncated);
      return 0;
    }
    const re = this.terminators;
    re.lastIndex = 0;
    const run = re.exec(text)![0];
    let i = 0;
    while (i < run.length && run.charCodeAt(i) === CR) i += 1;
    if (i === run.length && run.length === text.length) return -1;
    this.held = null;
    const newline = i < run.length && run.charCodeAt(i) === LF;
    if (newline || held.length > 0) sink(held, !newline, heldTruncated);
    for (let empties = countNewlines(run) - (newline ? 1 : 0); empties > 0; empties -= 1) sink('', false, false);
    return run.length;
  }

  /** Every line. */
  private scanAll(text: string, start: number, sink: LineSink): void {
    const length = text.length;
    const re = this.terminators;
    let pos = start;
    re.lastIndex = pos;
    for (;;) {
      const match = re.exec(text);
      if (match === null) break;
      const at = match.index;
      const run = match[0];
      const end = at + run.length;
      const line = this.take(text, pos, at);
      const truncated = this.truncated;
      // How it ended: `\r*\n` is a newline; `\r` alone at the end of the text is undecided.
      const c0 = run.charCodeAt(0);
      let newline: boolean;
      if (c0 === LF) newline = true;
      else if (c0 === BS) newline = false;
      else {
        let i = 1;
        while (i < run.length && run.charCodeAt(i) === CR) i += 1;
        if (i === run.length && end === length) {
          this.held = line;
          this.heldTruncated = truncated;
          return;
        }
        newline = i < run.length && run.charCodeAt(i) === LF;
      }
      if (newline || line.length > 0) sink(line, !newline, truncated);
      // Every further `\n` in the run ends an empty line (empty redraw segments are dropped).
      if (run.length > 1) {
        for (let empties = countNewlines(run) - (newline ? 1 : 0); empties > 0; empties -= 1) sink('', false, false);
      }
      pos = end;
      if (end === length) return;
    }
    this.extendCarry(text, pos, length);
  }

  /**
   * Newline lines, and of each run of redraw lines only the last. Works on the regions between
   * newlines with `indexOf` (native, fast) and short backward scans, never char by char forward.
   */
  private scanCoalesced(text: string, start: number, sink: LineSink): void {
    const length = text.length;
    let pos = start;
    // Next `\r` and `\b` at or after `pos` (-1: none left in this text); advanced lazily.
    let nextCr = text.indexOf('\r', pos);
    let nextBs = text.indexOf('\b', pos);
    while (pos < length) {
      const newlineAt = text.indexOf('\n', pos);
      const regionEnd = newlineAt === -1 ? length : newlineAt;
      // `\r*\n`: the carriage returns before a newline belong to it; at the end of the text, they
      // may be the start of a CRLF split across chunks.
      let end = regionEnd;
      while (end > pos && text.charCodeAt(end - 1) === CR) end -= 1;
      if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
      if (nextBs !== -1 && nextBs < pos) nextBs = text.indexOf('\b', pos);
      const crInRegion = nextCr !== -1 && nextCr < end;
      const bsInRegion = nextBs !== -1 && nextBs < end;
      let lineStart = pos;
      if (crInRegion || bsInRegion) {
        // The last redraw character of the region (`lastIndexOf` only for a character known to be in
        // the region, so it never searches before it), then the last non-empty segment before it.
        const last = Math.max(crInRegion ? text.lastIndexOf('\r', end - 1) : -1, bsInRegion ? text.lastIndexOf('\b', end - 1) : -1);
        let segmentEnd = last;
        while (segmentEnd > pos && isRedrawChar(text.charCodeAt(segmentEnd - 1))) segmentEnd -= 1;
        let segmentStart = segmentEnd - 1;
        while (segmentStart >= pos && !isRedrawChar(text.charCodeAt(segmentStart))) segmentStart -= 1;
        segmentStart += 1;
        let line: string;
        if (segmentStart === pos) {
          line = this.take(text, pos, segmentEnd);
        } else {
          this.carry = '';
          this.carryTruncated = false;
          line = this.take(text, segmentStart, segmentEnd);
        }
        if (line.length > 0) sink(line, true, this.truncated);
        lineStart = last + 1;
      }
      if (newlineAt === -1) {
        if (end < length) {
          // Ends with `\r`: held until the next chunk says whether `\n` follows.
          this.held = this.take(text, lineStart, end);
          this.heldTruncated = this.truncated;
        } else {
          this.extendCarry(text, lineStart, length);
        }
        return;
      }
      const line = this.take(text, lineStart, end);
      sink(line, false, this.truncated);
      pos = newlineAt + 1;
    }
  }
}

/** Split a whole text (or buffer) at once, as `LineSplitter` would streamed. */
export function splitLines(input: string | Uint8Array, options: LineSplitterOptions = {}): SplitLine[] {
  const splitter = new LineSplitter(options);
  const out: SplitLine[] = [];
  const sink: LineSink = (text, redraw, truncated) => out.push({ text, redraw, truncated });
  splitter.push(input, sink);
  splitter.end(sink);
  return out;
}
