/**
 * Gzip of a long byte stream on several cores: the stream is cut into members of `memberBytes`,
 * each deflated on its own in libuv's thread pool, written in order. A gzip file may hold members
 * one after another (RFC 1952 section 2.2); zlib's gzread, which ITK's NIfTI reader and so
 * SimpleITK use (znzlib), Python's gzip module and nibabel read them as one stream, as for bgzip.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export async function* gzipMembers(
  chunks: AsyncIterable<Uint8Array>,
  { memberBytes = 8 * 2 ** 20, parallel = 2, level = 1 }: { memberBytes?: number; parallel?: number; level?: number } = {},
): AsyncGenerator<Uint8Array> {
  const pending: Promise<Buffer>[] = [];
  let parts: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    const member = gzipAsync(Buffer.concat(parts), { level, chunkSize: 2 ** 20 });
    member.catch(() => undefined); // awaited in order below; a rejection is not unhandled meanwhile
    pending.push(member);
    parts = [];
    size = 0;
  };
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.byteLength;
    if (size >= memberBytes) flush();
    while (pending.length > parallel) yield await pending.shift()!;
  }
  if (size > 0 || pending.length === 0) flush();
  while (pending.length > 0) yield await pending.shift()!;
}
