import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHiddenOrSystem, splitName } from '../../../src/dataset/names';
import { HEAD_BYTES, sniff } from '../../../src/dataset/signatures';
import { appleDoubleBytes, bmpBytes, dicomBytes, gifBytes, jpegBytes, mhaBytes, niftiGzBytes, nrrdBytes, pngBytes, tiffBytes } from '../../helpers/image-bytes';
import { writeNifti } from '../../helpers/images';
import { tempDir } from '../../helpers/temp';

/** What the scanner sees: the first HEAD_BYTES bytes. */
const head = (bytes: Uint8Array) => bytes.subarray(0, HEAD_BYTES);
const sniffHead = (bytes: Uint8Array) => sniff(head(bytes), Math.min(bytes.length, HEAD_BYTES));

describe('file signatures', () => {
  it('recognises the 2D formats by their magic bytes and reads the pixel size where the header has it', () => {
    expect(sniffHead(pngBytes(31, 17))).toEqual({ signature: 'png', width: 31, height: 17 });
    expect(sniffHead(jpegBytes(37, 21))).toEqual({ signature: 'jpeg', width: 37, height: 21 });
    expect(sniffHead(bmpBytes(5, 3))).toEqual({ signature: 'bmp', width: 5, height: 3 });
    expect(sniffHead(gifBytes(640, 480))).toEqual({ signature: 'gif', width: 640, height: 480 });
    expect(sniffHead(tiffBytes(5, 3))).toEqual({ signature: 'tiff' });
    expect(sniffHead(tiffBytes(5, 3, true))).toEqual({ signature: 'tiff' });
  });

  it('reads WebP sizes from the VP8, VP8L and VP8X headers', () => {
    const riff = (chunk: string, body: number[]) => Buffer.from([...Buffer.from('RIFF'), 100, 0, 0, 0, ...Buffer.from('WEBP'), ...Buffer.from(chunk), 50, 0, 0, 0, ...body]);
    // VP8 (lossy): frame tag, start code 9d 01 2a, 14-bit width and height
    expect(sniffHead(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]))).toEqual({ signature: 'webp', width: 320, height: 240 });
    // VP8L (lossless): signature 0x2f, then (width-1) and (height-1) in 14 bits each
    const w = 99;
    const h = 49;
    const bits = (w - 1) | ((h - 1) << 14);
    expect(sniffHead(riff('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >> 24) & 0xff]))).toEqual({ signature: 'webp', width: 99, height: 49 });
    // VP8X (extended): flags, reserved, then canvas width-1 and height-1 in 24 bits each
    expect(sniffHead(riff('VP8X', [0, 0, 0, 0, 0xff, 0x03, 0x00, 0xdf, 0x01, 0x00]))).toEqual({ signature: 'webp', width: 1024, height: 480 });
  });

  it('recognises the 3D formats: NIfTI-1 (both byte orders), NIfTI-2, gzip, MetaImage, NRRD, DICOM', () => {
    const dir = tempDir();
    const file = path.join(dir, 'v.nii');
    writeNifti(file, [4, 4, 4], new Uint8Array(64));
    const nifti = readFileSync(file);
    expect(sniffHead(nifti)).toEqual({ signature: 'nifti' });
    const bigEndian = Buffer.from(nifti);
    bigEndian.writeInt32BE(348, 0);
    expect(sniffHead(bigEndian)).toEqual({ signature: 'nifti' });
    const nifti2 = Buffer.alloc(560);
    nifti2.writeInt32LE(540, 0);
    nifti2.write('n+2\0\r\n\x1a\n', 4, 'latin1');
    expect(sniffHead(nifti2)).toEqual({ signature: 'nifti' });
    expect(sniffHead(niftiGzBytes([2, 2, 2]))).toEqual({ signature: 'gzip' });
    expect(sniffHead(mhaBytes([2, 2, 2]))).toEqual({ signature: 'metaimage' });
    expect(sniffHead(Buffer.from('# written by a scanner\nObjectType = Image\nNDims = 3\n'))).toEqual({ signature: 'metaimage' });
    expect(sniffHead(nrrdBytes([2, 2, 2]))).toEqual({ signature: 'nrrd' });
    expect(sniffHead(dicomBytes())).toEqual({ signature: 'dicom' });
  });

  it('says null for what is no image: text, empty files, AppleDouble, a truncated header, a wrong NIfTI magic', () => {
    expect(sniffHead(Buffer.from('SAMPLE,CLASS\nimg_1,a\n'))).toBeNull();
    expect(sniffHead(Buffer.alloc(0))).toBeNull();
    expect(sniffHead(appleDoubleBytes())).toBeNull();
    expect(sniffHead(Buffer.from('BMW is a car, not a bitmap header at all'))).toBeNull();
    expect(sniffHead(pngBytes(4, 4).subarray(0, 5))).toBeNull();
    const notNifti = Buffer.alloc(400);
    notNifti.writeInt32LE(348, 0);
    notNifti.write('xyz\0', 344, 'latin1');
    expect(sniffHead(notNifti)).toBeNull();
    // a DICOM file cut before its magic
    expect(sniffHead(dicomBytes().subarray(0, 130))).toBeNull();
  });

  it('still names a PNG or JPEG whose size lies beyond the bytes read', () => {
    expect(sniffHead(pngBytes(3, 3).subarray(0, 12))).toEqual({ signature: 'png' });
    const exif = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x04, 0x00]), Buffer.alloc(1022), jpegBytes(8, 8).subarray(2)]);
    expect(sniffHead(exif)).toEqual({ signature: 'jpeg' });
  });

  it('reads a file at its offset in a shared buffer, and nothing after its bytes', () => {
    const files = [pngBytes(31, 17), pngBytes(3, 3).subarray(0, 12), jpegBytes(37, 21), bmpBytes(5, 3), gifBytes(640, 480), tiffBytes(5, 3), niftiGzBytes([2, 2, 2]), mhaBytes([2, 2, 2]), nrrdBytes([2, 2, 2]), dicomBytes(), dicomBytes().subarray(0, 130), Buffer.from('# a comment\n'), Buffer.from('\n\n'), Buffer.alloc(0)];
    // each file in its own slot, followed by what would fool a reader that overran: a MetaImage comment and header
    const decoy = Buffer.from('#\nObjectType = Image\n');
    const shared = Buffer.alloc(7 + files.length * (HEAD_BYTES + decoy.length));
    files.forEach((bytes, i) => {
      const start = 7 + i * (HEAD_BYTES + decoy.length);
      const length = Math.min(bytes.length, HEAD_BYTES);
      shared.set(head(bytes), start);
      shared.set(decoy, start + length);
      expect(sniff(shared, length, start), `file ${i}`).toEqual(sniffHead(bytes));
    });
  });
});

