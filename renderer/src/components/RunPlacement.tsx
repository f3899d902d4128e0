import type { RunPlacement, RunRecord } from '../../../src/api/runs';
import { useFormat, useT, useValue } from '../i18n';
import { useAppStore } from '../store';
import { LOCAL_ENGINE } from '../store/placement';

type T = ReturnType<typeof useT>;

/** The server a run went to, by name (and host where the record has it); null for this computer's engine. */
export const engineOf = (placement: RunPlacement | undefined): string | null => (placement && placement.engine !== LOCAL_ENGINE ? placement.engine : null);

/** "gpu-tls on 10.0.0.5", or "This computer" for runs on this computer's engine (and records from before engines had names). */
export function placementText(t: T, placement: RunPlacement | undefined): string {
  const engine = engineOf(placement);
  if (!engine) return t('placement:details.local');
  return placement!.host ? t('placement:details.server', { name: engine, host: placement!.host }) : engine;
}

/**
 * A staged run's data on its way: the upload of its inputs while it is preparing (then the server's
 * check of what arrived), or the download of its outputs as it ends; phase, share done, rate and
 * time left, from the core's run:transfer events.
 */
export function StagingProgressBar({ record }: { record: RunRecord }) {
  const t = useT();
  const format = useFormat();
  const value = useValue();
  const progress = useAppStore((s) => s.runTransfers[record.id]);
  if (!progress) return null;
  // The record names its engine once the core has placed it; until then "the server".
  const name = engineOf(record.placement);
  const fraction = progress.bytesTotal ? Math.min(1, progress.bytesDone / progress.bytesTotal) : null;
  const label = name ? t(`placement:transfer.${progress.phase}`, { name }) : t(`placement:transfer.unnamed.${progress.phase}`);
  const parts: string[] = [];
  if (fraction !== null) parts.push(format.percent(fraction, 0));
  parts.push(progress.bytesTotal ? t('placement:transfer.doneOfTotal', { done: format.size(progress.bytesDone), total: format.size(progress.bytesTotal) }) : format.size(progress.bytesDone));
  if (progress.files > 0) parts.push(t('placement:transfer.files', { count: progress.files }));
  if (progress.bytesPerSecond > 0) parts.push(t('placement:transfer.rate', { rate: value(progress.bytesPerSecond / 1e6) }));
  if (progress.secondsLeft !== null) parts.push(t('placement:transfer.left', { duration: format.duration(Math.ceil(progress.secondsLeft) * 1000) }));
  return (
    <div className="staging" data-testid="run-transfer" data-phase={progress.phase}>
      <strong>{label}</strong>
      <progress max={1} value={fraction ?? undefined} aria-label={label} />
      <p className="muted small" data-testid="run-transfer-detail">
        {parts.join(' · ')}
      </p>
    </div>
  );
}

/** The details' lines on where the run ran: the engine and host, and whether its data was uploaded there. */
export function PlacementFacts({ record }: { record: RunRecord }) {
  const t = useT();
  const { placement } = record;
  return (
    <>
      <dt>{t('placement:details.where')}</dt>
      <dd data-testid="run-placement" data-engine={placement?.engine ?? LOCAL_ENGINE}>
        {placementText(t, placement)}
      </dd>
      {placement && (
        <>
          <dt>{t('placement:details.data')}</dt>
          <dd data-testid="run-placement-data" data-placement={placement.data}>
            {placement.data === 'staged' ? t(placement.datasetReused ? 'placement:details.reused' : 'placement:details.staged') : t('placement:details.mounted')}
          </dd>
        </>
      )}
    </>
  );
}

/** While the connection to the run's server is lost: the run goes on there, and the app reconnects by itself. */
export function ConnectionLost({ record }: { record: RunRecord }) {
  const t = useT();
  const format = useFormat();
  if (!record.connectionLost) return null;
  return (
    <p className="problem warning" role="status" data-testid="run-connection-lost">
      {t('placement:connectionLost', { host: record.connectionLost.host, since: format.dateTime(record.connectionLost.since) })}
    </p>
  );
}
