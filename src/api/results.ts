import type { ConfusionMatrix, PerformanceMetrics, Predictions, RocCurve } from './aucmedi';

/** A finished prediction's table: `preds.csv` as read, and which samples have a heat map. */
export interface PredictionTable extends Predictions {
  heatMaps: string[];
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
