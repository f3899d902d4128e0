import type { UserError } from '../../../src/api';

/** A failure as the user should meet it: what happened, what to do, details folded away. */
export function Problem({ error, testId, tone = 'error' }: { error: Pick<UserError, 'message' | 'action' | 'detail'>; testId?: string; tone?: 'error' | 'warning' }) {
  return (
    <div className={tone === 'warning' ? 'problem warning' : 'problem'} role={tone === 'warning' ? 'status' : 'alert'} data-testid={testId}>
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
