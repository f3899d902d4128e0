import type { UserError } from '../../../src/api';
import { useErrorText, useT } from '../i18n';

/** A failure as the user should meet it: what happened, what to do, details folded away. */
export function Problem({ error, testId, tone = 'error' }: { error: Pick<UserError, 'message' | 'action' | 'detail' | 'i18n'>; testId?: string; tone?: 'error' | 'warning' }) {
  const t = useT();
  const { message, action } = useErrorText()(error);
  return (
    <div className={tone === 'warning' ? 'problem warning' : 'problem'} role={tone === 'warning' ? 'status' : 'alert'} data-testid={testId}>
      <p className="problem-message">{message}</p>
      {action && (
        <p className="problem-action">
          <strong>{t('common:problem.whatToDo')} </strong>
          {action}
        </p>
      )}
      {error.detail && (
        <details>
          <summary>{t('common:problem.detailsForIt')}</summary>
          <code>{error.detail}</code>
        </details>
      )}
    </div>
  );
}
