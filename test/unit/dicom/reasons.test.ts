/**
 * Issue 16: why a DICOM file is left out is a catalog message (`i18n.reason` on the Dataset page's
 * entries), its English rendering byte for byte the sentence of before, and it survives the hop
 * from a worker thread (src/dicom/threads.ts) as plain JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeRle, UndecodableFrame } from '../../../src/dicom/codecs';
import { classify, readDicomHeader, type DicomHeader } from '../../../src/dicom/header';
import { DicomReason, readRegularFile } from '../../../src/dicom/read-file';
import { DicomThreads } from '../../../src/dicom/threads';
import type { Message } from '../../../src/i18n/message';
import { createI18n, renderMessage, text } from '../../../src/i18n/translate';
import { tempDir } from '../../helpers/temp';

const german = createI18n('de');

/** A 4×3 16-bit grey CT header with its pixel data in place; `extra` changes it. */
function header(extra: Partial<DicomHeader> = {}): DicomHeader {
  const bytes = new Uint8Array(4 * 3 * 2);
  return {
    transferSyntax: '1.2.840.10008.1.2.1', sopClassUid: '', sopInstanceUid: '1.2', studyUid: '', seriesUid: '', modality: 'CR',
    rows: 3, columns: 4, frames: 1, bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 0, samplesPerPixel: 1,
    photometric: 'MONOCHROME2', planarConfiguration: 0, rescaleSlope: 1, rescaleIntercept: 0, modalityLut: null, window: null, voiLut: null,
    hasImagePosition: false, position: null, orientation: null, pixelSpacing: null, localizer: false,
    pixelData: { offset: 0, length: bytes.length, encapsulated: false, fragments: [], basicOffsetTable: [] },
    bytes, littleEndian: true, classKey: null, ...extra,
  };
}

function problem(extra: Partial<DicomHeader>): Message {
  const result = classify(header(extra));
  expect(result.kind).toBe('unusable');
  return result.problem!;
}

