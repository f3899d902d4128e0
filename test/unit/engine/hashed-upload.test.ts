import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceReadError, sendFileHashed } from '../../../src/engine/hashed-upload';
import { tempDir } from '../../helpers/temp';

/** What a local server on a unix socket received for one request: its bytes, and whether the body came complete. */
interface Received {
  body: Buffer;
  complete: boolean;
}

describe('sendFileHashed: a file as a request body, read once and hashed on the way', () => {
  const dir = tempDir();
  const socketPath = path.join(dir, 'server.sock');
  const file = path.join(dir, 'payload.bin');
  // Not a multiple of the 1 MiB chunk, and more chunks than the uploader has buffers.
  const payload = randomBytes(20 * 1024 * 1024 + 123);
  const expectedDigest = createHash('sha256').update(payload).digest('hex');
  let server: http.Server;
  let received: Promise<Received>;
  let closeEarlyAfter: number | null = null;

  beforeAll(async () => {
    writeFileSync(file, payload);
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let settle: (value: Received) => void = () => {};
      received = new Promise((resolve) => (settle = resolve));
      request.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        bytes += chunk.length;
        if (closeEarlyAfter !== null && bytes >= closeEarlyAfter) {
          response.writeHead(500).end('{"message":"no thanks"}');
          request.socket.destroy();
        }
      });
      request.on('end', () => {
        settle({ body: Buffer.concat(chunks), complete: true });
        response.end('{"stream":"ok"}');
      });
      request.socket.once('close', () => settle({ body: Buffer.concat(chunks), complete: false }));
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const request = (size = payload.length) => {
    const outgoing = http.request({ socketPath, method: 'POST', path: '/upload', headers: { 'Content-Length': size }, agent: false });
    outgoing.on('error', () => {});
    return outgoing;
  };

  it('sends every byte in order and returns the SHA-256 of the file', async () => {
    let counted = 0;
    let digestSeen = '';
    const digest = await sendFileHashed(request(), file, payload.length, {
      onBytes: (bytes) => (counted += bytes),
      beforeLastChunk: (sha256) => (digestSeen = sha256),
    });
    const got = await received;
    expect(got.complete).toBe(true);
    expect(got.body.equals(payload)).toBe(true);
    expect(digest).toBe(expectedDigest);
    expect(digestSeen).toBe(expectedDigest);
    expect(counted).toBe(payload.length);
  });

  it('leaves the body unfinished when the digest is refused', async () => {
    await expect(
      sendFileHashed(request(), file, payload.length, {
        beforeLastChunk: () => {
          throw new Error('checksum mismatch');
        },
      }),
    ).rejects.toThrow('checksum mismatch');
    const got = await received;
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThan(payload.length);
  });

  it('stops on a cancel, with the body unfinished', async () => {
    const controller = new AbortController();
    await expect(
      sendFileHashed(request(), file, payload.length, { signal: controller.signal, onBytes: () => controller.abort() }),
    ).rejects.toThrow('cancelled');
    const got = await received;
    expect(got.complete).toBe(false);
    expect(got.body.length).toBeLessThan(payload.length);
  });

  it('says the file could not be read when it is shorter than announced', async () => {
    const failure = await sendFileHashed(request(payload.length + 5), file, payload.length + 5).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SourceReadError);
    expect((failure as Error).message).toMatch(/shorter/);
    expect((await received).complete).toBe(false);
  });

  it('says the file could not be read when it is missing', async () => {
    const outgoing = request();
    const failure = await sendFileHashed(outgoing, path.join(dir, 'missing.bin'), payload.length).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SourceReadError);
    expect(outgoing.destroyed).toBe(true);
  });

  it('ends, without hanging, when the other side closes the connection half-way', async () => {
    closeEarlyAfter = 3 * 1024 * 1024;
    try {
      const failure = await sendFileHashed(request(), file, payload.length).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(failure).not.toBeInstanceOf(SourceReadError);
      expect((await received).complete).toBe(false);
    } finally {
      closeEarlyAfter = null;
    }
  });
});
