import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetHandlers } from '../../../src/dataset/handlers';
import { Operations } from '../../../src/operations';
import { JsonFileSettingsStore } from '../../../src/settings/store';
import { makeClassDataset } from '../../helpers/images';
import { tempDir } from '../../helpers/temp';

describe('dataset:scan handler', () => {
  it("lists only training sets among the Dataset page's recent datasets", async () => {
    const dir = tempDir('aucmedi-handlers-');
    const settings = new JsonFileSettingsStore(path.join(dir, 'settings.json'));
    const handlers = datasetHandlers({ settings, operations: new Operations(), emit: () => undefined });
    const labelled = path.join(dir, 'labelled');
    const training = path.join(dir, 'training');
    makeClassDataset(labelled, { classes: { a: 3, b: 3 }, size: 8 });
    makeClassDataset(training, { classes: { a: 3, b: 3 }, size: 8 });
    await handlers['dataset:scan']({ path: labelled, purpose: 'evaluation', scanId: 'scan-1' });
    await handlers['dataset:scan']({ path: path.join(labelled, 'a'), purpose: 'prediction', scanId: 'scan-2' });
    expect(settings.read().recentDatasets).toEqual([]);
    await handlers['dataset:scan']({ path: training, scanId: 'scan-3' });
    expect(settings.read().recentDatasets.map((d) => d.path)).toEqual([training]);
  });
});
