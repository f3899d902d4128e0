import { describe, expect, it } from 'vitest';
import type { DatasetReport } from '../../../src/api/dataset';
import { formatDatasetReport } from '../../../src/dataset/format';

const base: DatasetReport = {
  path: '/data/chest x-ray',
  interface: 'directory',
  dimensionality: '2D',
  multiLabel: false,
  classes: [
    { name: 'COVID', count: 120 },
    { name: 'Normal', count: 1200 },
    { name: 'Lungenentzündung', count: 0 },
  ],
  totalImages: 1320,
  totalBytes: 5 * 1024 * 1024,
  leftOut: 0,
  formats: { png: 1300, jpeg: 20 },
  dicomFiles: 0,
  problems: [],
  errors: 0,
  warnings: 0,
  fingerprint: { fileCount: 1321, totalBytes: 5 * 1024 * 1024 + 10, sha256: 'ab'.repeat(32) },
  scannedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1234,
  samples: {},
};

describe('formatDatasetReport', () => {
  it('shows layout, content, one line and a bar per class, and the totals', () => {
    const text = formatDatasetReport(base);
    expect(text).toContain('Dataset    /data/chest x-ray');
    expect(text).toContain('Layout     one folder per class (directory interface)');
    expect(text).toContain('Content    2D images: 1,320 images, 5.0 MiB (png 1,300, jpeg 20)');
    expect(text).toContain('Classes    3');
    const lines = text.split('\n');
    const bar = (name: string) => lines.find((l) => l.trimStart().startsWith(name))!;
    expect(bar('Normal')).toMatch(/^ {2}Normal {12}1,200 {2}█{30}$/);
    expect(bar('COVID')).toMatch(/^ {2}COVID {15}120 {2}█{3}·{27}$/);
    expect(bar('Lungenentzündung')).toMatch(/^ {2}Lungenentzündung {6}0 {2}·{30}$/);
    expect(text).toContain('Checked    1,321 files, 5.0 MiB in 1.2 s; fingerprint abababababababab');
    expect(text).toContain('No problems found: AUCMEDI can train on this dataset.');
  });

  it('lists errors, then warnings, each with its action, files and how many more there are', () => {
    const text = formatDatasetReport({
      ...base,
      interface: 'csv',
      multiLabel: true,
      errors: 1,
      warnings: 1,
      problems: [
        {
          severity: 'error',
          code: 'DUPLICATE_NAMES',
          message: '3 image names appear in more than one class folder: AUCMEDI needs unique names.',
          action: 'Rename or remove the duplicates.',
          files: ['a/x.png', 'b/x.png'],
          fileCount: 6,
        },
        { severity: 'warning', code: 'HIDDEN_FILES', message: '1 hidden or system file is in the dataset folder.', action: 'Delete it.', files: ['.DS_Store'], fileCount: 1 },
      ],
    });
    expect(text).toContain('images with an annotation CSV (CSV interface, one-hot, multi-label)');
    expect(text).toContain('1 error, 1 warning: AUCMEDI would not train on this dataset as it is.');
    const at = (s: string) => text.indexOf(s);
    expect(at('ERROR    3 image names appear in more than one class folder: AUCMEDI needs unique names.  [DUPLICATE_NAMES]')).toBeGreaterThan(0);
    expect(at('         What to do: Rename or remove the duplicates.')).toBeGreaterThan(at('ERROR'));
    expect(at('           a/x.png')).toBeGreaterThan(at('What to do: Rename'));
    expect(at('           ... and 4 more')).toBeGreaterThan(at('           b/x.png'));
    expect(at('WARNING  1 hidden or system file is in the dataset folder.  [HIDDEN_FILES]')).toBeGreaterThan(at('... and 4 more'));
  });

  it('says when there are only warnings, and when no images were found', () => {
    const warned = formatDatasetReport({
      ...base,
      warnings: 1,
      problems: [{ severity: 'warning', code: 'SMALL_CLASS', message: 'The class "COVID" has only 4 images.', action: 'Add more images.', files: ['COVID/'], fileCount: 1 }],
    });
    expect(warned).toContain('No errors, 1 warning: AUCMEDI can train on this dataset; please read the warnings.');
    const empty = formatDatasetReport({ ...base, classes: [], totalImages: 0, totalBytes: 0, formats: {}, dimensionality: 'unknown' });
    expect(empty).toContain('Content    no images found: 0 images, 0 B');
    expect(empty).toContain('Classes    0');
  });
});
