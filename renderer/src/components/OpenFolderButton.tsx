import { useAppStore } from '../store';
import { Problem } from './Problem';
import { useT } from '../i18n';

/** Shows a run's output folder in the file manager; says so when the folder is gone (unless the page says it elsewhere). */
export function OpenFolderButton({ runId, label, showError = true }: { runId: string; label?: string; showError?: boolean }) {
  const t = useT();
  const openRunFolder = useAppStore((s) => s.openRunFolder);
  const error = useAppStore((s) => (s.folderError?.runId === runId ? s.folderError.error : null));
  return (
    <>
      <button type="button" className="secondary" onClick={() => void openRunFolder(runId)} data-testid="run-open-folder">
        {label ?? t('datasetPage:outputFolder.open')}
      </button>
      {showError && error && <Problem error={error} testId="run-folder-error" />}
    </>
  );
}

/** The "Output folder" entry of a results list: the path and the button that shows it. */
export function OutputFolderFact({ record }: { record: { id: string; outputDir: string } }) {
  const t = useT();
  return (
    <>
      <dt>{t('datasetPage:outputFolder.label')}</dt>
      <dd>
        <code data-testid="run-output-dir">{record.outputDir}</code>
        <div className="open-folder">
          <OpenFolderButton runId={record.id} />
        </div>
      </dd>
    </>
  );
}
