import { Fragment, useState } from 'react';
import type { ImageCheck } from '../../../src/api';
import { formatBytes, IMAGE_ARCHIVE_NAME } from '../../../src/api/format';
import { DropZone } from '../components/DropZone';
import { Problem } from '../components/Problem';
import { TransferBar } from '../components/TransferBar';
import { useAppStore } from '../store';

/** TensorFlow, Keras (and its generation) and classification-models-3D, as the image check read them. */
function Software({ check }: { check: ImageCheck }) {
  if (check.state === 'unknown') return <span className="muted">not checked</span>;
  const parts = [
    check.tensorflow && `TensorFlow ${check.tensorflow}`,
    check.keras && `Keras ${check.keras}${check.kerasGeneration ? ` (Keras ${check.kerasGeneration})` : ''}`,
    check.classificationModels3D && `classification-models-3D ${check.classificationModels3D}`,
  ].filter((part): part is string => Boolean(part));
  if (parts.length === 0) return <span className="muted">unknown</span>;
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

  const loadedRef = lastLoaded?.references[0];
  const inUseBroken = list?.images.some((image) => image.inUse && image.check.state === 'broken') ?? false;
  return (
    <section className="card" aria-labelledby="images-heading" data-testid="images-card">
      <header className="card-header">
        <h2 id="images-heading">AUCMEDI image</h2>
        {list && (
          <span className={`badge ${list.inUsePresent && !inUseBroken ? 'badge-ok' : 'badge-bad'}`} data-testid="image-state">
            {!list.inUsePresent ? 'Missing' : inUseBroken ? 'Broken' : 'Present'}
          </span>
        )}
      </header>
      {!list && !error && <p className="muted">Looking for AUCMEDI images…</p>}
      {list && (
        <p className="muted">
          In use: <code data-testid="image-in-use">{list.inUse}</code>
        </p>
      )}
      {list && !list.inUsePresent && (
        <Problem
          testId="image-missing"
          error={{
            message: `The AUCMEDI image ${list.inUse} is not on this computer.`,
            action: 'Load it from the image file your IT department provided (USB stick or hospital share), or use one of the images below.',
          }}
        />
      )}

      {list && list.images.length > 0 && (
        <table className="table" data-testid="image-table">
          <thead>
            <tr>
              <th>Image</th>
              <th>AUCMEDI</th>
              <th>Software</th>
              <th>Size</th>
              <th>Created</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.images.map((image) => {
              const reference = image.references[0] ?? image.id;
              return (
                <Fragment key={image.id}>
                  <tr data-testid="image-row" className={image.inUse ? 'in-use' : undefined}>
                    <td>
                      {image.references.join(', ') || <span className="muted">untagged {image.id.slice(7, 19)}</span>}
                      {image.inUse && <span className="tag">in use</span>}
                      {image.standIn && <span className="tag warn">test stand-in, not AUCMEDI</span>}
                    </td>
                    <td>
                      {image.aucmediVersion ?? <span className="muted">unknown</span>}
                      {image.check.state === 'broken' && (
                        <span className="badge badge-bad" data-testid="image-broken">
                          broken
                        </span>
                      )}
                    </td>
                    <td>
                      <Software check={image.check} />
                    </td>
                    <td>{formatBytes(image.sizeBytes)}</td>
                    <td>{new Date(image.created).toLocaleDateString()}</td>
                    <td>
                      <div className="row-actions">
                      {confirmRemove === reference ? (
                        <>
                          <span>Remove?</span>
                          <button type="button" className="danger" onClick={() => void removeImage(reference).then(() => setConfirmRemove(null))} data-testid="image-remove-confirm">
                            Remove
                          </button>
                          <button type="button" className="secondary" onClick={() => setConfirmRemove(null)}>
                            Keep
                          </button>
                        </>
                      ) : (
                        <>
                          {!image.inUse && image.references[0] && (
                            <button type="button" onClick={() => void useImage(reference)} data-testid="image-use">
                              Use
                            </button>
                          )}
                          <button type="button" className="secondary" disabled={Boolean(transfer)} onClick={() => void exportImage(reference)} data-testid="image-export">
                            Export…
                          </button>
                          <button type="button" className="secondary" onClick={() => setConfirmRemove(reference)} data-testid="image-remove">
                            Remove
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
          accepts="an image file (.tar, .tar.gz or .tar.xz made with docker save)"
          isAcceptable={(name) => IMAGE_ARCHIVE_NAME.test(name)}
          onPath={(path) => void loadImage(path)}
          onReject={showImageError}
          testId="image-drop"
        >
          <button type="button" onClick={() => void pickAndLoadImage()} data-testid="image-load">
            Load from file…
          </button>
          <span className="muted"> or drop an image file here. A checksum file (NAME.sha256) beside it is checked.</span>
        </DropZone>
      )}

      {lastMessage && (
        <p className="notice" role="status" data-testid="image-message">
          {lastMessage}{' '}
          {loadedRef && list?.inUse !== loadedRef && (
            <button type="button" onClick={() => void useImage(loadedRef)} data-testid="image-use-loaded">
              Use {loadedRef}
            </button>
          )}
        </p>
      )}
      {error && <Problem error={error} testId="image-error" />}
    </section>
  );
}
