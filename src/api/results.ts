import type { ConfusionMatrix, PerformanceMetrics, Predictions, RocCurve } from './aucmedi';

/** A finished prediction's table: `preds.csv` as read, and which samples have a heat map. */
export interface PredictionTable extends Predictions {
  /** The samples that have a heat map. */
  heatMaps: string[];
  /** Where the heat maps are (the run's `xai` folder) and each one's file, by sample (`<sample>.<input extension>`). */
  heatMapDir: string;
  heatMapFiles: Record<string, string>;
  /** A 3D model's heat maps are volumes (e.g. `.nii.gz`), for a volume viewer: the window does not draw them. */
  heatMapVolumes: boolean;
}

/** A finished evaluation: AUCMEDI's metrics, and the confusion matrix and ROC curves the app computed from predictions and ground truth. */
export interface EvaluationResults {
  metrics: PerformanceMetrics;
  confusion: ConfusionMatrix;
  roc: RocCurve[];
  /** AUCMEDI's own plots, as they are. */
  plots: { name: string; dataUrl: string | null }[];
  predictions: Predictions;
}
