import { it, expect } from 'vitest';
import { aucmediCatalog } from '../../../src/aucmedi/catalog';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../../helpers/temp';
it('says which architectures are ready offline from the weights folder: the right name with the hash Keras checks', async () => {
  const dir = tempDir();
  writeFileSync(`${dir}/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`, 'weights');
  writeFileSync(`${dir}/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`, 'not the Keras file');
  const md5 = createHash('md5').update('weights').digest('hex');
  const catalog = await aucmediCatalog(dir, { 'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5': { algorithm: 'md5', value: md5 } });
  expect(catalog.weights.ready['2D'].sort()).toEqual(['ResNet50', 'Vanilla']); // ResNet101/152 have files of their own; VGG16's is the wrong file
  expect(catalog.weights.ready['3D']).toEqual(['Vanilla']);
  expect((await aucmediCatalog(dir)).weights.ready['2D']).toEqual(['Vanilla']); // Keras's own table: neither file is Keras's
  expect((await aucmediCatalog(`${dir}/missing`)).weights.ready['2D']).toEqual(['Vanilla']);
  expect(catalog.architectures.length).toBe(50);
  expect(catalog.metalearners.find((m) => m.key === 'mlp')).toMatchObject({ multiLabel: true, trained: true });
});
