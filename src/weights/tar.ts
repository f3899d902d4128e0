/**
 * The entries of a tar archive, plain or gzip-compressed (`.tar.gz`, `.tgz`: node-tar's parser
 * unzips what starts with the gzip magic), read once from start to end by node-tar's parser in
 * strict mode (pax, GNU and ustar headers; a header whose checksum fails is an error, not skipped).
 * A compressed archive cut short or damaged fails gzip's own length and CRC-32 check.
 * Tar has no index and no checksum of the data: an entry's size is proven right only when the
 * archive's next header is where that size says (a pax `size` that disagrees with where the data
 * ends leads to a header that does not check out). So each entry is confirmed by the next step.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { msg, type Message } from '../i18n/message';
import { text } from '../i18n/translate';

export interface TarEntry {
  name: string;
  size: number;
  kind: 'file' | 'directory' | 'link' | 'other';
  /** Where a hard or symbolic link points. */
  linkTarget?: string;
  /** What node-tar calls the entry's type (`SymbolicLink`, `FIFO`, ...). */
  type: string;
  /** The entry's bytes; read it (or leave it) before asking for the next entry. */
  open: () => Readable;
}

/** The archive cannot be read on from here: a header that does not check out, or cut short. `message` is `reason` rendered (English). */
export class TarDamagedError extends Error {
  constructor(readonly reason: Message) {
    super(text(reason));
  }
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const LINK_TYPES = new Set(['Link', 'SymbolicLink']);

type Event = { entry: ReadEntry } | { error: Error } | { end: true };

/**
 * Each entry in archive order. Asking for the next entry reads on in the archive; when that throws
 * `TarDamagedError`, the entry before it is not confirmed either.
 */
export async function* tarEntries(file: string): AsyncGenerator<TarEntry> {
  // A tar archive is made of 512-byte blocks; a partial block at the end would be ignored by the parser.
  const { size } = await stat(file);
  if (!(await isGzip(file)) && size % 512 !== 0) throw new TarDamagedError(msg('weights:tar.partialBlock', { size }));
  // The parser reads ahead and reports a bad header at once, while the entries before it are still
  // queued; `filter` runs as each header is parsed, so an error is placed after the entries parsed
  // before it, and no entry is blamed for damage that lies beyond it.
  let parsed = 0;
  let failure: { error: Error; after: number } | null = null;
  const parser = new Parser({ strict: true, filter: () => (parsed++, true) });
  const input = createReadStream(file);
  const events: Event[] = [];
  let wake: (() => void) | null = null;
  let emitted = 0;
  const push = (event: Event) => {
    events.push(event);
    wake?.();
  };
  let current: ReadEntry | null = null;
  const fail = (error: Error, after: number) => {
    if (failure) return;
    failure = { error, after };
    parser.abort(error);
    // An entry whose bytes will never all come must not be waited for: a read error fails it, damage
    // ends it short (its reader finds it shorter than its size).
    if (current && !current.emittedEnd && current.remain > 0) {
      if ((error as NodeJS.ErrnoException).syscall) current.destroy(error);
      else current.end();
    }
    if (emitted >= after) push({ error });
  };
  parser.on('entry', (entry: ReadEntry) => {
    emitted++;
    push({ entry });
    if (failure && emitted >= failure.after) push({ error: failure.error });
  });
  parser.on('error', (error: Error) => fail(error, parsed));
  parser.on('close', () => push({ end: true }));
  input.on('error', (error) => fail(error, 0));
  input.pipe(parser);
  try {
    for (;;) {
      while (events.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const event = events.shift()!;
      if ('end' in event) return;
      if ('error' in event) {
        const code = (event.error as NodeJS.ErrnoException).code;
        // A read error of the file itself (EIO, EACCES) is not damage of the archive.
        if ((event.error as NodeJS.ErrnoException).syscall) throw event.error;
        const what = event.error.message.replace(/^TAR_[A-Z_]+: /, '');
        if (code?.startsWith('Z_')) throw new TarDamagedError(msg('weights:tar.compressedDamaged', { what }));
        throw new TarDamagedError(code === 'TAR_BAD_ARCHIVE' ? msg('weights:tar.cutShort', { what }) : msg('weights:tar.badHeader', { what }));
      }
      const { entry } = event;
      current = entry;
      entry.on('error', () => undefined); // reported to whoever reads it
      const kind = FILE_TYPES.has(entry.type) ? 'file' : entry.type === 'Directory' ? 'directory' : LINK_TYPES.has(entry.type) ? 'link' : 'other';
      yield {
        name: entry.path,
        size: entry.size,
        kind,
        type: entry.type,
        ...(kind === 'link' ? { linkTarget: entry.linkpath ?? '' } : {}),
        open: () => Readable.from(entry),
      };
      // Whatever the reader left of this entry is skipped, so the parser can go on.
      if (!entry.emittedEnd && !entry.destroyed) {
        entry.resume();
        await entry.promise().catch(() => undefined);
      }
    }
  } finally {
    input.destroy();
    parser.abort(new Error('closed'));
  }
}

/** Whether `file` starts with the gzip magic (RFC 1952: 1f 8b). */
export async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
