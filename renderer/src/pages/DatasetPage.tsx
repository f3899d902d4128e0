import { Trans } from 'react-i18next';
import type { DatasetReport } from '../../../src/api/dataset';
import { ClassBars } from '../components/ClassBars';
import { FolderChooser } from '../components/FolderChooser';
import { PreviewStrip } from '../components/PreviewStrip';
import { Problem } from '../components/Problem';
import { ProblemList } from '../components/ProblemList';
import { ScanStatus } from '../components/ScanStatus';
import { useFormat, useT } from '../i18n';
import { useAppStore } from '../store';
import { DicomCard } from './DicomCard';

/** No image where AUCMEDI looks, but sub-folders it does not look into: a PACS export (patient, study, series folders) is often so. */
function mayHoldDicomDeeper(report: DatasetReport): boolean {
  return report.totalImages === 0 && report.problems.some((problem) => problem.code === 'NESTED_FOLDERS');
}

export function DatasetPage() {
  const t = useT();
  const format = useFormat();
  const selection = useAppStore((s) => s.datasetSelection);
  const report = useAppStore((s) => s.datasetReport);
  const scan = useAppStore((s) => s.datasetScan);
  const error = useAppStore((s) => s.datasetError);
  const recent = useAppStore((s) => s.settings?.recentDatasets ?? []);
  const converted = useAppStore((s) => s.dicomConverted);
  const { pickDatasetFolder, pickAnnotationFile, scanDataset, setAnnotation, cancelScan, showDatasetError } = useAppStore.getState();

  const imagesText = (value: DatasetReport) => {
    const count = value.totalImages;
    if (value.dimensionality === '3D') return t('datasetPage:report.volumes3d', { count });
    if (value.dimensionality === '2D') return t('datasetPage:report.images2d', { count });
    return t('datasetPage:report.imagesOf', { count, dimensionality: t(`datasetPage:report.dimensionality.${value.dimensionality}`) });
  };

  return (
    <>
      <header className="page-header">
        <h1>{t('datasetPage:page.title')}</h1>
        <p className="muted">{t('datasetPage:page.intro')}</p>
      </header>

      <section className="card" aria-labelledby="dataset-choose-heading">
        <h2 id="dataset-choose-heading">{t('datasetPage:page.imagesHeading')}</h2>
        <FolderChooser
          accepts={t('datasetPage:page.accepts')}
          lead={t('datasetPage:page.lead')}
          hint={t('datasetPage:page.hint')}
          selection={selection}
          onFolder={(path) => void scanDataset({ path, gtFile: null, ohe: false })}
          onPickFolder={() => void pickDatasetFolder()}
          onAnnotation={(gtFile, ohe) => void setAnnotation(gtFile, ohe)}
          onPickAnnotation={() => void pickAnnotationFile()}
          onReject={showDatasetError}
          ids={{ drop: 'dataset-drop', choose: 'dataset-choose', selection: 'dataset-selection', annotationDrop: 'annotation-drop', annotationFile: 'annotation-file', annotationChoose: 'annotation-choose', ohe: 'ohe' }}
        />

        {scan && <ScanStatus scan={scan} what={t('datasetPage:page.scanWhat')} onCancel={() => void cancelScan()} testId="scan-progress" cancelTestId="scan-cancel" />}
        {error && <Problem error={error} testId="dataset-error" />}

        {recent.length > 0 && !scan && (
          <div className="recent">
            <h3>{t('datasetPage:page.recent')}</h3>
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
          {converted.skipped.length > 0 ? (
            <Trans
              t={t}
              i18nKey="datasetPage:converted.madeLeftOut"
              values={{
                source: converted.source,
                images: t('datasetPage:converted.images', { count: Object.values(converted.written).reduce((a, b) => a + b, 0) }),
                files: t('datasetPage:converted.files', { count: converted.skipped.length }),
              }}
              components={{ code: <code /> }}
            />
          ) : (
            <Trans
              t={t}
              i18nKey="datasetPage:converted.made"
              values={{ source: converted.source, images: t('datasetPage:converted.images', { count: Object.values(converted.written).reduce((a, b) => a + b, 0) }) }}
              components={{ code: <code /> }}
            />
          )}
          {converted.mappingFile && (
            <>
              {' '}
              <Trans t={t} i18nKey="datasetPage:converted.mapping" values={{ file: converted.mappingFile }} components={{ code: <code /> }} />
            </>
          )}
        </p>
      )}

      {report && (
        <section className="card" aria-labelledby="report-heading" data-testid="dataset-report">
          <header className="card-header">
            <h2 id="report-heading">{t('datasetPage:report.heading')}</h2>
            <span className={`badge ${report.errors ? 'badge-bad' : 'badge-ok'}`} data-testid="dataset-verdict">
              {report.errors ? t('datasetPage:report.toFix', { count: report.errors }) : t('datasetPage:report.ready')}
            </span>
          </header>
          <dl className="facts">
            <dt>{t('datasetPage:report.layout')}</dt>
            <dd data-testid="dataset-interface">{t(`datasetPage:report.interface.${report.interface}`)}</dd>
            <dt>{t('datasetPage:report.images')}</dt>
            <dd data-testid="dataset-dimensionality">{t('datasetPage:report.imagesAndSize', { images: imagesText(report), size: format.size(report.totalBytes) })}</dd>
            <dt>{t('datasetPage:report.leftOut')}</dt>
            <dd data-testid="dataset-left-out">{report.leftOut === 0 ? t('datasetPage:report.leftOutNothing') : t('datasetPage:report.leftOutSome', { count: report.leftOut })}</dd>
            <dt>{t('datasetPage:report.formats')}</dt>
            <dd>{Object.entries(report.formats).map(([name, count]) => `${name} ${format.number(count)}`).join(', ') || t('datasetPage:report.formatsNone')}</dd>
            <dt>{t('datasetPage:report.labels')}</dt>
            <dd>{report.multiLabel ? t('datasetPage:report.multiLabel') : t('datasetPage:report.singleLabel')}</dd>
          </dl>
          <h3>{t('datasetPage:report.classes')}</h3>
          <ClassBars classes={report.classes} />
          {report.problems.length > 0 && (
            <>
              <h3>
                {t('datasetPage:report.problemsHeading', {
                  errors: t('datasetPage:report.errorCount', { count: report.errors }),
                  warnings: t('datasetPage:report.warningCount', { count: report.warnings }),
                })}
              </h3>
              <ProblemList problems={report.problems} />
            </>
          )}
          {report.dimensionality === '2D' && Object.keys(report.samples).length > 0 && (
            <>
              <h3>{t('datasetPage:report.preview')}</h3>
              <PreviewStrip root={report.path} samples={report.samples} />
            </>
          )}
          <p className="muted small">
            <Trans
              t={t}
              i18nKey="datasetPage:report.checked"
              count={report.fingerprint.fileCount}
              values={{ count: report.fingerprint.fileCount, seconds: report.durationMs / 1000, fingerprint: report.fingerprint.sha256.slice(0, 16) }}
              components={{ code: <code /> }}
            />
          </p>
        </section>
      )}
    </>
  );
}
