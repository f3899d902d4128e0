import { describe, expect, it } from 'vitest';
import { parseWindowList } from '../../../src/api/dicom-window';
import { windowOptions } from '../../../renderer/src/store/dicom';

describe('windows per modality', () => {
  it('reads the CLI\'s --window: auto, one window, or MODALITY=window items, comma-separated', () => {
    expect(parseWindowList('auto')).toEqual({ window: 'auto', windowsByModality: {} });
    expect(parseWindowList('400/40')).toEqual({ window: { width: 400, center: 40 }, windowsByModality: {} });
    expect(parseWindowList('ct=1500/-600, MR=auto ,2000/1000')).toEqual({ window: { width: 2000, center: 1000 }, windowsByModality: { CT: { width: 1500, center: -600 }, MR: 'auto' } });
    for (const bad of ['', '400/40,300/30', 'CT=400/40,ct=auto', 'CT=', 'C;T=400/40', 'CT=0/40', 'ABCDEFGHIJKLMNOPQ=auto', '400/40,']) expect(parseWindowList(bad), bad).toBeNull();
  });

  it('turns the Dataset page\'s fields into options: empty fields are the file\'s own window, the field without a modality every other image\'s', () => {
    expect(windowOptions({})).toEqual({ window: 'auto' });
    expect(windowOptions({ CR: ' ', DX: '' })).toEqual({ window: 'auto' });
    expect(windowOptions({ CR: '2000/1000', '': '400/40' })).toEqual({ window: { width: 400, center: 40 }, windowsByModality: { CR: { width: 2000, center: 1000 } } });
    expect(windowOptions({ CR: '2000/1000', DX: 'wide' })).toBeNull();
  });
});