describe('why a DICOM file cannot be used, as a catalog message', () => {
  it('renders the English sentences of before', () => {
    expect(classify(header())).toEqual({ kind: '2d', problem: null });
    const cases: [Partial<DicomHeader>, string][] = [
      [{ pixelData: null, modality: 'SR' }, 'it holds no image (SR, a structured report)'],
      [{ pixelData: null, modality: 'PR' }, 'it holds no image (PR, a presentation state)'],
      [{ pixelData: null, modality: '' }, 'it holds no image (no modality)'],
      [{ pixelData: null, modality: 'KO' }, 'it holds no image (KO)'],
      [{ transferSyntax: '1.2.840.10008.1.2.4.55' }, 'its pixels are compressed as a retired JPEG process, which this version does not decode'],
      [{ transferSyntax: '1.2.840.10008.1.2.4.202' }, 'its pixels are compressed as High-Throughput JPEG 2000, which this version does not decode'],
      [{ transferSyntax: '1.2.3.4' }, 'its pixels are compressed as transfer syntax 1.2.3.4, which this version does not decode'],
      [{ transferSyntax: '1.2.840.10008.1.2.4.50' }, 'its pixel data is not encapsulated although its transfer syntax is JPEG baseline'],
      [{ rows: 0 }, 'it names no image size (Rows, Columns)'],
      [{ bitsAllocated: 12 }, 'its pixels have 12 bits allocated (8, 16 or 32 are read)'],
      [{ highBit: 15 }, 'its bit layout is not supported (Bits Stored 12, High Bit 15)'],
      [{ photometric: '' }, 'its photometric interpretation (none) is not supported with explicit VR little endian (MONOCHROME1, MONOCHROME2, RGB and YBR_FULL are)'],
      [{ samplesPerPixel: 3 }, 'it has 3 samples per pixel for MONOCHROME2'],
      [{ photometric: 'RGB', samplesPerPixel: 3 }, 'its colour pixels are not 8-bit'],
      [{ frames: 2 }, 'its pixel data is shorter than 2 frame(s) of 4×3 need (truncated?)'],
      [{ rows: 5 }, 'its pixel data is shorter than 1 frame(s) of 4×5 need (truncated?)'],
    ];
    for (const [extra, english] of cases) expect(text(problem(extra))).toBe(english);
  });

  it('renders them in German, technical names and numbers kept', () => {
    expect(renderMessage(german, problem({ pixelData: null, modality: 'SR' }))).toBe('sie enthält kein Bild (SR, ein strukturierter Befund)');
    expect(renderMessage(german, problem({ transferSyntax: '1.2.3.4' }))).toBe('ihre Pixel sind als Transfer-Syntax 1.2.3.4 komprimiert, was diese Version nicht dekodiert');
    expect(renderMessage(german, problem({ frames: 2 }))).toBe('ihre Pixeldaten sind kürzer, als 2 Frames mit 4×3 Pixeln brauchen (abgeschnitten?)');
  });

  it('throws a DicomReason for a file that cannot be read or parsed, the parser\'s own text as its detail', async () => {
    const dir = tempDir('aucmedi-dicom-reasons-');
    mkdirSync(path.join(dir, 'folder'));
    const notRegular = await readRegularFile(path.join(dir, 'folder')).catch((error: unknown) => error);
    expect(notRegular).toBeInstanceOf(DicomReason);
    expect(notRegular).toMatchObject({ message: 'it is not a regular file', i18n: { key: 'dicom:file.notRegular' } });
    const missing = await readRegularFile(path.join(dir, 'missing')).catch((error: unknown) => error);
    expect(missing).toMatchObject({ message: 'it cannot be opened (ENOENT)', i18n: { key: 'dicom:file.notOpened', params: { detail: 'ENOENT' } } });
    expect(renderMessage(german, (missing as DicomReason).i18n)).toBe('sie kann nicht geöffnet werden (ENOENT)');

    const cut = new Uint8Array(140);
    cut.set([0x44, 0x49, 0x43, 0x4d], 128);
    const parse = (() => {
      try {
        return readDicomHeader(cut);
      } catch (error) {
        return error;
      }
    })();
    expect(parse).toBeInstanceOf(DicomReason);
    const reason = (parse as DicomReason).i18n;
    expect(['dicom:header.truncated', 'dicom:header.unparsable']).toContain(reason.key);
    expect((parse as Error).message).toMatch(/^it (is truncated or damaged|cannot be parsed) \(.+\)$/);
    expect((parse as Error).message).toContain(`(${String(reason.params!.detail)})`);
  });

  it('gives the codecs\' own reasons as messages', () => {
    const rle = (() => {
      try {
        return decodeRle(header(), new Uint8Array(10));
      } catch (error) {
        return error;
      }
    })();
    expect(rle).toMatchObject({ message: 'its RLE header is cut short', i18n: { key: 'dicom:codec.rleHeaderShort' } });
    const segments = new Uint8Array(64);
    segments[0] = 1;
    expect(() => decodeRle(header(), segments)).toThrow('its RLE data has 1 segments where 2 are needed');
  });

  it('keeps the message across the worker-thread boundary', async () => {
    const dir = tempDir('aucmedi-dicom-reply-');
    const script = path.join(dir, 'replying-worker.mjs');
    const reason = { key: 'dicom:codec.notDecodable', params: { syntax: 'RLE lossless', detail: { key: 'dicom:codec.rleOffsets' } } };
    writeFileSync(
      script,
      `import { parentPort } from 'node:worker_threads';\nparentPort.on('message', ({ id, task }) => parentPort.postMessage(task.kind === 'slice' ? { id, error: 'english', reason: ${JSON.stringify(reason)}, undecodable: true } : { id, error: 'a technical failure', reason: null, undecodable: false }));\n`,
    );
    const threads = new DicomThreads(pathToFileURL(script), 1);
    try {
      const undecodable = await threads.run({ kind: 'slice', bytes: new Uint8Array(4), rows: 1, columns: 1, datatype: 'int16' }).catch((error: unknown) => error);
      expect(undecodable).toBeInstanceOf(UndecodableFrame);
      expect(undecodable).toMatchObject({ message: 'its RLE lossless pixels cannot be decoded (its RLE segment offsets are damaged)', i18n: reason });
      expect(renderMessage(german, (undecodable as UndecodableFrame).i18n)).toBe('ihre RLE lossless-Pixel können nicht dekodiert werden (die Offsets ihrer RLE-Segmente sind beschädigt)');
      const plain = await threads.run({ kind: 'images', bytes: new Uint8Array(4), window: 'auto' }).catch((error: unknown) => error);
      expect(plain).not.toBeInstanceOf(DicomReason);
      expect((plain as Error).message).toBe('a technical failure');
    } finally {
      await threads.close();
    }
  });
});
