import { describe, expect, it } from 'vitest';
import { pathsIn, Redactor, redactValue } from '../../../src/support/redact';

describe('folder and file names out of the diagnostics', () => {
  const known = pathsIn({ dataset: { path: '/srv/pacs/CT Mustermann Erika' }, outputDir: '/home/dr/runs/out-1', list: ['C:\\Studien\\Schmidt', 'not a path', 12] });
  const redactor = new Redactor(known, '/home/dr');

  it('finds the absolute paths among a record\'s values', () => {
    expect(known).toEqual(['/srv/pacs/CT Mustermann Erika', '/home/dr/runs/out-1', 'C:\\Studien\\Schmidt']);
  });

  it('names each known folder by number, drops what lies inside it, and keeps system paths, URLs and ratios', () => {
    const text = [
      'dataset /srv/pacs/CT Mustermann Erika/benign/Erika_2026.png refused',
      'again /srv/pacs/CT Mustermann Erika, out /home/dr/runs/out-1/model.keras',
      'home /home/dr/Documents/Patient Meier.xlsx, other /mnt/usb/Becker_Hans/scan.nii',
      'windows C:\\Studien\\Schmidt\\img.png and C:\\Users\\dr\\Desktop\\Koch.dcm',
      'engine unix:///var/run/docker.sock, python /usr/lib/python3/dist-packages/x.py, 12 it/s, loss/val_loss',
      'container /data/training/benign/Erika_2026.png and /data/model',
      'unknown /mnt/usb/Becker Hans/scan.nii refused',
      'short /tmp and (/media/Wolf Anna/x) kept apart',
    ].join('\n');
    expect(redactor.redact(text).split('\n')).toEqual([
      'dataset <folder 1>/<file>', // names may hold spaces: the rest of the line goes with them
      'again <folder 1>, out <folder 2>/<file>',
      'home ~/<file>',
      'windows <folder 3>/<file>',
      'engine unix:///var/run/docker.sock, python /usr/lib/python3/dist-packages/x.py, 12 it/s, loss/val_loss',
      'container /data/training/<file>',
      'unknown <path>',
      'short /tmp and (<path>) kept apart',
    ]);
    for (const name of ['Mustermann', 'Erika', 'Becker', 'Schmidt', 'Koch', 'Meier', 'Wolf', 'dr/']) expect(redactor.redact(text)).not.toContain(name);
  });

  it('redacts inside structured values, before they are written as JSON', () => {
    expect(redactValue({ a: ['C:\\Studien\\Schmidt\\x'], n: 3, b: { c: '/srv/pacs/CT Mustermann Erika' } }, redactor)).toEqual({ a: ['<folder 3>/<file>'], n: 3, b: { c: '<folder 1>' } });
  });
});
