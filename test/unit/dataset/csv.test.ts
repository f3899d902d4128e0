import { describe, expect, it } from 'vitest';
import { UserErrorException } from '../../../src/api/errors';
import { decodeAnnotationFile, detectSeparator, parseCsv, readAnnotations } from '../../../src/dataset/csv';

const read = (text: string, ohe = false) => readAnnotations(text, { ohe, fileName: 'labels.csv' });
const codesOf = (text: string, ohe = false) => read(text, ohe).problems.map((p) => `${p.severity}:${p.code}`);

describe('annotation CSV parsing', () => {
  it('reads SAMPLE,CLASS with LF or CRLF, and sorts the classes as AUCMEDI does', () => {
    for (const eol of ['\n', '\r\n']) {
      const a = read(['SAMPLE,CLASS', 'img_1,pneumonia', 'img_2,normal', 'img_3,pneumonia', ''].join(eol));
      expect(a.unusable).toBe(false);
      expect(a.problems).toEqual([]);
      expect(a.classes).toEqual(['normal', 'pneumonia']);
      expect(a.rows).toEqual([
        { sample: 'img_1', line: 2, labels: [1] },
        { sample: 'img_2', line: 3, labels: [0] },
        { sample: 'img_3', line: 4, labels: [1] },
      ]);
    }
  });

  it('takes ";" as separator when the header uses it', () => {
    expect(detectSeparator('SAMPLE;CLASS\na;b')).toBe(';');
    expect(detectSeparator('SAMPLE,CLASS\na;b;c;d')).toBe(',');
    expect(detectSeparator('"SAMPLE;x",CLASS\n')).toBe(',');
    const a = read('SAMPLE;CLASS\r\nimg_1;a\r\nimg_2;b\r\n');
    expect(a.separator).toBe(';');
    expect(a.classes).toEqual(['a', 'b']);
    expect(a.rows.map((r) => r.sample)).toEqual(['img_1', 'img_2']);
  });

  it('reads quoted fields: separators, doubled quotes and line breaks inside quotes', () => {
    const { records, unterminated } = parseCsv('SAMPLE,CLASS\n"img, 1","say ""hi"""\n"multi\nline",b\r\n', ',');
    expect(unterminated).toBeNull();
    expect(records).toEqual([
      { cells: ['SAMPLE', 'CLASS'], line: 1 },
      { cells: ['img, 1', 'say "hi"'], line: 2 },
      { cells: ['multi\nline', 'b'], line: 3 },
    ]);
    const a = read('"SAMPLE","CLASS"\n"img 1","tumour, benign"\n"img 2","normal"\n');
    expect(a.classes).toEqual(['normal', 'tumour, benign']);
    expect(a.rows.map((r) => r.sample)).toEqual(['img 1', 'img 2']);
  });

  it('skips blank lines and the ",," lines spreadsheets add, and trims spaces around values', () => {
    const a = read('SAMPLE, CLASS\n\nimg_1, a\n,\n  \nimg_2 ,b\n,,\n');
    expect(a.problems).toEqual([]);
    expect(a.rows.map((r) => [r.sample, a.classes[r.labels[0]!]])).toEqual([
      ['img_1', 'a'],
      ['img_2', 'b'],
    ]);
  });

  it('reads one-hot files as multi-label, classes in column order, and warns about images with no class', () => {
    const a = read('SAMPLE,effusion,atelectasis,nodule\nimg_1,1,0,1\nimg_2,0,1,0\nimg_3,0,0,0\nimg_4,1.0,0.0,0\n', true);
    expect(a.oneHot).toBe(true);
    expect(a.classes).toEqual(['effusion', 'atelectasis', 'nodule']);
    expect(a.rows.map((r) => r.labels)).toEqual([[0, 2], [1], [], [0]]);
    expect(a.problems.map((p) => [p.severity, p.code, p.files])).toEqual([['warning', 'UNLABELLED_SAMPLES', ['labels.csv:4: img_3']]]);
  });

  it('requires a header line: a CSV without one is CSV_INVALID, with the first line shown', () => {
    const a = read('img_1,a\nimg_2,b\n');
    expect(a.unusable).toBe(true);
    expect(codesOf('img_1,a\nimg_2,b\n')).toEqual(['error:CSV_INVALID']);
    expect(a.problems[0]!.message).toMatch(/no header line/);
    expect(a.problems[0]!.action).toContain('SAMPLE,CLASS');
    expect(a.problems[0]!.files).toEqual(['labels.csv:1: img_1,a']);
  });

  it('says when the SAMPLE column is not in capitals', () => {
    const a = read('sample,class\nimg_1,a\n');
    expect(a.problems[0]!.code).toBe('CSV_INVALID');
    expect(a.problems[0]!.message).toContain('"sample"');
  });

  it('rejects files with too few columns (one column, or another separator such as tab)', () => {
    for (const text of ['SAMPLE\nimg_1\n', 'SAMPLE\tCLASS\nimg_1\ta\n']) {
      const a = read(text);
      expect(a.unusable).toBe(true);
      expect(a.problems.map((p) => p.code)).toEqual(['CSV_INVALID']);
      expect(a.problems[0]!.message).toMatch(/only one column/);
    }
  });

  it('calls an empty file CSV_INVALID', () => {
    expect(codesOf('')).toEqual(['error:CSV_INVALID']);
    expect(codesOf('\n\n')).toEqual(['error:CSV_INVALID']);
  });

  it('reports a SAMPLE,... file without a CLASS column, and suggests one-hot when the values are 0 and 1', () => {
    const oneHotLooking = read('SAMPLE,a,b\nimg_1,1,0\nimg_2,0,1\n');
    expect(oneHotLooking.problems.map((p) => p.code)).toEqual(['UNKNOWN_CLASS_COLUMN']);
    expect(oneHotLooking.problems[0]!.action).toMatch(/one-hot/);
    const other = read('SAMPLE,label\nimg_1,x\n');
    expect(other.problems.map((p) => p.code)).toEqual(['UNKNOWN_CLASS_COLUMN']);
    expect(other.problems[0]!.action).toContain('CLASS');
  });

  it('reports values other than 0 and 1 in one-hot columns, with the lines', () => {
    const a = read('SAMPLE,a,b\nimg_1,1,0\nimg_2,yes,0\nimg_3,0,2\nimg_4,,1\n', true);
    expect(a.unusable).toBe(true);
    expect(a.problems).toHaveLength(1);
    expect(a.problems[0]).toMatchObject({ severity: 'error', code: 'ONEHOT_INVALID_VALUE', fileCount: 3 });
    expect(a.problems[0]!.files).toEqual(['labels.csv:3: a = "yes"', 'labels.csv:4: b = "2"', 'labels.csv:5: a = ""']);
  });

  it('tells the user to switch one-hot off when a SAMPLE,CLASS file is read as one-hot', () => {
    const a = read('SAMPLE,CLASS\nimg_1,normal\n', true);
    expect(a.problems[0]!.code).toBe('ONEHOT_INVALID_VALUE');
    expect(a.problems[0]!.action).toMatch(/Switch off/);
  });

  it('reports lines with a different number of columns, lines without image or class, and repeated images', () => {
    const a = read('SAMPLE,CLASS\nimg_1,a,extra\nimg_2\n,b\nimg_3,\nimg_4,a\nimg_4,b\n');
    expect(a.problems.map((p) => `${p.code}:${p.files.join('|')}`)).toEqual([
      'CSV_INVALID:labels.csv:2: img_1|labels.csv:3: img_2',
      'CSV_INVALID:labels.csv:4',
      'CSV_INVALID:labels.csv:5: img_3',
      'DUPLICATE_NAMES:labels.csv:7: img_4 (also on line 6)',
    ]);
    // the usable lines are still read
    expect(a.rows.map((r) => r.sample)).toEqual(['img_1', 'img_4']);
  });

  it("orders classes that pandas reads as whole numbers by value (1, 2, 10), as AUCMEDI's np.unique does", () => {
    const a = read('SAMPLE,CLASS\nx,10\ny,2\nz,1\n');
    expect(a.classes).toEqual(['1', '2', '10']);
    expect(a.rows.map((r) => a.classes[r.labels[0]!])).toEqual(['10', '2', '1']);
    // one class with a letter: pandas keeps the column as text, sorted by code point
    expect(read('SAMPLE,CLASS\nx,10\ny,2\nz,b\n').classes).toEqual(['10', '2', 'b']);
  });

  it('refuses class names pandas would change: 01/02, decimals, True/False, NA', () => {
    for (const [values, what] of [
      [['01', '02'], /"01", "02" as numbers/],
      [['1.5', '2'], /as numbers/],
      [['True', 'False'], /as True\/False/],
      [['benign', 'NA'], /"NA" as missing values/],
    ] as const) {
      const a = read(`SAMPLE,CLASS\nx,${values[0]}\ny,${values[1]}\n`);
      expect(a.unusable).toBe(true);
      expect(a.problems).toHaveLength(1);
      expect(a.problems[0]).toMatchObject({ severity: 'error', code: 'CSV_INVALID' });
      expect(a.problems[0]!.message).toMatch(what);
    }
  });

  it('reports a quote that is never closed', () => {
    const a = read('SAMPLE,CLASS\nimg_1,a\n"img_2,b\nimg_3,c\n');
    expect(a.unusable).toBe(true);
    expect(a.problems[0]).toMatchObject({ code: 'CSV_INVALID', files: ['labels.csv:3'] });
  });
});

