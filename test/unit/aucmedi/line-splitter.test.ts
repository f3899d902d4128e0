import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_LINE_LENGTH, LineSplitter, splitLines, type LineSplitterOptions, type SplitLine } from '../../../src/aucmedi/line-splitter';
import { rng } from '../../helpers/images';

const FIXTURES = path.resolve('test/fixtures/keras');

const line = (text: string, redraw = false, truncated = false): SplitLine => ({ text, redraw, truncated });

/** Feed `chunks` one by one, then end. */
function feed(chunks: readonly (string | Uint8Array)[], options: LineSplitterOptions = {}): SplitLine[] {
  const splitter = new LineSplitter(options);
  const out: SplitLine[] = [];
  const sink = (text: string, redraw: boolean, truncated: boolean) => out.push({ text, redraw, truncated });
  for (const chunk of chunks) splitter.push(chunk, sink);
  splitter.end(sink);
  return out;
}

/** Split `bytes` into chunks of random sizes in [1, maxSize] (seeded). */
function randomChunks(bytes: Buffer, seed: number, maxSize: number): Buffer[] {
  const random = rng(seed);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random.next() * maxSize);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** Chunks cut right after every `\r` (so a CRLF is split across chunks, and `\r` ends chunks). */
function chunksAfterEachCr(bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    if (bytes[i] === 13) {
      chunks.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

const fixtureFiles = readdirSync(FIXTURES).filter((name) => name.endsWith('.log'));

describe('LineSplitter', () => {
  it('ends lines at \\n (newline) and at \\r and \\b (redraw); \\r\\n and \\r\\r\\n are one newline', () => {
    expect(splitLines('a\nb\r\nc\rd\be\r\r\nf')).toEqual([
      line('a'),
      line('b'),
      line('c', true),
      line('d', true),
      line('e'),
      line('f'),
    ]);
  });

  it('drops empty redraw segments (the run of backspaces before a bar) but keeps empty newline lines', () => {
    const bar1 = '  3/9 [======>.......] - ETA: 0s - loss: 0.6090';
    const bar2 = '  6/9 [============>.] - ETA: 0s - loss: 0.5800';
    const text = `Epoch 1/10\n\r${bar1}${'\b'.repeat(bar1.length)}\r${bar2}\n\nEpoch 1: early stopping\n\n`;
    expect(splitLines(text)).toEqual([line('Epoch 1/10'), line(bar1, true), line(bar2), line(''), line('Epoch 1: early stopping'), line('')]);
    expect(splitLines('\b\b\b\r\r')).toEqual([]);
    expect(splitLines('x\b\b\r\n')).toEqual([line('x', true), line('')]);
  });

  it('reports the unterminated last line at the end (a line held on \\r is a redraw)', () => {
    expect(feed(['abc'])).toEqual([line('abc')]);
    expect(feed(['abc\r'])).toEqual([line('abc', true)]);
    expect(feed(['abc\r', '\r'])).toEqual([line('abc', true)]);
    expect(feed([''])).toEqual([]);
  });

  it('keeps a CRLF split between chunks as one newline, and a lone \\r at a chunk end as a redraw', () => {
    expect(feed(['one\r', '\ntwo\r', 'three\r', '\r', '\r\nfour'])).toEqual([line('one'), line('two', true), line('three'), line('four')]);
    expect(feed(['bar\b\r', '\n'])).toEqual([line('bar', true), line('')]);
    expect(feed(['bar\r', '\b\r', 'next\n'])).toEqual([line('bar', true), line('next')]);
  });

  it('decodes UTF-8 split inside a character', () => {
    const text = 'Keras 3: 12/177 ━━━━━━━━━━ 31s 180ms/step - loss: 0.70\nµ é 😀 done\n';
    const bytes = Buffer.from(text, 'utf8');
    const whole = splitLines(bytes);
    expect(whole.map((l) => l.text)).toEqual(['Keras 3: 12/177 ━━━━━━━━━━ 31s 180ms/step - loss: 0.70', 'µ é 😀 done']);
    for (let i = 1; i < bytes.length; i += 1) {
      expect(feed([bytes.subarray(0, i), bytes.subarray(i)]), `split at byte ${i}`).toEqual(whole);
    }
    // one byte at a time
    expect(feed([...bytes].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it('takes strings and buffers alike', () => {
    const text = 'a\r\nb\bc\rd\n';
    expect(feed([text])).toEqual(feed([Buffer.from(text)]));
  });

  it('gives the same lines for every two-way split of a tricky text', () => {
    const text = 'x\r\r\n\r\nab\b\b\rcd\r\n\n\b\re\rf\r\r';
    const whole = splitLines(text);
    for (let i = 0; i <= text.length; i += 1) {
      for (let j = i; j <= text.length; j += 1) {
        expect(feed([text.slice(0, i), text.slice(i, j), text.slice(j)]), `splits at ${i}, ${j}`).toEqual(whole);
      }
    }
  });

  it.each(fixtureFiles)('gives the same lines for %s whole, in random chunks, byte by byte and cut after each \\r', (name) => {
    const bytes = readFileSync(path.join(FIXTURES, name));
    const whole = splitLines(bytes);
    expect(whole.length > 0).toBe(bytes.length > 0);
    for (const seed of [1, 2, 3]) expect(feed(randomChunks(bytes, seed, 97))).toEqual(whole);
    expect(feed(randomChunks(bytes, 4, 4096))).toEqual(whole);
    expect(feed(chunksAfterEachCr(bytes))).toEqual(whole);
    if (bytes.length < 20_000) expect(feed([...bytes].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  describe('bounded memory', () => {
    it('cuts a pathological line at 64 Ki characters and marks it truncated, whatever the chunking', () => {
      const long = 'x'.repeat(200_000);
      const text = `before\n${long}\nafter\n`;
      const whole = splitLines(text);
      expect(whole).toEqual([line('before'), line('x'.repeat(DEFAULT_MAX_LINE_LENGTH), false, true), line('after')]);
      expect(feed(randomChunks(Buffer.from(text), 9, 5000))).toEqual(whole);
      expect(feed(randomChunks(Buffer.from(text), 9, 5000), { coalesceRedraws: true })).toEqual(whole);
    });

    it('never holds more than the maximum while a line without end streams in', () => {
      const splitter = new LineSplitter({ maxLineLength: 1000 });
      const out: SplitLine[] = [];
      const sink = (text: string, redraw: boolean, truncated: boolean) => out.push({ text, redraw, truncated });
      for (let i = 0; i < 1000; i += 1) {
        splitter.push(Buffer.alloc(4096, 0x61), sink);
        expect(splitter.pending.length).toBeLessThanOrEqual(1000);
      }
      splitter.push('\rnext\n', sink);
      splitter.end(sink);
      expect(out).toEqual([line('a'.repeat(1000), true, true), line('next')]);
    });

    it('does not cut a surrogate pair in half', () => {
      const text = `${'a'.repeat(15)}😀😀\n`;
      expect(splitLines(text, { maxLineLength: 16 })).toEqual([line('a'.repeat(15), false, true)]);
    });
  });

  describe('coalesceRedraws', () => {
    /** The lines minus the redraw lines that the next line (also a redraw) draws over. */
    const withoutSuperseded = (lines: SplitLine[]) => lines.filter((l, i) => !(l.redraw && lines[i + 1]?.redraw));

    it('keeps every newline line and only the last of each run of redraws', () => {
      const text = 'Epoch 1/2\n\r1/3 [=>..]\b\b\b\b\b\b\b\b\b\b\r2/3 [==>.]\b\b\b\b\b\b\b\b\b\b\r3/3 [===]\nEpoch 2/2\r\n\r1/3\b\b\b\r2/3';
      expect(splitLines(text, { coalesceRedraws: true })).toEqual([
        line('Epoch 1/2'),
        line('2/3 [==>.]', true),
        line('3/3 [===]'),
        line('Epoch 2/2'),
        line('1/3', true),
        line('2/3'),
      ]);
    });

    it.each(fixtureFiles)('on %s: whole, it is the full split without superseded redraws; in chunks, it keeps what matters', (name) => {
      const bytes = readFileSync(path.join(FIXTURES, name));
      const all = splitLines(bytes);
      const whole = splitLines(bytes, { coalesceRedraws: true });
      expect(whole).toEqual(withoutSuperseded(all));
      for (const [seed, size] of [[5, 50], [6, 700], [7, 65536]] as const) {
        const chunked = feed(randomChunks(bytes, seed, size), { coalesceRedraws: true });
        // Every newline line, in order; redraw lines are a subsequence of the full split's; and the
        // last redraw before each newline line (and at the end) is kept.
        expect(chunked.filter((l) => !l.redraw)).toEqual(all.filter((l) => !l.redraw));
        let at = 0;
        for (const kept of chunked) {
          while (at < all.length && !(all[at]!.text === kept.text && all[at]!.redraw === kept.redraw)) at += 1;
          expect(at, `kept line ${JSON.stringify(kept.text)} is in the full split, in order`).toBeLessThan(all.length);
          at += 1;
        }
        expect(withoutSuperseded(chunked)).toEqual(whole);
      }
      expect(feed(chunksAfterEachCr(bytes), { coalesceRedraws: true }).filter((l) => !l.redraw)).toEqual(all.filter((l) => !l.redraw));
    });
  });
});
