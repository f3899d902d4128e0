import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipMembers } from '../../../src/dicom/gzip-members';

/** Buffers compared by digest: vitest's deep equality walks megabytes byte by byte. */
const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function* chunksOf(data: Buffer, size: number) {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function members(data: Buffer, memberBytes: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const member of gzipMembers(chunksOf(data, 100_000), { memberBytes, parallel: 2 })) out.push(Buffer.from(member));
  return out;
}

describe('gzip in members (the NIfTI volumes)', () => {
  const data = Buffer.from(Array.from({ length: 3_500_000 }, (_, i) => (i * 7919) % 251 ^ (i >> 12)));

  it('cuts the stream into members of about memberBytes, each a whole gzip stream, in order', async () => {
    const parts = await members(data, 1_000_000);
    expect(parts.length).toBe(4); // 3.5 MB in chunks of 100 kB: members flushed at 1.0, 2.0, 3.0 MB, the rest
    expect(digest(Buffer.concat(parts.map((part) => gunzipSync(part))))).toBe(digest(data));
  });

  it('is one file that gunzip, zcat and Python\'s gzip (the stand-in\'s and nibabel\'s reader) read as the whole stream', async () => {
    const file = Buffer.concat(await members(data, 1_000_000));
    expect(digest(gunzipSync(file))).toBe(digest(data));
    const zcat = spawnSync('zcat', [], { input: file, maxBuffer: 2 ** 26 });
    expect(zcat.status).toBe(0);
    expect(digest(zcat.stdout)).toBe(digest(data));
    const python = spawnSync('python3', ['-c', 'import gzip, sys, hashlib; print(hashlib.sha256(gzip.decompress(sys.stdin.buffer.read())).hexdigest())'], { input: file, encoding: 'utf8' });
    expect(python.status).toBe(0);
    expect(python.stdout.trim()).toBe(digest(data));
  });

  it('writes one empty member for an empty stream, a valid gzip file', async () => {
    const parts = await members(Buffer.alloc(0), 1_000_000);
    expect(parts).toHaveLength(1);
    expect(gunzipSync(parts[0]!)).toEqual(Buffer.alloc(0));
  });
});
