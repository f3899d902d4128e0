export { scanDataset, cancelledError, type ScanOptions } from './scan';
export { formatDatasetReport } from './format';
export { fingerprintOf, fingerprintLine } from './fingerprint';
