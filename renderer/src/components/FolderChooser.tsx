import type { UserError } from '../../../src/api';
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
  /** What the large drop zone takes, in words ("one dataset folder"). */
  accepts: string;
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
  return (
    <>
      <DropZone accepts={accepts} isAcceptable={() => true} onPath={onFolder} onReject={onReject} testId={ids.drop} large>
        <p className="lead">{lead}</p>
        <p className="muted">{hint}</p>
        <button type="button" onClick={onPickFolder} data-testid={ids.choose}>
          Choose folder…
        </button>
      </DropZone>

      {selection && (
        <div className="selection" data-testid={ids.selection}>
          <p>
            Folder: <code>{selection.path}</code>
          </p>
          <div className="inline-form">
            <DropZone
              accepts="an annotation file (.csv)"
              isAcceptable={(name) => /\.(csv|txt)$/i.test(name)}
              onPath={(gtFile) => onAnnotation(gtFile, selection.ohe)}
              onReject={onReject}
              testId={ids.annotationDrop}
            >
              {selection.gtFile ? (
                <>
                  Annotation file: <code data-testid={ids.annotationFile}>{selection.gtFile}</code>{' '}
                  <button type="button" className="secondary" onClick={() => onAnnotation(null, false)}>
                    Remove
                  </button>
                </>
              ) : (
                <>
                  <button type="button" className="secondary" onClick={onPickAnnotation} data-testid={ids.annotationChoose}>
                    Add annotation file (CSV)…
                  </button>
                  <span className="muted"> or drop it here, for a flat image folder.</span>
                </>
              )}
            </DropZone>
            {selection.gtFile && (
              <label className="checkbox">
                <input type="checkbox" checked={selection.ohe} onChange={(event) => onAnnotation(selection.gtFile, event.target.checked)} data-testid={ids.ohe} />
                Several labels per image (one column per class, 0 or 1)
              </label>
            )}
          </div>
        </div>
      )}
    </>
  );
}
