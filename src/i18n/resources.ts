/** Every message catalog, bundled into the CLI, the main process and the window (no loading at run time). */
import en_common from './locales/en/common.json';
import en_core from './locales/en/core.json';
import en_engine from './locales/en/engine.json';
import en_gpu from './locales/en/gpu.json';
import en_weights from './locales/en/weights.json';
import en_cli from './locales/en/cli.json';
import en_dataset from './locales/en/dataset.json';
import en_dicom from './locales/en/dicom.json';
import en_runs from './locales/en/runs.json';
import en_aucmedi from './locales/en/aucmedi.json';
import en_setup from './locales/en/setup.json';
import en_datasetPage from './locales/en/datasetPage.json';
import en_training from './locales/en/training.json';
import en_apply from './locales/en/apply.json';
import en_charts from './locales/en/charts.json';
import en_desktop from './locales/en/desktop.json';
import de_common from './locales/de/common.json';
import de_core from './locales/de/core.json';
import de_engine from './locales/de/engine.json';
import de_gpu from './locales/de/gpu.json';
import de_weights from './locales/de/weights.json';
import de_cli from './locales/de/cli.json';
import de_dataset from './locales/de/dataset.json';
import de_dicom from './locales/de/dicom.json';
import de_runs from './locales/de/runs.json';
import de_aucmedi from './locales/de/aucmedi.json';
import de_setup from './locales/de/setup.json';
import de_datasetPage from './locales/de/datasetPage.json';
import de_training from './locales/de/training.json';
import de_apply from './locales/de/apply.json';
import de_charts from './locales/de/charts.json';
import de_desktop from './locales/de/desktop.json';
import en_runsPage from './locales/en/runsPage.json';
import de_runsPage from './locales/de/runsPage.json';
import en_remote from './locales/en/remote.json';
import de_remote from './locales/de/remote.json';
import en_enginesCard from './locales/en/enginesCard.json';
import de_enginesCard from './locales/de/enginesCard.json';
import en_placement from './locales/en/placement.json';
import de_placement from './locales/de/placement.json';

export const NAMESPACES = ['common', 'core', 'engine', 'gpu', 'weights', 'cli', 'dataset', 'dicom', 'runs', 'aucmedi', 'setup', 'datasetPage', 'training', 'apply', 'charts', 'desktop', 'runsPage', 'remote', 'enginesCard', 'placement'] as const;
export type Namespace = (typeof NAMESPACES)[number];

export const RESOURCES = {
  en: { common: en_common, core: en_core, engine: en_engine, gpu: en_gpu, weights: en_weights, cli: en_cli, dataset: en_dataset, dicom: en_dicom, runs: en_runs, aucmedi: en_aucmedi, setup: en_setup, datasetPage: en_datasetPage, training: en_training, apply: en_apply, charts: en_charts, desktop: en_desktop, runsPage: en_runsPage, remote: en_remote, enginesCard: en_enginesCard, placement: en_placement },
  de: { common: de_common, core: de_core, engine: de_engine, gpu: de_gpu, weights: de_weights, cli: de_cli, dataset: de_dataset, dicom: de_dicom, runs: de_runs, aucmedi: de_aucmedi, setup: de_setup, datasetPage: de_datasetPage, training: de_training, apply: de_apply, charts: de_charts, desktop: de_desktop, runsPage: de_runsPage, remote: de_remote, enginesCard: de_enginesCard, placement: de_placement },
};
