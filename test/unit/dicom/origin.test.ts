/** What a run records of a converted dataset's making: read from its settings file, and nothing that blocks or breaks a run when that file is odd. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONVERSION_SETTINGS_FILE } from '../../../src/api/dicom';
import { conversionOrigin } from '../../../src/dicom/origin';
import { tempDir } from '../../helpers/temp';

describe('conversionOrigin', () => {
  const dir = tempDir('aucmedi-origin-');
  const dataset = (name: string, write?: (file: string) => void) => {
    const folder = path.join(dir, name);
    mkdirSync(folder);
    write?.(path.join(folder, CONVERSION_SETTINGS_FILE));
    return folder;
  };

  it('reads the source, its fingerprint and the settings of a converted dataset', async () => {
    const fingerprint = { fileCount: 3, totalBytes: 999, sha256: 'a'.repeat(64) };
    const folder = dataset('converted', (file) => writeFileSync(file, JSON.stringify({ convertedBy: 'aucmedi-desk 0.1.0', source: '/data/pacs', sourceFingerprint: fingerprint, options: { window: 'auto' }, windowsUsed: { 'full range': 2 }, written: { a: 2 } })));
    expect(await conversionOrigin(folder)).toEqual({ convertedBy: 'aucmedi-desk 0.1.0', source: '/data/pacs', sourceFingerprint: fingerprint, options: { window: 'auto' }, windowsUsed: { 'full range': 2 } });
  });

  it('is null for a dataset that was not converted, and for a settings file that is torn, not JSON of the kind, a link, a FIFO or too large', async () => {
    expect(await conversionOrigin(dataset('plain'))).toBeNull();
    expect(await conversionOrigin(dataset('torn', (file) => writeFileSync(file, '{"convertedBy": "aucm')))).toBeNull();
    expect(await conversionOrigin(dataset('array', (file) => writeFileSync(file, '[1, 2]')))).toBeNull();
    expect(await conversionOrigin(dataset('link', (file) => symlinkSync('/etc/hostname', file)))).toBeNull();
    expect(await conversionOrigin(dataset('huge', (file) => writeFileSync(file, `{"convertedBy":"x","source":"y","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`)))).toBeNull();
    if (process.platform !== 'win32') expect(await conversionOrigin(dataset('fifo', (file) => execFileSync('mkfifo', [file])))).toBeNull();
  });
});