describe('annotation file decoding', () => {
  const codeOf = (bytes: Uint8Array) => {
    try {
      decodeAnnotationFile(bytes, 'labels.csv');
      return 'decoded';
    } catch (error) {
      expect(error).toBeInstanceOf(UserErrorException);
      return (error as UserErrorException).userError.code;
    }
  };

  it('takes UTF-8 with or without a byte order mark', () => {
    expect(decodeAnnotationFile(Buffer.from('SAMPLE,CLASS\nbild_ä,Lunge\n'), 'x.csv')).toBe('SAMPLE,CLASS\nbild_ä,Lunge\n');
    expect(decodeAnnotationFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('SAMPLE,CLASS\n')]), 'x.csv')).toBe('SAMPLE,CLASS\n');
    const a = readAnnotations(decodeAnnotationFile(Buffer.from('\ufeffSAMPLE;CLASS\r\nimg_1;a\r\n'), 'x.csv'), { ohe: false, fileName: 'x.csv' });
    expect(a.problems).toEqual([]);
    expect(a.rows[0]!.sample).toBe('img_1');
  });

  it('refuses UTF-16, Excel workbooks, binary files and regional encodings, saying how to save the file', () => {
    expect(codeOf(Buffer.from('\ufeffSAMPLE,CLASS\n', 'utf16le'))).toBe('ANNOTATION_FILE_INVALID');
    expect(codeOf(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]))).toBe('ANNOTATION_FILE_INVALID');
    expect(codeOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))).toBe('ANNOTATION_FILE_INVALID');
    expect(codeOf(Buffer.from('SAMPLE,CLASS\nbild_\xe4,Lunge\n', 'latin1'))).toBe('ANNOTATION_FILE_INVALID');
    try {
      decodeAnnotationFile(Buffer.from('SAMPLE,CLASS\nbild_\xe4,a\n', 'latin1'), 'labels.csv');
    } catch (error) {
      expect((error as UserErrorException).userError.message).toMatch(/not UTF-8/);
      expect((error as UserErrorException).userError.action).toMatch(/CSV UTF-8/);
    }
  });
});
