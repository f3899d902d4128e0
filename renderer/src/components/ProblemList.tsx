import type { DatasetProblem } from '../../../src/api';

/** Errors first, then warnings; each with what to do and the files concerned. */
export function ProblemList({ problems }: { problems: DatasetProblem[] }) {
  const sorted = [...problems].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return (
    <ul className="problem-list" data-testid="problem-list">
      {sorted.map((problem, index) => (
        <li key={`${problem.code}-${index}`} className={`problem ${problem.severity === 'warning' ? 'warning' : ''}`} data-testid={`problem-${problem.severity}`} data-code={problem.code}>
          <p className="problem-message">
            <span className="severity">{problem.severity === 'error' ? 'Error' : 'Warning'}:</span> {problem.message}
          </p>
          <p className="problem-action">
            <strong>What to do: </strong>
            {problem.action}
          </p>
          {problem.files.length > 0 && (
            <details>
              <summary>
                {problem.fileCount} {problem.fileCount === 1 ? 'item' : 'items'} concerned
              </summary>
              <ul className="file-list">
                {problem.files.map((file) => (
                  <li key={file}>
                    <code>{file}</code>
                  </li>
                ))}
                {problem.fileCount > problem.files.length && <li className="muted">… and {problem.fileCount - problem.files.length} more</li>}
              </ul>
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}
