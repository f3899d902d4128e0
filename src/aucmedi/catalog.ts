import { readdirSync } from 'node:fs';
import { AUCMEDI_DEFAULTS, AUCMEDI_LIMITS, type AucmediCatalog, type Dimensionality } from '../api/aucmedi';
import { ARCHITECTURES, isTrainedMetalearner, METALEARNER_DESCRIPTIONS, METALEARNERS, MULTILABEL_METALEARNERS } from './architectures';
import { checkWeightsCache } from './weights';

/** The choices of the Train page, with the architectures whose weights are in the weights folder. */
export function aucmediCatalog(weightsDir: string | null): AucmediCatalog {
  let files: string[] = [];
  try {
    if (weightsDir) files = readdirSync(weightsDir);
  } catch {
    files = [];
  }
  const readyFor = (dimensionality: Dimensionality) => {
    const keys = ARCHITECTURES.filter((a) => a.dimensionality === dimensionality).map((a) => a.key);
    const check = checkWeightsCache(files, keys, dimensionality);
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
