import { Trans } from 'react-i18next';
import type { UserError } from '../../../src/api';
import { useT } from '../i18n';
import type { DatasetSelection } from '../store/dataset';
import { DropZone } from './DropZone';

/** The test ids of one FolderChooser, so that each page keeps its own. */
export interface FolderChooserIds {
  drop: string;
  choose: string;
  /** On the chosen folder's line, where the page has one. */
  selection?: string;
  annotationDrop: string;
  annotationFile: string;
  annotationChoose: string;
  ohe: string;
}

/** Choosing a labelled image folder: drop or pick the folder, then optionally an annotation file (CSV) and whether it has one column per class. */
export function FolderChooser({
  accepts,
  lead,
  hint,
  selection,
  onFolder,
  onPickFolder,
  onAnnotation,
  onPickAnnotation,
  onReject,
  ids,
}: {
  /** What the large drop zone takes, in words ("one dataset folder"), translated by the caller (DropZone's `accepts`). */
  accepts: string;
  /** The drop zone's lead line and hint, translated by the caller. */
  lead: string;
  hint: string;
  selection: DatasetSelection | null;
  onFolder(path: string): void;
  onPickFolder(): void;
  onAnnotation(gtFile: string | null, ohe: boolean): void;
  onPickAnnotation(): void;
  onReject(error: UserError): void;
  ids: FolderChooserIds;
}) {
  const t = useT();
  return (
    <>
      <DropZone accepts={accepts} isAcceptable={() => true} onPath={onFolder} onReject={onReject} testId={ids.drop} large>
        <p className="lead">{lead}</p>
        <p className="muted">{hint}</p>
        <button type="button" onClick={onPickFolder} data-testid={ids.choose}>
          {t('datasetPage:folderChooser.chooseFolder')}
        </button>
      </DropZone>

      {selection && (
        <div className="selection" data-testid={ids.selection}>
          <p>
            <Trans t={t} i18nKey="datasetPage:folderChooser.folder" values={{ path: selection.path }} components={{ code: <code /> }} />
          </p>
          <div className="inline-form">
            <DropZone
              accepts={t('datasetPage:folderChooser.annotationAccepts')}
              isAcceptable={(name) => /\.(csv|txt)$/i.test(name)}
              onPath={(gtFile) => onAnnotation(gtFile, selection.ohe)}
              onReject={onReject}
              testId={ids.annotationDrop}
            >
              {selection.gtFile ? (
                <>
                  <Trans t={t} i18nKey="datasetPage:folderChooser.annotationFile" values={{ file: selection.gtFile }} components={{ code: <code data-testid={ids.annotationFile} /> }} />{' '}
                  <button type="button" className="secondary" onClick={() => onAnnotation(null, false)}>
                    {t('datasetPage:folderChooser.remove')}
                  </button>
                </>
              ) : (
                <>
                  <button type="button" className="secondary" onClick={onPickAnnotation} data-testid={ids.annotationChoose}>
                    {t('datasetPage:folderChooser.addAnnotation')}
                  </button>
                  <span className="muted"> {t('datasetPage:folderChooser.orDrop')}</span>
                </>
              )}
            </DropZone>
            {selection.gtFile && (
              <label className="checkbox">
                <input type="checkbox" checked={selection.ohe} onChange={(event) => onAnnotation(selection.gtFile, event.target.checked)} data-testid={ids.ohe} />
                {t('datasetPage:folderChooser.ohe')}
              </label>
            )}
          </div>
        </div>
      )}
    </>
  );
}
