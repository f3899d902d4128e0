import { useEffect, useMemo, useState } from 'react';
import { Trans } from 'react-i18next';
import type { WeightsImportResult } from '../../../src/api';
import { DropZone } from '../components/DropZone';
import { Problem } from '../components/Problem';
import { TransferBar } from '../components/TransferBar';
import { useFormat, useLocalized, useMessage, useT } from '../i18n';
import { useAppStore } from '../store';
import { architecturesOfFile, isWrongFile } from '../store/weights';

/** What an import brought in, what it skipped and what it refused, each with the reason. `testId` names the parts. */
export function ImportSummary({ result, testId }: { result: WeightsImportResult; testId: string }) {
  const t = useT();
  const localized = useLocalized();
  const { imported, skipped, refused } = result;
  return (
    <div className="weights-result" data-testid={testId} data-imported={imported.length} data-skipped={skipped.length} data-refused={refused.length}>
      <p className={imported.length ? 'notice' : 'muted'} role="status" data-testid={`${testId}-headline`}>
        {t('weights:summary.headline', { imported: imported.length, skipped: skipped.length, refused: refused.length })}
      </p>
      {imported.length > 0 && (
        <p className="small">
          {t('weights:summary.imported', { names: imported.map((f) => f.name).join(', ') })}
        </p>
      )}
      {skipped.length > 0 && (
        <ul className="plain-list small muted" data-testid={`${testId}-skipped`}>
          {skipped.map((s) => (
            <li key={s.name}>
              <code>{s.name}</code>: {localized(s, 'reason')}
            </li>
          ))}
        </ul>
      )}
      {refused.length > 0 && (
        <ul className="plain-list small refused-list" data-testid={`${testId}-refused`}>
          {refused.map((r) => (
            <li key={r.name} data-testid={`${testId}-refused-item`} data-name={r.name}>
              <strong>{t('weights:summary.refused')}</strong> <code>{r.name}</code>: {localized(r, 'reason')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "Prepare offline bundle" for a connected computer: the user chooses architectures and says yes in so many words first. */
function PrepareBundle() {
  const t = useT();
  const localized = useLocalized();
  const catalog = useAppStore((s) => s.catalog);
  const downloading = useAppStore((s) => s.weightsDownloading);
  const result = useAppStore((s) => s.weightsDownload);
  const error = useAppStore((s) => s.weightsDownloadError);
  const busy = useAppStore((s) => s.weightsTransfer !== null);
  const downloadWeights = useAppStore((s) => s.downloadWeights);
  const cancelDownload = useAppStore((s) => s.cancelWeightsDownload);
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const missing = useMemo(() => {
    if (!catalog) return [];
    const ready = new Set(catalog.weights.ready['2D']);
    return catalog.architectures.filter((a) => a.dimensionality === '2D' && a.weightsFile !== null && !ready.has(a.key)).map((a) => a.key);
  }, [catalog]);

  const confirm = () => {
    const architectures = chosen.filter((key) => missing.includes(key));
    setOpen(false);
    setChosen([]);
    void downloadWeights(architectures);
  };

  return (
    <div className="prepare-bundle" data-testid="weights-prepare-section">
      <h3>{t('weights:prepare.title')}</h3>
      {!open && (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setOpen(true)} disabled={Boolean(downloading) || busy || missing.length === 0} data-testid="weights-prepare">
            {t('weights:prepare.open')}
          </button>
        </div>
      )}
      {!open && missing.length === 0 && catalog && <p className="muted small">{t('weights:prepare.allThere')}</p>}
      {open && (
        <div className="confirm consent" role="group" aria-labelledby="weights-consent-text" data-testid="weights-consent">
          <p id="weights-consent-text" className="consent-text" data-testid="weights-consent-text">
            {t('weights:prepare.consent')}
          </p>
          <fieldset className="consent-archs">
            <legend>{t('weights:prepare.legend')}</legend>
            <div className="consent-grid">
              {missing.map((key) => (
                <label key={key} className="checkbox" data-testid={`weights-prepare-arch-${key}`}>
                  <input
                    type="checkbox"
                    checked={chosen.includes(key)}
                    onChange={(event) => setChosen(event.target.checked ? [...chosen, key] : chosen.filter((k) => k !== key))}
                  />
                  {key}
                </label>
              ))}
            </div>
          </fieldset>
          <div className="actions">
            <button type="button" className="danger" onClick={confirm} disabled={chosen.length === 0} data-testid="weights-consent-confirm">
              {chosen.length ? t('weights:prepare.confirm', { count: chosen.length }) : t('weights:prepare.confirmNone')}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setOpen(false);
                setChosen([]);
              }}
              data-testid="weights-consent-cancel"
            >
              {t('weights:prepare.cancel')}
            </button>
          </div>
        </div>
      )}
      {downloading && (
        <div data-testid="weights-downloading">
          <p className="muted" role="status">
            {downloading.current
              ? t('weights:prepare.downloadingOne', { architecture: downloading.current.architecture, index: downloading.current.index, total: downloading.current.total })
              : t('weights:prepare.downloadingAll', { architectures: downloading.architectures.join(', ') })}
          </p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => void cancelDownload()} disabled={downloading.cancelling} data-testid="weights-download-cancel">
              {downloading.cancelling ? t('weights:prepare.cancelling') : t('weights:prepare.cancelDownload')}
            </button>
          </div>
        </div>
      )}
      {error && <Problem error={error} testId="weights-download-error" />}
      {result && (
        <div data-testid="weights-download-result">
          {result.downloaded.length > 0 && <p className="notice">{t('weights:prepare.downloaded', { names: result.downloaded.join(', ') })}</p>}
          {result.alreadyThere.length > 0 && <p className="muted">{t('weights:prepare.alreadyThere', { names: result.alreadyThere.join(', ') })}</p>}
          {result.cancelled.length > 0 && <p className="muted" data-testid="weights-download-cancelled">{t('weights:prepare.cancelled', { names: result.cancelled.join(', ') })}</p>}
          {result.failed.map((f) => (
            <Problem key={f.architecture} error={{ message: t('weights:prepare.failedMessage', { architecture: f.architecture }), action: localized(f, 'reason') }} testId="weights-download-failed" />
          ))}
        </div>
      )}
    </div>
  );
}

/** The pretrained-weights folder: what is in it, what it makes ready offline, import, export and the offline bundle. */
export function WeightsCard() {
  const t = useT();
  const format = useFormat();
  const render = useMessage();
  const dir = useAppStore((s) => s.weightsDir);
  const files = useAppStore((s) => s.weightsFiles);
  const error = useAppStore((s) => s.weightsError);
  const origin = useAppStore((s) => s.weightsOrigin);
  const transfer = useAppStore((s) => s.weightsTransfer);
  const result = useAppStore((s) => s.weightsResult);
  const message = useAppStore((s) => s.weightsMessage);
  const catalog = useAppStore((s) => s.catalog);
  const { loadWeights, loadCatalog, pickWeightsFolder, pickWeightsArchive, importWeights, cancelWeightsTransfer, exportWeights, showWeightsError } = useAppStore.getState();

  useEffect(() => {
    void loadWeights();
    void loadCatalog();
  }, [loadWeights, loadCatalog]);

  const readyOffline = (dim: '2D' | '3D') => catalog?.weights.ready[dim].filter((key) => catalog.architectures.some((a) => a.key === key && a.dimensionality === dim && a.weightsFile !== null)) ?? [];
  const ready2D = readyOffline('2D');
  const ready3D = readyOffline('3D');

  return (
    <section className="card" aria-labelledby="weights-heading" data-testid="weights-card">
      <header className="card-header">
        <h2 id="weights-heading">{t('weights:card.title')}</h2>
        {files && (
          <span className={`badge ${files.length ? 'badge-ok' : 'badge-warn'}`} data-testid="weights-count">
            {files.length ? t('weights:card.files', { count: files.length }) : t('weights:card.noneYet')}
          </span>
        )}
      </header>
      <p className="muted">
        <Trans t={t} i18nKey="weights:card.intro" components={{ code: <code /> }} />
      </p>
      {dir && (
        <p>
          {t('weights:card.folder')} <code data-testid="weights-dir">{dir}</code>
        </p>
      )}

      {files && files.length > 0 && (
        <table className="table weights-table" data-testid="weights-table">
          <thead>
            <tr>
              <th>{t('weights:card.columnFile')}</th>
              <th>{t('weights:card.columnSize')}</th>
              <th>{t('weights:card.columnSha')}</th>
              <th>{t('weights:card.columnReady')}</th>
            </tr>
          </thead>
          <tbody>
            {files.map((file) => {
              const architectures = architecturesOfFile(file.name, catalog);
              const wrong = isWrongFile(file);
              return (
                <tr key={file.name} data-testid="weights-file" data-name={file.name} data-keras={file.keras?.state ?? 'unknown'}>
                  <td className="weights-name">
                    <code>{file.name}</code>
                  </td>
                  <td>{format.size(file.sizeBytes)}</td>
                  <td>
                    <code title={file.sha256} data-testid="weights-file-sha">
                      {file.sha256.slice(0, 12)}…
                    </code>
                  </td>
                  <td data-testid="weights-file-archs">
                    {wrong ? (
                      <span className="badge badge-warn" data-testid="weights-file-wrong" title={t('weights:card.kerasExpects', { algorithm: file.keras?.expected?.algorithm.toUpperCase(), value: file.keras?.expected?.value })}>
                        {t('weights:card.wrongFile')}
                      </span>
                    ) : architectures.length ? (
                      architectures.join(', ')
                    ) : (
                      <span className="muted">{t('weights:card.noArchitecture')}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {files?.some(isWrongFile) && (
        <Problem
          tone="warning"
          testId="weights-wrong"
          error={{
            message: t('weights:card.wrongMessage', {
              files: files
                .filter(isWrongFile)
                .map((f) => t('weights:card.wrongItem', { name: f.name, architectures: architecturesOfFile(f.name, catalog).join(', ') || t('weights:card.itsArchitecture') }))
                .join(', '),
            }),
            action: t('weights:card.wrongAction'),
            detail: files
              .filter(isWrongFile)
              .map((f) => `${f.name}: ${f.keras?.expected?.algorithm} expected ${f.keras?.expected?.value}, file has ${f.keras?.expected?.algorithm === 'md5' ? f.md5 : f.sha256}`)
              .join('; '),
          }}
        />
      )}
      {files && (
        <p data-testid="weights-ready">
          {ready2D.length || ready3D.length ? (
            <>
              <Trans t={t} i18nKey="weights:card.ready" values={{ architectures: [...ready2D, ...ready3D.map((key) => t('weights:card.threeD', { architecture: key }))].join(', ') }} components={{ strong: <strong /> }} />
            </>
          ) : (
            <span className="muted">{t('weights:card.notReady')}</span>
          )}
        </p>
      )}

      {transfer ? (
        <TransferBar label={transfer.label} progress={transfer.progress} onCancel={() => void cancelWeightsTransfer()} testId="weights-transfer" />
      ) : (
        <DropZone accepts={t('weights:card.dropAccepts')} isAcceptable={() => true} onPath={(path) => void importWeights(path)} onReject={showWeightsError} testId="weights-drop">
          <div className="row-actions start">
            <button type="button" onClick={() => void pickWeightsFolder()} data-testid="weights-import-folder">
              {t('weights:card.importFolder')}
            </button>
            <button type="button" onClick={() => void pickWeightsArchive()} data-testid="weights-import-archive">
              {t('weights:card.importArchive')}
            </button>
            <span className="muted"> {t('weights:card.dropHint')}</span>
          </div>
        </DropZone>
      )}
      {origin === 'setup' && result && <ImportSummary result={result.result} testId="weights-result" />}
      {message && (
        <p className="notice" role="status" data-testid="weights-message">
          {render(message)}
        </p>
      )}
      {origin === 'setup' && error && <Problem error={error} testId="weights-error" />}

      <div className="actions">
        <button type="button" className="secondary" onClick={() => void exportWeights()} disabled={Boolean(transfer) || !files?.length} data-testid="weights-export">
          {t('weights:card.export')}
        </button>
      </div>
      <p className="muted small">{t('weights:card.exportHint')}</p>

      <PrepareBundle />
    </section>
  );
}
