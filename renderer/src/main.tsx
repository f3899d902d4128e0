import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { onCoreEvent } from './bridge';
import './i18n';
import { rememberedPage, rememberPage, startPage } from './start-page';
import { useAppStore } from './store';
import './styles.css';

onCoreEvent((event) => {
  if (event.type === 'engine:status') useAppStore.getState().applyEngineStatus(event.status);
  if (event.type === 'image:progress') useAppStore.getState().applyTransferProgress(event.progress);
  if (event.type === 'weights:progress') useAppStore.getState().applyWeightsProgress(event.progress);
  if (event.type === 'weights:download-progress') useAppStore.getState().applyWeightsDownloadProgress(event.progress);
  if (event.type === 'queue:changed') useAppStore.getState().applyQueue(event.queue);
  if (event.type === 'dicom:progress') useAppStore.getState().applyDicomProgress(event.progress);
  if (event.type === 'dataset:scan-progress') {
    // Each page's check has its own id; the slice whose check it is takes it.
    useAppStore.getState().applyScanProgress(event.progress);
    useAppStore.getState().applyPredictScanProgress(event.progress);
    useAppStore.getState().applyEvaluateScanProgress(event.progress);
  }
  if (event.type === 'run:state') {
    useAppStore.getState().applyRunState(event.run);
    useAppStore.getState().settleRunTransfer(event.run.id, event.run.state);
  }
  if (event.type === 'run:transfer') useAppStore.getState().applyRunTransfer(event.runId, event.progress);
  if (event.type === 'run:deleted') useAppStore.getState().applyRunDeleted(event.runId);
  if (event.type === 'run:progress') useAppStore.getState().applyRunProgress(event.runId, event.progress, event.epoch);
});
void useAppStore.getState().loadSettings();
void useAppStore.getState().loadQueue();
// The page the user goes to is the one to open on next time (start-page.ts).
useAppStore.subscribe((state, previous) => {
  if (state.navigated && state.page !== previous.page) rememberPage(state.page);
});
// Setup while something is missing, else the page of the last session.
void (async () => {
  const store = useAppStore.getState();
  await store.loadEngineStatus();
  const engineOk = useAppStore.getState().engineStatus?.ok === true;
  // The Setup page, open meanwhile, asks at the same moment: both share one request (store/images.ts).
  if (engineOk) await store.listImages();
  const imagePresent = useAppStore.getState().imageList?.inUsePresent === true;
  useAppStore.getState().openStartPage(startPage({ engineOk, imagePresent, lastPage: rememberedPage() }));
})();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
