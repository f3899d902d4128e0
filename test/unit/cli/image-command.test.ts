import { describe, expect, it } from 'vitest';
import type { ImageSummary } from '../../../src/api/types';
import { formatImageList, formatLoaded } from '../../../src/cli/image-command';
import { brokenImage, imageCheck, unknownCheck } from '../../../src/engine/image-check';

const ok = imageCheck({ python: '3.10.12', aucmedi: '0.11.0', tensorflow: '2.15.1', keras: '2.15.0', classificationModels3D: '1.0.10', module: null, error: null });
const ERROR = "ModuleNotFoundError: No module named 'classification_models_3D.tfkeras'";
const broken = imageCheck({ python: '3.11.0rc1', aucmedi: '0.11.0', tensorflow: '2.17.0', keras: '3.4.1', classificationModels3D: '1.1.0', module: 'classification_models_3D.tfkeras', error: ERROR });
const image = (id: string, references: string[], check = ok, inUse = false): ImageSummary => ({
  id: `sha256:${id.padEnd(64, '0')}`,
  references,
  created: '2025-01-02T03:04:05.000Z',
  sizeBytes: 7e9,
  aucmediVersion: check.aucmedi,
  check,
  standIn: false,
  inUse,
});

describe('aucmedi-desk image list', () => {
  it('shows each image’s software under it, and for a broken one the import error and what IT should do', () => {
    const text = formatImageList({
      images: [image('aaaa', ['aucmedi-desk/aucmedi:0.11.0'], ok, true), image('bbbb', ['ghcr.io/frankkramer-lab/aucmedi:latest'], broken), image('cccc', ['x/aucmedi:1'], unknownCheck('engine gone'))],
      inUse: 'aucmedi-desk/aucmedi:0.11.0',
      inUsePresent: true,
    });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^\* aucmedi-desk\/aucmedi:0\.11\.0 {2}AUCMEDI 0\.11\.0 /);
    expect(lines[1]).toBe('    TensorFlow 2.15.1, Keras 2.15.0 (Keras 2), classification-models-3D 1.0.10');
    expect(lines[2]).toMatch(/^ {2}ghcr\.io\/frankkramer-lab\/aucmedi:latest {2}AUCMEDI 0\.11\.0 /);
    expect(lines[3]).toBe('    TensorFlow 2.17.0, Keras 3.4.1 (Keras 3), classification-models-3D 1.1.0');
    expect(lines[4]).toBe(`    BROKEN: ${brokenImage(null, ERROR).message}`);
    expect(lines[5]).toMatch(/^ {4}What to do: .*docker\/aucmedi\//);
    expect(lines[6]).toBe(`    Details: python3 -c 'import classification_models_3D.tfkeras' in the image: ${ERROR}`);
    expect(text).toContain('AUCMEDI version unknown');
    expect(text).toContain('The app could not check which AUCMEDI');
  });

  it('image load prints the check of each loaded image', () => {
    const text = formatLoaded({ references: ['x/aucmedi:1'], imageIds: [], sha256: 'f'.repeat(64), checksum: 'verified', checks: { [`sha256:${'b'.repeat(64)}`]: broken } });
    expect(text).toContain('Loaded x/aucmedi:1');
    expect(text).toContain(`  image ${'b'.repeat(12)}: AUCMEDI 0.11.0`);
    expect(text).toContain(`BROKEN: ${brokenImage(null, ERROR).message}`);
  });
});