describe('file names', () => {
  it('splits the sample name from the image extension, .nii.gz as one extension, in any case', () => {
    expect(splitName('case_001.png')).toEqual({ base: 'case_001', ext: 'png', format: 'png' });
    expect(splitName('scan.v2.JPG')).toEqual({ base: 'scan.v2', ext: 'jpg', format: 'jpeg' });
    expect(splitName('brain.NII.GZ')).toEqual({ base: 'brain', ext: 'nii.gz', format: 'nii.gz' });
    expect(splitName('archive.tar.gz')).toEqual({ base: 'archive.tar', ext: 'gz', format: null });
    expect(splitName('IM000001')).toEqual({ base: 'IM000001', ext: '', format: null });
    expect(splitName('.hidden')).toEqual({ base: '.hidden', ext: '', format: null });
    expect(splitName('trailing.')).toEqual({ base: 'trailing.', ext: '', format: null });
    expect(splitName('volume.raw')).toEqual({ base: 'volume', ext: 'raw', format: null });
  });

  it('knows hidden and system files and folders', () => {
    for (const name of ['.DS_Store', '._x.png', 'Thumbs.db', 'desktop.ini', 'DESKTOP.INI', '~$report.xlsx']) expect(isHiddenOrSystem(name, false), name).toBe(true);
    for (const name of ['__MACOSX', '@eaDir', '$RECYCLE.BIN', '.git', 'System Volume Information']) expect(isHiddenOrSystem(name, true), name).toBe(true);
    for (const name of ['thumbs.png', 'a.png', 'desktop', '~tilde.png']) expect(isHiddenOrSystem(name, false), name).toBe(false);
    expect(isHiddenOrSystem('normal', true)).toBe(false);
  });
});
