import { Fragment, useState } from 'react';
import type { ImageCheck } from '../../../src/api';
import { IMAGE_ARCHIVE_NAME } from '../../../src/api/format';
import { DropZone } from '../components/DropZone';
import { Problem } from '../components/Problem';
import { TransferBar } from '../components/TransferBar';
import { useFormat, useT } from '../i18n';
import { useAppStore } from '../store';

/** TensorFlow, Keras (and its generation) and classification-models-3D, as the image check read them. */
function Software({ check }: { check: ImageCheck }) {
  const t = useT();
  if (check.state === 'unknown') return <span className="muted">{t('setup:images.notChecked')}</span>;
  const parts = [
    check.tensorflow && `TensorFlow ${check.tensorflow}`,
    check.keras && `Keras ${check.keras}${check.kerasGeneration ? ` (Keras ${check.kerasGeneration})` : ''}`,
    check.classificationModels3D && `classification-models-3D ${check.classificationModels3D}`,
  ].filter((part): part is string => Boolean(part));
  if (parts.length === 0) return <span className="muted">{t('setup:images.unknown')}</span>;
  // one package a line, joined by ", " for a screen reader and for copying
  return (
    <span data-testid="image-software">
      {parts.map((part, i) => (
        <Fragment key={part}>
          {i > 0 && (
            <>
              ,<br />
            </>
          )}
          {part}
        </Fragment>
      ))}
    </span>
  );
}

export function ImagesCard() {
  const list = useAppStore((s) => s.imageList);
  const error = useAppStore((s) => s.imageError);
  const transfer = useAppStore((s) => s.transfer);
  const lastLoaded = useAppStore((s) => s.lastLoaded);
  const lastMessage = useAppStore((s) => s.lastMessage);
  const { pickAndLoadImage, loadImage, exportImage, removeImage, useImage, cancelTransfer, showImageError } = useAppStore.getState();
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const t = useT();
  const format = useFormat();

  const loadedRef = lastLoaded?.references[0];
  const inUseBroken = list?.images.some((image) => image.inUse && image.check.state === 'broken') ?? false;
  return (
    <section className="card" aria-labelledby="images-heading" data-testid="images-card">
      <header className="card-header">
        <h2 id="images-heading">{t('setup:images.title')}</h2>
        {list && (
          <span className={`badge ${list.inUsePresent && !inUseBroken ? 'badge-ok' : 'badge-bad'}`} data-testid="image-state">
            {!list.inUsePresent ? t('setup:images.missing') : inUseBroken ? t('setup:images.broken') : t('setup:images.present')}
          </span>
        )}
      </header>
      {!list && !error && <p className="muted">{t('setup:images.looking')}</p>}
      {list && (
        <p className="muted">
          {t('setup:images.inUse')} <code data-testid="image-in-use">{list.inUse}</code>
        </p>
      )}
      {list && !list.inUsePresent && (
        <Problem
          testId="image-missing"
          error={{
            message: t('setup:images.missingMessage', { image: list.inUse }),
            action: t('setup:images.missingAction'),
          }}
        />
      )}

      {list && list.images.length > 0 && (
        <table className="table" data-testid="image-table">
          <thead>
            <tr>
              <th>{t('setup:images.colImage')}</th>
              <th>{t('setup:images.colAucmedi')}</th>
              <th>{t('setup:images.colSoftware')}</th>
              <th>{t('setup:images.colSize')}</th>
              <th>{t('setup:images.colCreated')}</th>
              <th aria-label={t('setup:images.colActions')} />
            </tr>
          </thead>
          <tbody>
            {list.images.map((image) => {
              const reference = image.references[0] ?? image.id;
              return (
                <Fragment key={image.id}>
                  <tr data-testid="image-row" className={image.inUse ? 'in-use' : undefined}>
                    <td>
                      {image.references.join(', ') || <span className="muted">{t('setup:images.untagged', { id: image.id.slice(7, 19) })}</span>}
                      {image.inUse && <span className="tag">{t('setup:images.tagInUse')}</span>}
                      {image.standIn && <span className="tag warn">{t('setup:images.tagStandIn')}</span>}
                    </td>
                    <td>
                      {image.aucmediVersion ?? <span className="muted">{t('setup:images.unknown')}</span>}
                      {image.check.state === 'broken' && (
                        <span className="badge badge-bad" data-testid="image-broken">
                          {t('setup:images.brokenBadge')}
                        </span>
                      )}
                    </td>
                    <td>
                      <Software check={image.check} />
                    </td>
                    <td>{format.size(image.sizeBytes)}</td>
                    <td>{format.dateTime(image.created)}</td>
                    <td>
                      <div className="row-actions">
                      {confirmRemove === reference ? (
                        <>
                          <span>{t('setup:images.removeQuestion')}</span>
                          <button type="button" className="danger" onClick={() => void removeImage(reference).then(() => setConfirmRemove(null))} data-testid="image-remove-confirm">
                            {t('setup:images.remove')}
                          </button>
                          <button type="button" className="secondary" onClick={() => setConfirmRemove(null)}>
                            {t('setup:images.keep')}
                          </button>
                        </>
                      ) : (
                        <>
                          {!image.inUse && image.references[0] && (
                            <button type="button" onClick={() => void useImage(reference)} data-testid="image-use">
                              {t('setup:images.use')}
                            </button>
                          )}
                          <button type="button" className="secondary" disabled={Boolean(transfer)} onClick={() => void exportImage(reference)} data-testid="image-export">
                            {t('setup:images.export')}
                          </button>
                          <button type="button" className="secondary" onClick={() => setConfirmRemove(reference)} data-testid="image-remove">
                            {t('setup:images.remove')}
                          </button>
                        </>
                      )}
                      </div>
                    </td>
                  </tr>
                  {image.check.state === 'broken' && (
                    <tr>
                      <td colSpan={6}>
                        <Problem testId="image-check-problem" error={image.check.problem!} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}

      {transfer ? (
        <TransferBar label={transfer.label} progress={transfer.progress} onCancel={() => void cancelTransfer()} />
      ) : (
        <DropZone
          accepts={t('setup:images.accepts')}
          isAcceptable={(name) => IMAGE_ARCHIVE_NAME.test(name)}
          onPath={(path) => void loadImage(path)}
          onReject={showImageError}
          testId="image-drop"
        >
          <button type="button" onClick={() => void pickAndLoadImage()} data-testid="image-load">
            {t('setup:images.load')}
          </button>
          <span className="muted">{t('setup:images.dropHint')}</span>
        </DropZone>
      )}

      {lastMessage && (
        <p className="notice" role="status" data-testid="image-message">
          {lastMessage}{' '}
          {loadedRef && list?.inUse !== loadedRef && (
            <button type="button" onClick={() => void useImage(loadedRef)} data-testid="image-use-loaded">
              {t('setup:images.useLoaded', { image: loadedRef })}
            </button>
          )}
        </p>
      )}
      {error && <Problem error={error} testId="image-error" />}
    </section>
  );
}
