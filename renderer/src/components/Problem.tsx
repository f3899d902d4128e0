import type { UserError } from '../../../src/api';

/** A failure as the user should meet it: what happened, what to do, details folded away. */
export function Problem({ error, testId }: { error: Pick<UserError, 'message' | 'action' | 'detail'>; testId?: string }) {
  return (
    <div className="problem" role="alert" data-testid={testId}>
      <p className="problem-message">{error.message}</p>
      {error.action && (
        <p className="problem-action">
          <strong>What to do: </strong>
          {error.action}
        </p>
      )}
      {error.detail && (
        <details>
          <summary>Details for IT</summary>
          <code>{error.detail}</code>
        </details>
      )}
    </div>
  );
}
