import { Trans } from 'react-i18next';
import { Problem } from '../components/Problem';
import { useAppStore } from '../store';
import { useFormat, useLocalized, useT } from '../i18n';
import { parseWindowText } from '../../../src/api/dicom-window';
import { DICOM_CLASS_ATTRIBUTES, type DicomClassAttribute } from '../../../src/api/dicom';
import { dicomOutFolder, windowOptions } from '../store/dicom';


/** "Prepare for AUCMEDI": a folder of DICOM files read, then converted into a new dataset of PNGs. */
/** `probed`: the dataset check met DICOM files; else the card offers to look deeper than the check does. */
export function DicomCard({ source, probed }: { source: string; probed: boolean }) {
  const t = useT();
  const format = useFormat();
  const localized = useLocalized();
  const report = useAppStore((s) => (s.dicomSource === source ? s.dicomReport : null));
  const work = useAppStore((s) => s.dicomWork);
  const error = useAppStore((s) => s.dicomError);
  const choices = useAppStore((s) => s.dicomChoices);
  const { readDicom, pickDicomParent, setDicomChoices, setDicomClasses, convertDicom, cancelDicom } = useAppStore.getState();
  const classes = choices.classes;
  const windowOk = windowOptions(choices.windows) !== null;
  const usable = report ? Object.values(report.classes).reduce((a, b) => a + b, 0) : 0;
  /** "CT 3, MR 2": names and counts, the same in every language. */
  const counts = (entries: Record<string, number>, unnamed = '') => Object.entries(entries).map(([name, n]) => `${name || unnamed} ${format.number(n)}`).join(', ');

  const progressText = () => {
    if (!work?.progress) return t('datasetPage:dicomCard.starting');
    const files = t('datasetPage:dicomCard.files', { count: work.progress.filesSeen });
    return work.kind === 'convert'
      ? t('datasetPage:dicomCard.progressConvert', { files, images: t('datasetPage:dicomCard.images', { count: work.progress.written }) })
      : t('datasetPage:dicomCard.progressScan', { files });
  };

  const classesText = () => {
    if (!report) return '';
    const list = counts(report.classes) || (classes.from === 'folders' ? t('datasetPage:dicomCard.classesNoneFolders') : t('datasetPage:dicomCard.classesNoneCsv'));
    return report.annotationRowsUnused ? t('datasetPage:dicomCard.classesRowsUnused', { classes: list, count: report.annotationRowsUnused }) : list;
  };

  return (
    <section className="card" aria-labelledby="dicom-heading" data-testid="dicom-card">
      <h2 id="dicom-heading">{probed ? t('datasetPage:dicomCard.headingProbed') : t('datasetPage:dicomCard.headingDeeper')}</h2>
      {!probed && <p data-testid="dicom-deeper">{t('datasetPage:dicomCard.deeper')}</p>}
      <p className="muted">{t('datasetPage:dicomCard.intro')}</p>
      {!report && !work && (
        <div className="actions">
          <button type="button" onClick={() => void readDicom(source)} data-testid="dicom-read">
            {t('datasetPage:dicomCard.read')}
          </button>
        </div>
      )}
      {work && (
        <div className="transfer" data-testid="dicom-progress">
          <div className="transfer-head">
            <strong>{work.kind === 'scan' ? t('datasetPage:dicomCard.reading') : t('datasetPage:dicomCard.converting')}</strong>
            <button type="button" className="secondary" onClick={() => void cancelDicom()} data-testid="dicom-cancel">
              {t('datasetPage:dicomCard.cancel')}
            </button>
          </div>
          <progress aria-label={work.kind === 'scan' ? t('datasetPage:dicomCard.readingLabel') : t('datasetPage:dicomCard.convertingLabel')} />
          <p className="muted small">{progressText()}</p>
        </div>
      )}
      {error && <Problem error={error} testId="dicom-error" />}
      {report && !work && report.dicomFiles === 0 && (
        <p data-testid="dicom-none">
          {report.notDicom.count > 0
            ? t('datasetPage:dicomCard.noneExamples', { files: t('datasetPage:dicomCard.files', { count: report.files }), examples: report.notDicom.examples.join(', ') })
            : t('datasetPage:dicomCard.none', { files: t('datasetPage:dicomCard.files', { count: report.files }) })}
        </p>
      )}
      {report && !work && report.dicomFiles > 0 && (
        <>
          <dl className="facts" data-testid="dicom-summary">
            <dt>{t('datasetPage:dicomCard.found')}</dt>
            <dd>
              {t(Object.keys(report.modalities).length > 0 ? 'datasetPage:dicomCard.foundWithModalities' : 'datasetPage:dicomCard.foundFiles', {
                files: t('datasetPage:dicomCard.dicomFiles', { count: report.dicomFiles }),
                studies: t('datasetPage:dicomCard.studies', { count: report.studies }),
                series: t('datasetPage:dicomCard.series', { count: report.series }),
                modalities: counts(report.modalities, '?'),
              })}
            </dd>
            <dt>{t('datasetPage:dicomCard.images2d')}</dt>
            <dd data-testid="dicom-2d">
              {report.multiFrameFiles > 0
                ? t('datasetPage:dicomCard.imagesMultiFrame', { images: t('datasetPage:dicomCard.images', { count: report.images2d }), multiFrame: t('datasetPage:dicomCard.multiFrameFiles', { count: report.multiFrameFiles }) })
                : t('datasetPage:dicomCard.images', { count: report.images2d })}
            </dd>
            <dt>{t('datasetPage:dicomCard.series3d')}</dt>
            <dd data-testid="dicom-3d">
              {report.series3d.series === 0
                ? t('datasetPage:dicomCard.series3dNone')
                : t('datasetPage:dicomCard.series3dEach', { series: t('datasetPage:dicomCard.series', { count: report.series3d.series }), slices: t('datasetPage:dicomCard.slices', { count: report.series3d.slices }) })}
            </dd>
            <dt>{t('datasetPage:dicomCard.classes')}</dt>
            <dd data-testid="dicom-classes">{classesText()}</dd>
          </dl>
          <fieldset className="choices" data-testid="dicom-classes-from">
            <legend>{t('datasetPage:dicomCard.classesFrom')}</legend>
            <label className="checkbox">
              <input type="radio" name="dicom-classes" checked={classes.from === 'folders'} onChange={() => void setDicomClasses({ from: 'folders' })} data-testid="dicom-classes-folders" />
              {t('datasetPage:dicomCard.classesFolders')}
            </label>
            <label className="checkbox">
              <input type="radio" name="dicom-classes" checked={classes.from === 'csv'} onChange={() => void setDicomClasses('pick-file')} data-testid="dicom-classes-csv" />
              {t('datasetPage:dicomCard.classesCsv')}
            </label>
            {classes.from === 'csv' && (
              <div className="actions">
                <code data-testid="dicom-classes-file">{classes.file}</code>
                <label>
                  {t('datasetPage:dicomCard.keyedBy')}{' '}
                  <select value={classes.attribute} onChange={(e) => void setDicomClasses({ ...classes, attribute: e.target.value as DicomClassAttribute })} data-testid="dicom-classes-attribute">
                    {DICOM_CLASS_ATTRIBUTES.map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="button" className="secondary" onClick={() => void setDicomClasses('pick-file')}>
                  {t('datasetPage:dicomCard.chooseAnotherFile')}
                </button>
              </div>
            )}
          </fieldset>
          {report.unusable.length + report.skipped.length + report.notDicom.count > 0 && (
            <details data-testid="dicom-unusable">
              <summary>{t('datasetPage:dicomCard.cannotBeUsed', { count: report.unusable.length + report.skipped.length + report.notDicom.count })}</summary>
              <ul className="small">
                {report.unusable.slice(0, 50).map((entry) => (
                  <li key={entry.file}>
                    <Trans t={t} i18nKey="datasetPage:dicomCard.unusableFile" values={{ file: entry.file, reason: localized(entry, 'reason') }} components={{ code: <code /> }} />
                  </li>
                ))}
                {report.skipped.slice(0, 20).map((file) => (
                  <li key={file}>
                    <Trans t={t} i18nKey="datasetPage:dicomCard.skippedFile" values={{ file }} components={{ code: <code /> }} />
                  </li>
                ))}
                {report.notDicom.count > 0 && <li>{t('datasetPage:dicomCard.notDicom', { count: report.notDicom.count, examples: report.notDicom.examples.join(', ') })}</li>}
              </ul>
            </details>
          )}
          {usable > 0 && (
            <>
              <h3>{t('datasetPage:dicomCard.newDataset')}</h3>
              <p data-testid="dicom-out">
                {choices.parent ? <code>{dicomOutFolder(choices.parent, source)}</code> : t('datasetPage:dicomCard.chooseWhere')}
              </p>
              <div className="actions">
                <button type="button" className="secondary" onClick={() => void pickDicomParent()} data-testid="dicom-choose-parent">
                  {t('datasetPage:dicomCard.chooseFolder')}
                </button>
              </div>
              {report.images2d > 0 && (
              <fieldset className="choices" data-testid="dicom-windows">
                <legend>{t('datasetPage:dicomCard.windowLegend')}</legend>
                <p className="muted small">{t('datasetPage:dicomCard.windowHint')}</p>
                {Object.keys(report.images2dByModality)
                  .sort()
                  .map((modality) => {
                    const text = choices.windows[modality] ?? '';
                    return (
                      <label key={modality} className="window-field">
                        <span>{modality || t('datasetPage:dicomCard.noModality')}</span>
                        <input
                          type="text"
                          value={text}
                          placeholder={t('datasetPage:dicomCard.windowPlaceholder')}
                          onChange={(e) => setDicomChoices({ windows: { ...choices.windows, [modality]: e.target.value } })}
                          aria-invalid={text.trim() !== '' && parseWindowText(text) === null}
                          aria-label={modality ? t('datasetPage:dicomCard.windowFor', { modality }) : t('datasetPage:dicomCard.windowForNone')}
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
                  {t('datasetPage:dicomCard.framesEach')}
                </label>
              )}
              <label className="checkbox">
                <input type="checkbox" checked={choices.writeMapping} onChange={(e) => setDicomChoices({ writeMapping: e.target.checked })} data-testid="dicom-mapping" />
                {t('datasetPage:dicomCard.writeMapping')}
              </label>
              <div className="actions">
                <button type="button" disabled={!choices.parent || !windowOk} onClick={() => void convertDicom()} data-testid="dicom-convert">
                  {report.series3d.series > 0 ? t('datasetPage:dicomCard.convertImagesVolumes', { count: usable }) : t('datasetPage:dicomCard.convertImages', { count: usable })}
                </button>
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}
