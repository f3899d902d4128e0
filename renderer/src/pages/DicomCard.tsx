import { Problem } from '../components/Problem';
import { useAppStore } from '../store';
import { parseWindowText } from '../../../src/api/dicom-window';
import { plural } from '../../../src/api/format';
import { DICOM_CLASS_ATTRIBUTES, type DicomClassAttribute } from '../../../src/api/dicom';
import { dicomOutFolder, windowOptions } from '../store/dicom';


/** "Prepare for AUCMEDI": a folder of DICOM files read, then converted into a new dataset of PNGs. */
/** `probed`: the dataset check met DICOM files; else the card offers to look deeper than the check does. */
export function DicomCard({ source, probed }: { source: string; probed: boolean }) {
  const report = useAppStore((s) => (s.dicomSource === source ? s.dicomReport : null));
  const work = useAppStore((s) => s.dicomWork);
  const error = useAppStore((s) => s.dicomError);
  const choices = useAppStore((s) => s.dicomChoices);
  const { readDicom, pickDicomParent, setDicomChoices, setDicomClasses, convertDicom, cancelDicom } = useAppStore.getState();
  const classes = choices.classes;
  const windowOk = windowOptions(choices.windows) !== null;
  const usable = report ? Object.values(report.classes).reduce((a, b) => a + b, 0) : 0;

  return (
    <section className="card" aria-labelledby="dicom-heading" data-testid="dicom-card">
      <h2 id="dicom-heading">{probed ? 'DICOM: prepare for AUCMEDI' : 'DICOM in the sub-folders?'}</h2>
      {!probed && (
        <p data-testid="dicom-deeper">
          This folder has no images where AUCMEDI looks, but sub-folders it does not look into. If they hold DICOM files, such as a PACS export of patient, study and
          series folders, the app can read them at every depth.
        </p>
      )}
      <p className="muted">
        AUCMEDI does not read DICOM. The app can make a new dataset from this folder: PNG images of the 2D images, windowed as the files say, and NIfTI volumes of the 3D
        series, without patient data in names or files. Your DICOM folder is not changed.
      </p>
      {!report && !work && (
        <div className="actions">
          <button type="button" onClick={() => void readDicom(source)} data-testid="dicom-read">
            Read the DICOM files
          </button>
        </div>
      )}
      {work && (
        <div className="transfer" data-testid="dicom-progress">
          <div className="transfer-head">
            <strong>{work.kind === 'scan' ? 'Reading the DICOM files…' : 'Converting…'}</strong>
            <button type="button" className="secondary" onClick={() => void cancelDicom()} data-testid="dicom-cancel">
              Cancel
            </button>
          </div>
          <progress aria-label={work.kind === 'scan' ? 'Reading the DICOM files' : 'Converting'} />
          <p className="muted small">
            {work.progress ? `${plural(work.progress.filesSeen, 'file')} read${work.kind === 'convert' ? `, ${plural(work.progress.written, 'image')} written` : ''}` : 'Starting…'}
          </p>
        </div>
      )}
      {error && <Problem error={error} testId="dicom-error" />}
      {report && !work && report.dicomFiles === 0 && (
        <p data-testid="dicom-none">
          No DICOM file in {plural(report.files, 'file')} of this folder and its sub-folders{report.notDicom.count > 0 ? ` (e.g. ${report.notDicom.examples.join(', ')})` : ''}.
        </p>
      )}
      {report && !work && report.dicomFiles > 0 && (
        <>
          <dl className="facts" data-testid="dicom-summary">
            <dt>Found</dt>
            <dd>
              {plural(report.dicomFiles, 'DICOM file')} in {plural(report.studies, 'study', 'studies')}, {plural(report.series, 'series', 'series')}
              {Object.keys(report.modalities).length > 0 && ` (${Object.entries(report.modalities).map(([m, n]) => `${m || '?'} ${n}`).join(', ')})`}
            </dd>
            <dt>2D images</dt>
            <dd data-testid="dicom-2d">{plural(report.images2d, 'image')}{report.multiFrameFiles > 0 && `, of them ${plural(report.multiFrameFiles, 'multi-frame file')}`}</dd>
            <dt>3D series</dt>
            <dd data-testid="dicom-3d">{report.series3d.series === 0 ? 'none' : `${plural(report.series3d.series, 'series', 'series')} (${plural(report.series3d.slices, 'slice')}), each to one NIfTI volume`}</dd>
            <dt>Classes</dt>
            <dd data-testid="dicom-classes">
              {Object.entries(report.classes).map(([name, n]) => `${name} ${n}`).join(', ') ||
                (classes.from === 'folders' ? 'none: put the images of each class in a folder of their own, or take the classes from an annotation file' : 'none: no file matches a row of the annotation file')}
              {report.annotationRowsUnused ? ` (${plural(report.annotationRowsUnused, 'row')} of the annotation file matched no file)` : ''}
            </dd>
          </dl>
          <fieldset className="choices" data-testid="dicom-classes-from">
            <legend>Classes from</legend>
            <label className="checkbox">
              <input type="radio" name="dicom-classes" checked={classes.from === 'folders'} onChange={() => void setDicomClasses({ from: 'folders' })} data-testid="dicom-classes-folders" />
              One folder per class
            </label>
            <label className="checkbox">
              <input type="radio" name="dicom-classes" checked={classes.from === 'csv'} onChange={() => void setDicomClasses('pick-file')} data-testid="dicom-classes-csv" />
              An annotation file (CSV: a DICOM attribute, then the class, under a header line)
            </label>
            {classes.from === 'csv' && (
              <div className="actions">
                <code data-testid="dicom-classes-file">{classes.file}</code>
                <label>
                  keyed by{' '}
                  <select value={classes.attribute} onChange={(e) => void setDicomClasses({ ...classes, attribute: e.target.value as DicomClassAttribute })} data-testid="dicom-classes-attribute">
                    {DICOM_CLASS_ATTRIBUTES.map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="button" className="secondary" onClick={() => void setDicomClasses('pick-file')}>
                  Choose another file…
                </button>
              </div>
            )}
          </fieldset>
          {report.unusable.length + report.skipped.length + report.notDicom.count > 0 && (
            <details data-testid="dicom-unusable">
              <summary>{plural(report.unusable.length + report.skipped.length + report.notDicom.count, 'file')} cannot be used</summary>
              <ul className="small">
                {report.unusable.slice(0, 50).map(({ file, reason }) => (
                  <li key={file}>
                    <code>{file}</code>: {reason}
                  </li>
                ))}
                {report.skipped.slice(0, 20).map((file) => (
                  <li key={file}>
                    <code>{file}</code>: a link or special file, never opened
                  </li>
                ))}
                {report.notDicom.count > 0 && <li>{plural(report.notDicom.count, 'file')} not DICOM (e.g. {report.notDicom.examples.join(', ')})</li>}
              </ul>
            </details>
          )}
          {usable > 0 && (
            <>
              <h3>New dataset</h3>
              <p data-testid="dicom-out">
                {choices.parent ? <code>{dicomOutFolder(choices.parent, source)}</code> : 'Choose where the new dataset folder goes.'}
              </p>
              <div className="actions">
                <button type="button" className="secondary" onClick={() => void pickDicomParent()} data-testid="dicom-choose-parent">
                  Choose folder…
                </button>
              </div>
              {report.images2d > 0 && (
              <fieldset className="choices" data-testid="dicom-windows">
                <legend>Window of the 2D images (width/level, e.g. 400/40)</legend>
                <p className="muted small">Left empty: each file's own window, or its full range when it has none. 3D volumes keep their values (Hounsfield units for CT).</p>
                {Object.keys(report.images2dByModality)
                  .sort()
                  .map((modality) => {
                    const text = choices.windows[modality] ?? '';
                    return (
                      <label key={modality} className="window-field">
                        <span>{modality || 'no modality'}</span>
                        <input
                          type="text"
                          value={text}
                          placeholder="the file's own"
                          onChange={(e) => setDicomChoices({ windows: { ...choices.windows, [modality]: e.target.value } })}
                          aria-invalid={text.trim() !== '' && parseWindowText(text) === null}
                          aria-label={`Window for ${modality || 'images without a modality'}`}
                          data-testid={`dicom-window-${modality || 'none'}`}
                        />
                      </label>
                    );
                  })}
              </fieldset>
              )}
              {report.multiFrameFiles > 0 && (
                <label className="checkbox">
                  <input type="checkbox" checked={choices.framesEach} onChange={(e) => setDicomChoices({ framesEach: e.target.checked })} data-testid="dicom-frames-each" />
                  One image per frame of the multi-frame files (else they are left out)
                </label>
              )}
              <label className="checkbox">
                <input type="checkbox" checked={choices.writeMapping} onChange={(e) => setDicomChoices({ writeMapping: e.target.checked })} data-testid="dicom-mapping" />
                Also write the list that links each new image to its DICOM file. It contains patient identifiers: keep it where only you can read it.
              </label>
              <div className="actions">
                <button type="button" disabled={!choices.parent || !windowOk} onClick={() => void convertDicom()} data-testid="dicom-convert">
                  Convert {plural(usable, report.series3d.series > 0 ? 'image or volume' : 'image', report.series3d.series > 0 ? 'images and volumes' : 'images')}
                </button>
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}
