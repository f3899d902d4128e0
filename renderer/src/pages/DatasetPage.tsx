import type { DatasetReport } from '../../../src/api/dataset';
import { formatBytes } from '../../../src/api/format';
import { ClassBars } from '../components/ClassBars';
import { FolderChooser } from '../components/FolderChooser';
import { PreviewStrip } from '../components/PreviewStrip';
import { Problem } from '../components/Problem';
import { ProblemList } from '../components/ProblemList';
import { ScanStatus } from '../components/ScanStatus';
import { useAppStore } from '../store';
import { DicomCard } from './DicomCard';

const INTERFACE_LABEL = { directory: 'one folder per class', csv: 'image folder + annotation file (CSV)', images: 'a flat folder of images to classify' } as const;

/** No image where AUCMEDI looks, but sub-folders it does not look into: a PACS export (patient, study, series folders) is often so. */
function mayHoldDicomDeeper(report: DatasetReport): boolean {
  return report.totalImages === 0 && report.problems.some((problem) => problem.code === 'NESTED_FOLDERS');
}

export function DatasetPage() {
  const selection = useAppStore((s) => s.datasetSelection);
  const report = useAppStore((s) => s.datasetReport);
  const scan = useAppStore((s) => s.datasetScan);
  const error = useAppStore((s) => s.datasetError);
  const recent = useAppStore((s) => s.settings?.recentDatasets ?? []);
  const converted = useAppStore((s) => s.dicomConverted);
  const { pickDatasetFolder, pickAnnotationFile, scanDataset, setAnnotation, cancelScan, showDatasetError } = useAppStore.getState();

  return (
    <>
      <header className="page-header">
        <h1>Dataset</h1>
        <p className="muted">Choose the folder with your images. The app checks it as AUCMEDI will read it; it never changes, moves or copies your files.</p>
      </header>

      <section className="card" aria-labelledby="dataset-choose-heading">
        <h2 id="dataset-choose-heading">Images</h2>
        <FolderChooser
          accepts="one dataset folder"
          lead="Drop the dataset folder here"
          hint="One sub-folder per class with the images inside, or one folder of images plus an annotation file."
          selection={selection}
          onFolder={(path) => void scanDataset({ path, gtFile: null, ohe: false })}
          onPickFolder={() => void pickDatasetFolder()}
          onAnnotation={(gtFile, ohe) => void setAnnotation(gtFile, ohe)}
          onPickAnnotation={() => void pickAnnotationFile()}
          onReject={showDatasetError}
          ids={{ drop: 'dataset-drop', choose: 'dataset-choose', selection: 'dataset-selection', annotationDrop: 'annotation-drop', annotationFile: 'annotation-file', annotationChoose: 'annotation-choose', ohe: 'ohe' }}
        />

        {scan && <ScanStatus scan={scan} what="the dataset" onCancel={() => void cancelScan()} testId="scan-progress" cancelTestId="scan-cancel" />}
        {error && <Problem error={error} testId="dataset-error" />}

        {recent.length > 0 && !scan && (
          <div className="recent">
            <h3>Recently used</h3>
            <ul data-testid="recent-datasets">
              {recent.map((entry) => (
                <li key={`${entry.path}|${entry.gtFile}`}>
                  <button type="button" className="link" onClick={() => void scanDataset({ path: entry.path, gtFile: entry.gtFile, ohe: entry.ohe })}>
                    {entry.path}
                    {entry.gtFile ? ` + ${entry.gtFile.split(/[\\/]/).pop()}` : ''}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>

      {report && (report.dicomFiles > 0 || mayHoldDicomDeeper(report)) && <DicomCard source={report.path} probed={report.dicomFiles > 0} />}

      {report && converted?.out === report.path && (
        <p className="notice" data-testid="dicom-converted">
          Made from the DICOM folder <code>{converted.source}</code>: {Object.values(converted.written).reduce((a, b) => a + b, 0).toLocaleString()} images
          {converted.skipped.length > 0 && `, ${converted.skipped.length.toLocaleString()} ${converted.skipped.length === 1 ? 'file' : 'files'} of the DICOM folder left out`}
          {converted.mappingFile && (
            <>
              . The list linking images to DICOM files (with patient identifiers) is <code>{converted.mappingFile}</code>
            </>
          )}
          .
        </p>
      )}

      {report && (
        <section className="card" aria-labelledby="report-heading" data-testid="dataset-report">
          <header className="card-header">
            <h2 id="report-heading">What AUCMEDI will see</h2>
            <span className={`badge ${report.errors ? 'badge-bad' : 'badge-ok'}`} data-testid="dataset-verdict">
              {report.errors ? `${report.errors} ${report.errors === 1 ? 'problem' : 'problems'} to fix` : 'Ready for training'}
            </span>
          </header>
          <dl className="facts">
            <dt>Layout</dt>
            <dd data-testid="dataset-interface">{INTERFACE_LABEL[report.interface]}</dd>
            <dt>Images</dt>
            <dd data-testid="dataset-dimensionality">
              {report.totalImages.toLocaleString()} {report.dimensionality === '3D' ? '3D volumes' : report.dimensionality === '2D' ? '2D images' : `images (${report.dimensionality})`},{' '}
              {formatBytes(report.totalBytes)}
            </dd>
            <dt>Left out</dt>
            <dd data-testid="dataset-left-out">
              {report.leftOut === 0
                ? 'nothing: every file is an image AUCMEDI reads'
                : `${report.leftOut.toLocaleString()} ${report.leftOut === 1 ? 'file or folder' : 'files and folders'} (system files, notes, sub-folders; listed below). A run gets only the images, your folder stays as it is.`}
            </dd>
            <dt>Formats</dt>
            <dd>{Object.entries(report.formats).map(([format, count]) => `${format} ${count}`).join(', ') || 'none'}</dd>
            <dt>Labels</dt>
            <dd>{report.multiLabel ? 'several per image (multi-label)' : 'one per image'}</dd>
          </dl>
          <h3>Classes</h3>
          <ClassBars classes={report.classes} />
          {report.problems.length > 0 && (
            <>
              <h3>
                {report.errors} {report.errors === 1 ? 'error' : 'errors'}, {report.warnings} {report.warnings === 1 ? 'warning' : 'warnings'}
              </h3>
              <ProblemList problems={report.problems} />
            </>
          )}
          {report.dimensionality === '2D' && Object.keys(report.samples).length > 0 && (
            <>
              <h3>Preview</h3>
              <PreviewStrip root={report.path} samples={report.samples} />
            </>
          )}
          <p className="muted small">
            Checked {report.fingerprint.fileCount.toLocaleString()} files in {(report.durationMs / 1000).toFixed(1)} s · fingerprint{' '}
            <code>{report.fingerprint.sha256.slice(0, 16)}</code>
          </p>
        </section>
      )}
    </>
  );
}
