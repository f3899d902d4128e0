import { create } from 'zustand';
import { createCatalogSlice, type CatalogSlice } from './catalog';
import { createDatasetSlice, type DatasetSlice } from './dataset';
import { createDicomSlice, type DicomSlice } from './dicom';
import { createEngineSlice, type EngineSlice } from './engine';
import { createEnginesSlice, type EnginesSlice } from './engines';
import { createEvaluateSlice, type EvaluateSlice } from './evaluate';
import { createGpuSlice, type GpuSlice } from './gpu';
import { createImagesSlice, type ImagesSlice } from './images';
import { createNavigationSlice, type NavigationSlice } from './navigation';
import { createPlacementSlice, type PlacementSlice } from './placement';
import { createPredictSlice, type PredictSlice } from './predict';
import { createQueueSlice, type QueueSlice } from './queue';
import { createRunsSlice, type RunsSlice } from './runs';
import { createSettingsSlice, type SettingsSlice } from './settings';
import { createWeightsSlice, type WeightsSlice } from './weights';

export type AppState = EngineSlice &
  EnginesSlice &
  SettingsSlice &
  NavigationSlice &
  ImagesSlice &
  GpuSlice &
  DatasetSlice &
  DicomSlice &
  CatalogSlice &
  RunsSlice &
  PredictSlice &
  EvaluateSlice &
  QueueSlice &
  PlacementSlice &
  WeightsSlice;

export const useAppStore = create<AppState>()((...args) => ({
  ...createEngineSlice(...args),
  ...createEnginesSlice(...args),
  ...createSettingsSlice(...args),
  ...createNavigationSlice(...args),
  ...createImagesSlice(...args),
  ...createGpuSlice(...args),
  ...createDatasetSlice(...args),
  ...createDicomSlice(...args),
  ...createCatalogSlice(...args),
  ...createRunsSlice(...args),
  ...createPredictSlice(...args),
  ...createEvaluateSlice(...args),
  ...createQueueSlice(...args),
  ...createPlacementSlice(...args),
  ...createWeightsSlice(...args),
}));
