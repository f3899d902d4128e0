import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectArchiveFormat, hasTarTrailer } from '../../../src/engine/archive';
import { checksumLine, readExpectedChecksum } from '../../../src/engine/checksum';
import { parseLoadOutput } from '../../../src/engine/image-load';
import { TransferMeter } from '../../../src/engine/progress';
import { Operations } from '../../../src/operations';
import { tempDir } from '../../helpers/temp';

const dir = tempDir();
const HEX = 'ab'.repeat(32);

describe('detectArchiveFormat', () => {
  it('recognises tar, gzip, xz, bzip2 and zstd by their first bytes', () => {
    const tar = Buffer.alloc(512);
    tar.write('ustar', 257, 'latin1');
    expect(detectArchiveFormat(tar)).toBe('tar');
    expect(detectArchiveFormat(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(detectArchiveFormat(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0]))).toBe('xz');
    expect(detectArchiveFormat(Buffer.from('BZh91AY'))).toBe('bzip2');
    expect(detectArchiveFormat(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]))).toBe('zstd');
    expect(detectArchiveFormat(Buffer.from('{"not": "an archive"}'))).toBeNull();
    expect(detectArchiveFormat(Buffer.alloc(0))).toBeNull();
  });

  it('tells a complete tar from one cut off', async () => {
    const complete = path.join(dir, 'complete.tar');
    writeFileSync(complete, Buffer.concat([Buffer.alloc(512, 1), Buffer.alloc(1024)]));
    expect(await hasTarTrailer(complete, 1536)).toBe(true);
    const cut = path.join(dir, 'cut.tar');
    writeFileSync(cut, Buffer.concat([Buffer.alloc(1024), Buffer.alloc(512, 1)]));
    expect(await hasTarTrailer(cut, 1536)).toBe(false);
  });
});

describe('readExpectedChecksum', () => {
  it('reads sha256sum lines, text and binary mode, for the right file name', async () => {
    const file = path.join(dir, 'image.tar');
    writeFileSync(`${file}.sha256`, checksumLine(HEX, file));
    expect(await readExpectedChecksum(file)).toBe(HEX);
    writeFileSync(`${file}.sha256`, `${'cd'.repeat(32)}  other.tar\r\n${HEX.toUpperCase()} *image.tar\r\n`);
    expect(await readExpectedChecksum(file)).toBe(HEX);
    writeFileSync(`${file}.sha256`, `${HEX}\n`);
    expect(await readExpectedChecksum(file)).toBe(HEX);
  });

  it('returns null without a checksum file and refuses a checksum file for another file', async () => {
    expect(await readExpectedChecksum(path.join(dir, 'none.tar'))).toBeNull();
    const file = path.join(dir, 'mine.tar');
    writeFileSync(`${file}.sha256`, `${HEX}  theirs.tar\n`);
    await expect(readExpectedChecksum(file)).rejects.toMatchObject({ userError: { code: 'CHECKSUM_FILE_INVALID' } });
  });
});

describe('parseLoadOutput', () => {
  it('collects loaded references and ids, and the error', () => {
    const output = [
      '{"stream":"Loaded image: ghcr.io/frankkramer-lab/aucmedi:latest\\n"}',
      '{"stream":"Loaded image ID: sha256:0123abcd\\n"}',
      'garbage',
      '',
    ].join('\n');
    expect(parseLoadOutput(output)).toEqual({ references: ['ghcr.io/frankkramer-lab/aucmedi:latest'], imageIds: ['sha256:0123abcd'], error: null });
    expect(parseLoadOutput('{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}').error).toBe('unexpected EOF');
  });
});

describe('TransferMeter', () => {
  it('computes rate and time left from a sliding window', () => {
    let t = 0;
    const meter = new TransferMeter(1000, () => t, 10_000);
    t = 1000;
    meter.add(100);
    t = 2000;
    meter.add(100);
    expect(meter.bytesPerSecond).toBe(100);
    expect(meter.secondsLeft).toBe(8);
    expect(new TransferMeter(null, () => t).secondsLeft).toBeNull();
  });

  it('throttles reports', () => {
    let t = 0;
    const meter = new TransferMeter(null, () => t);
    t = 1000;
    expect(meter.due(200)).toBe(true);
    t = 1100;
    expect(meter.due(200)).toBe(false);
    t = 1300;
    expect(meter.due(200)).toBe(true);
  });
});

describe('Operations', () => {
  it('cancels a running operation by id and refuses a duplicate id', async () => {
    const operations = new Operations();
    let aborted = false;
    const running = operations.run('op-1', (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve((aborted = true)))));
    await expect(operations.run('op-1', async () => 1)).rejects.toMatchObject({ userError: { code: 'INVALID_REQUEST' } });
    expect(operations.cancel('op-1')).toBe(true);
    await running;
    expect(aborted).toBe(true);
    expect(operations.cancel('op-1')).toBe(false);
  });
});

describe('isAucmediReference', () => {
  it('looks at the image name, not the registry or namespace', async () => {
    const { isAucmediReference } = await import('../../../src/engine/images');
    expect(isAucmediReference('ghcr.io/frankkramer-lab/aucmedi:latest')).toBe(true);
    expect(isAucmediReference('registry.local:5000/aucmedi-gpu@sha256:abc')).toBe(true);
    expect(isAucmediReference('aucmedi-desk/stand-in-base:bookworm')).toBe(false);
    expect(isAucmediReference('localhost:5000/tools/python:3.11')).toBe(false);
  });
});
