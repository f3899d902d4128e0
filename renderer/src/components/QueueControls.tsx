import type { QueueItem, RunMode } from '../../../src/api/runs';
import { useT } from '../i18n';
import { useAppStore } from '../store';
import { Problem } from './Problem';

/** "Add to queue" beside a page's Start button: the same request, started by the core when the processor it needs is free. */
export function AddToQueueButton({ prefix, item, onAdded }: { prefix: string; item: QueueItem | null; onAdded?: () => void }) {
  const adding = useAppStore((s) => s.queueAdding);
  const addToQueue = useAppStore((s) => s.addToQueue);
  const t = useT();
  return (
    <button
      type="button"
      className="secondary"
      onClick={() => {
        if (item) void addToQueue(item).then((added) => added && onAdded?.());
      }}
      disabled={!item || adding !== null}
      title={t('training:queue.addTitle')}
      data-testid={`${prefix}-queue`}
    >
      {adding === item?.mode ? t('training:queue.adding') : t('training:queue.add')}
    </button>
  );
}

/** What became of the latest "Add to queue" of this page: its place in the queue (live), or the refusal. */
export function QueueNotice({ prefix, mode }: { prefix: string; mode: RunMode }) {
  const added = useAppStore((s) => (s.queueAdded?.mode === mode ? s.queueAdded : null));
  const error = useAppStore((s) => (s.queueAddError?.mode === mode ? s.queueAddError.error : null));
  const queue = useAppStore((s) => s.queue);
  const goTo = useAppStore((s) => s.goTo);
  const t = useT();
  if (error) return <Problem error={error} testId={`${prefix}-queue-error`} />;
  if (!added) return null;
  const entry = queue?.find((e) => e.id === added.id);
  const position = entry?.position ?? added.position;
  const started = queue !== null && !entry;
  return (
    <p className="notice" role="status" data-testid={`${prefix}-queued`} data-position={started ? '' : position}>
      {started
        ? t('training:queue.left')
        : entry?.error
          ? t('training:queue.refused', { position })
          : t('training:queue.added', { position })}{' '}
      <button type="button" className="link" onClick={() => goTo('runs')} data-testid={`${prefix}-queued-runs`}>
        {t('training:queue.seeRuns')}
      </button>
    </p>
  );
}
