import { AUCMEDI_DEFAULTS, AUCMEDI_LIMITS, type AucmediCatalog, type Dimensionality, type WeightsHashTable } from '../api/aucmedi';
import { listWeights } from '../weights/import';
import { ARCHITECTURES, isTrainedMetalearner, METALEARNER_DESCRIPTIONS, METALEARNERS, MULTILABEL_METALEARNERS } from './architectures';
import { checkWeightsCache, weightsHashTable } from './weights';

/** The choices of the Train page, with the architectures whose right weights file (the hash Keras checks) is in the weights folder. */
export async function aucmediCatalog(weightsDir: string | null, hashes?: WeightsHashTable): Promise<AucmediCatalog> {
  const files = weightsDir ? await listWeights(weightsDir) : [];
  const readyFor = (dimensionality: Dimensionality) => {
    const keys = ARCHITECTURES.filter((a) => a.dimensionality === dimensionality).map((a) => a.key);
    const check = checkWeightsCache(files, keys, dimensionality, weightsHashTable(hashes));
    return [...check.notNeeded, ...check.ready.map((status) => status.architecture)];
  };
  return {
    architectures: [...ARCHITECTURES],
    metalearners: METALEARNERS.map((key) => ({
      key,
      description: METALEARNER_DESCRIPTIONS[key] ?? '',
      multiLabel: MULTILABEL_METALEARNERS.includes(key),
      trained: isTrainedMetalearner(key),
    })),
    defaults: AUCMEDI_DEFAULTS,
    limits: AUCMEDI_LIMITS,
    weights: { dir: weightsDir, ready: { '2D': readyFor('2D'), '3D': readyFor('3D') } },
  };
}
