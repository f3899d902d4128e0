import { useEffect, useMemo, useState } from 'react';
import { formatBytes } from '../../../src/api/format';
import type { WeightsImportResult } from '../../../src/api';
import { DropZone } from '../components/DropZone';
import { Problem } from '../components/Problem';
import { TransferBar } from '../components/TransferBar';
import { useAppStore } from '../store';
import { architecturesOfFile, isWrongFile } from '../store/weights';

/** The consent sentence shown before anything goes to the internet. */
export const DOWNLOAD_CONSENT =
  'This downloads the pretrained weights from the internet: the AUCMEDI image runs once per architecture WITH network access, only for this. Use it on a connected computer, never on the clinical workstation.';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What an import brought in, what it skipped and what it refused, each with the reason. `testId` names the parts. */
export function ImportSummary({ result, testId }: { result: WeightsImportResult; testId: string }) {
  const { imported, skipped, refused } = result;
  return (
    <div className="weights-result" data-testid={testId} data-imported={imported.length} data-skipped={skipped.length} data-refused={refused.length}>
      <p className={imported.length ? 'notice' : 'muted'} role="status" data-testid={`${testId}-headline`}>
        {imported.length} imported · {skipped.length} already there · {refused.length} refused
      </p>
      {imported.length > 0 && (
        <p className="small">
          Imported: {imported.map((f) => f.name).join(', ')}.
        </p>
      )}
      {skipped.length > 0 && (
        <ul className="plain-list small muted" data-testid={`${testId}-skipped`}>
          {skipped.map((s) => (
            <li key={s.name}>
              <code>{s.name}</code>: {s.reason}
            </li>
          ))}
        </ul>
      )}
      {refused.length > 0 && (
        <ul className="plain-list small refused-list" data-testid={`${testId}-refused`}>
          {refused.map((r) => (
            <li key={r.name} data-testid={`${testId}-refused-item`} data-name={r.name}>
              <strong>Refused</strong> <code>{r.name}</code>: {r.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "Prepare offline bundle" for a connected computer: the user chooses architectures and says yes in so many words first. */
function PrepareBundle() {
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
      <h3>Prepare the offline bundle (connected computer only)</h3>
      {!open && (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setOpen(true)} disabled={Boolean(downloading) || busy || missing.length === 0} data-testid="weights-prepare">
            Prepare offline bundle (connected computer)…
          </button>
        </div>
      )}
      {!open && missing.length === 0 && catalog && <p className="muted small">Every 2D architecture&apos;s weights are in the weights folder already.</p>}
      {open && (
        <div className="confirm consent" role="group" aria-labelledby="weights-consent-text" data-testid="weights-consent">
          <p id="weights-consent-text" className="consent-text" data-testid="weights-consent-text">
            {DOWNLOAD_CONSENT}
          </p>
          <fieldset className="consent-archs">
            <legend>Architectures whose weights are missing (2D; Vanilla needs none)</legend>
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
              Download {chosen.length ? plural(chosen.length, 'architecture') : ''} with network access
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
              Cancel
            </button>
          </div>
        </div>
      )}
      {downloading && (
        <div data-testid="weights-downloading">
          <p className="muted" role="status">
            {downloading.current
              ? `Downloading the weights of ${downloading.current.architecture} (${downloading.current.index} of ${downloading.current.total})`
              : `Downloading the weights of ${downloading.architectures.join(', ')}`}
            : the AUCMEDI image runs once for each architecture, with network access. This can take several minutes per architecture…
          </p>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => void cancelDownload()} disabled={downloading.cancelling} data-testid="weights-download-cancel">
              {downloading.cancelling ? 'Cancelling…' : 'Cancel (keeps the weights already downloaded)'}
            </button>
          </div>
        </div>
      )}
      {error && <Problem error={error} testId="weights-download-error" />}
      {result && (
        <div data-testid="weights-download-result">
          {result.downloaded.length > 0 && <p className="notice">Downloaded and imported: {result.downloaded.join(', ')}.</p>}
          {result.alreadyThere.length > 0 && <p className="muted">Already in the weights folder: {result.alreadyThere.join(', ')}.</p>}
          {result.cancelled.length > 0 && <p className="muted" data-testid="weights-download-cancelled">Cancelled, not downloaded: {result.cancelled.join(', ')}.</p>}
          {result.failed.map((f) => (
            <Problem key={f.architecture} error={{ message: `The weights of ${f.architecture} could not be downloaded.`, action: f.reason }} testId="weights-download-failed" />
          ))}
        </div>
      )}
    </div>
  );
}

/** The pretrained-weights folder: what is in it, what it makes ready offline, import, export and the offline bundle. */
export function WeightsCard() {
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
        <h2 id="weights-heading">Pretrained weights</h2>
        {files && (
          <span className={`badge ${files.length ? 'badge-ok' : 'badge-warn'}`} data-testid="weights-count">
            {files.length ? plural(files.length, 'file') : 'None yet'}
          </span>
        )}
      </header>
      <p className="muted">
        Every architecture except Vanilla starts from ImageNet weights, which AUCMEDI would download at the first epoch. This computer is offline, so they are imported here from files your IT
        department provides (a copy of <code>~/.keras/models</code>, or the bundle&apos;s <code>keras-weights.tar</code>).
      </p>
      {dir && (
        <p>
          Weights folder: <code data-testid="weights-dir">{dir}</code>
        </p>
      )}

      {files && files.length > 0 && (
        <table className="table weights-table" data-testid="weights-table">
          <thead>
            <tr>
              <th>File</th>
              <th>Size</th>
              <th>SHA-256</th>
              <th>Makes ready offline</th>
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
                  <td>{formatBytes(file.sizeBytes)}</td>
                  <td>
                    <code title={file.sha256} data-testid="weights-file-sha">
                      {file.sha256.slice(0, 12)}…
                    </code>
                  </td>
                  <td data-testid="weights-file-archs">
                    {wrong ? (
                      <span className="badge badge-warn" data-testid="weights-file-wrong" title={`Keras accepts only the file whose ${file.keras?.expected?.algorithm.toUpperCase()} is ${file.keras?.expected?.value}`}>
                        wrong file
                      </span>
                    ) : architectures.length ? (
                      architectures.join(', ')
                    ) : (
                      <span className="muted">no architecture of the catalog</span>
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
            message: `Wrong file: ${files
              .filter(isWrongFile)
              .map((f) => `${f.name} (${architecturesOfFile(f.name, catalog).join(', ') || 'its architecture'})`)
              .join(', ')} has the name Keras looks for, but not the content it checks (the hash differs), so AUCMEDI would try to download it again, which fails offline.`,
            action: 'Remove it from the weights folder and import the original Keras file (from ~/.keras/models of a connected computer, or the offline bundle).',
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
              <strong>Ready offline:</strong> {[...ready2D, ...ready3D.map((key) => `${key} (3D)`)].join(', ')}. Vanilla needs no weights.
            </>
          ) : (
            <span className="muted">No architecture but Vanilla can be trained offline yet: import the weights of the ones you need.</span>
          )}
        </p>
      )}

      {transfer ? (
        <TransferBar label={transfer.label} progress={transfer.progress} onCancel={() => void cancelWeightsTransfer()} testId="weights-transfer" />
      ) : (
        <DropZone accepts="a folder of weights, or a .zip, .tar or .tar.gz archive of them" isAcceptable={() => true} onPath={(path) => void importWeights(path)} onReject={showWeightsError} testId="weights-drop">
          <div className="row-actions start">
            <button type="button" onClick={() => void pickWeightsFolder()} data-testid="weights-import-folder">
              Import from folder…
            </button>
            <button type="button" onClick={() => void pickWeightsArchive()} data-testid="weights-import-archive">
              Import from archive…
            </button>
            <span className="muted"> or drop a folder, .zip, .tar or .tar.gz here. A checksum file (NAME.sha256) beside an archive is checked first.</span>
          </div>
        </DropZone>
      )}
      {origin === 'setup' && result && <ImportSummary result={result.result} testId="weights-result" />}
      {message && (
        <p className="notice" role="status" data-testid="weights-message">
          {message}
        </p>
      )}
      {origin === 'setup' && error && <Problem error={error} testId="weights-error" />}

      <div className="actions">
        <button type="button" className="secondary" onClick={() => void exportWeights()} disabled={Boolean(transfer) || !files?.length} data-testid="weights-export">
          Export for the offline bundle…
        </button>
      </div>
      <p className="muted small">Writes the weights folder as one .tar with a .sha256 beside it, for the offline-bundle folder next to the installer.</p>

      <PrepareBundle />
    </section>
  );
}
