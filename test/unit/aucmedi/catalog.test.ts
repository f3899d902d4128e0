import { it, expect } from 'vitest';
import { aucmediCatalog } from '../../../src/aucmedi/catalog';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tempDir } from '../../helpers/temp';
it('says which architectures are ready offline from the weights folder', () => {
  const dir = tempDir();
  writeFileSync(`${dir}/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`, 'weights');
  const catalog = aucmediCatalog(dir);
  expect(catalog.weights.ready['2D'].sort()).toEqual(['ResNet50', 'Vanilla']); // ResNet101/152 have files of their own
  expect(catalog.weights.ready['3D']).toEqual(['Vanilla']);
  expect(aucmediCatalog(`${dir}/missing`).weights.ready['2D']).toEqual(['Vanilla']);
  expect(catalog.architectures.length).toBe(50);
  expect(catalog.metalearners.find((m) => m.key === 'mlp')).toMatchObject({ multiLabel: true, trained: true });
});
