import type { ReactNode } from 'react';
import type { UserError } from '../../../src/api';
import type { QueueItem, RunMode } from '../../../src/api/runs';
import { useT } from '../i18n';
import { useAppStore } from '../store';
import { Problem } from './Problem';
import { AddToQueueButton, QueueNotice } from './QueueControls';
import { UploadConsent } from './UploadConsent';

/** The last card of the Train, Predict and Evaluate pages: what is still missing, Start, Add to queue, the start error and the question before data is uploaded to a server. `prefix` names the test ids. */
export function StartCard({
  prefix,
  mode,
  problems,
  error,
  starting,
  item,
  onStart,
  onAdded,
  label,
  checking,
}: {
  prefix: string;
  mode: RunMode;
  problems: string[];
  error: UserError | null;
  starting: boolean;
  /** The request as a queue item, or null while it is incomplete. */
  item: QueueItem | null;
  onStart(): void;
  /** After the request was added to the queue (reset the output folder: the next run needs another). */
  onAdded(): void;
  /** The Start button's text ("Start training"), translated by the caller. */
  label: string;
  /** What is checked while it starts, translated by the caller. */
  checking: string;
}) {
  const t = useT();
  return (
    <section className="card start-card" aria-label={t('training:start.cardLabel')}>
      {problems.length > 0 && (
        <ul className="hint-list" data-testid={`${prefix}-problems`}>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {error && <Problem error={error} testId={`${prefix}-start-error`} />}
      <div className="actions">
        <button type="button" className="primary-large" onClick={onStart} disabled={!item || starting} data-testid={`${prefix}-start`}>
          {starting ? t('training:start.starting') : label}
        </button>
        <AddToQueueButton prefix={prefix} item={item} onAdded={onAdded} />
      </div>
      <UploadConsent prefix={prefix} mode={mode} onAdded={onAdded} />
      <QueueNotice prefix={prefix} mode={mode} />
      {starting && <p className="muted small">{checking}</p>}
    </section>
  );
}

/** A page's header above "Loading…", or the reason the AUCMEDI catalog could not be read. */
export function CatalogPending({ header, loading }: { header: ReactNode; loading?: string }) {
  const t = useT();
  const catalogError = useAppStore((s) => s.catalogError);
  return (
    <>
      {header}
      <section className="card">{catalogError ? <Problem error={catalogError} testId="catalog-error" /> : <p className="muted">{loading ?? t('training:start.loading')}</p>}</section>
    </>
  );
}
