import type { DatasetProblem } from '../../../src/api';
import { useErrorText, useT } from '../i18n';

/** Errors first, then warnings; each with what to do and the files concerned. */
export function ProblemList({ problems }: { problems: DatasetProblem[] }) {
  const t = useT();
  const errorText = useErrorText();
  const sorted = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return (
    <ul className="problem-list" data-testid="problem-list">
      {sorted.map((problem, index) => {
        const { message, action } = errorText(problem);
        return (
          <li key={`${problem.code}-${index}`} className={`problem ${problem.severity === 'warning' ? 'warning' : ''}`} data-testid={`problem-${problem.severity}`} data-code={problem.code}>
            <p className="problem-message">
              <span className="severity">{t('datasetPage:problems.severity', { severity: problem.severity === 'error' ? t('datasetPage:problems.error') : t('datasetPage:problems.warning') })}</span> {message}
            </p>
            <p className="problem-action">
              <strong>{t('common:problem.whatToDo')} </strong>
              {action}
            </p>
            {problem.files.length > 0 && (
              <details>
                <summary>{t('datasetPage:problems.itemsConcerned', { count: problem.fileCount })}</summary>
                <ul className="file-list">
                  {problem.files.map((file) => (
                    <li key={file}>
                      <code>{file}</code>
                    </li>
                  ))}
                  {problem.fileCount > problem.files.length && <li className="muted">{t('datasetPage:problems.more', { count: problem.fileCount - problem.files.length })}</li>}
                </ul>
              </details>
            )}
          </li>
        );
      })}
    </ul>
  );
}
