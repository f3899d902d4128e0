import { useEffect } from 'react';
import { Trans } from 'react-i18next';
import type { OfflineBundleFile } from '../../../src/api';
import { Problem } from '../components/Problem';
import { TransferBar } from '../components/TransferBar';
import { useFormat, useT } from '../i18n';
import { useAppStore } from '../store';
import { ImportSummary } from './WeightsCard';

const baseName = (file: string) => file.split(/[\\/]/).filter(Boolean).pop() ?? file;

function FileFacts({ file, what }: { file: OfflineBundleFile; what: string }) {
  const t = useT();
  const format = useFormat();
  return (
    <span className="muted small">
      {' '}
      ({format.size(file.sizeBytes)}){' '}
      {file.hasChecksum ? (
        <span data-testid="bundle-checksum">
          <Trans t={t} i18nKey="setup:bundle.withChecksum" values={{ file: `${baseName(file.file)}.sha256`, what }} components={{ code: <code /> }} />
        </span>
      ) : (
        <span data-testid="bundle-no-checksum">{t('setup:bundle.noChecksum')}</span>
      )}
    </span>
  );
}

/**
 * The offline bundle found next to the installed program (the AUCMEDI image and the pretrained
 * weights IT put there): one click each to bring them in. What is already done is not offered.
 */
export function BundleCard() {
  const bundle = useAppStore((s) => s.bundle);
  const engineOk = useAppStore((s) => s.engineStatus?.ok ?? false);
  const imageList = useAppStore((s) => s.imageList);
  const imageTransfer = useAppStore((s) => s.transfer);
  const imageError = useAppStore((s) => s.imageError);
  const lastLoaded = useAppStore((s) => s.lastLoaded);
  const imageLoaded = useAppStore((s) => s.bundleImageLoaded);
  const imageTried = useAppStore((s) => s.bundleImageTried);
  const weightsImported = useAppStore((s) => s.bundleWeightsImported);
  const weightsTransfer = useAppStore((s) => s.weightsTransfer);
  const weightsResult = useAppStore((s) => s.weightsResult);
  const weightsError = useAppStore((s) => s.weightsError);
  const weightsOrigin = useAppStore((s) => s.weightsOrigin);
  const t = useT();
  const { findBundle, loadBundleImage, importBundleWeights, cancelTransfer, cancelWeightsTransfer, useImage } = useAppStore.getState();

  useEffect(() => {
    if (useAppStore.getState().bundle === undefined) void findBundle();
  }, [findBundle]);

  if (!bundle) return null;
  // The image is done when the one in use is here (loaded now or before); the weights once imported.
  const imageDone = imageLoaded || Boolean(imageList?.inUsePresent);
  const imagePending = Boolean(bundle.image) && !imageDone;
  const weightsPending = Boolean(bundle.weights) && !weightsImported && !bundle.weights?.alreadyImported;
  if (!imagePending && !weightsPending && !imageLoaded && !weightsImported) return null;
  const loadedRef = imageLoaded ? lastLoaded?.references[0] : undefined;
  const bundleResult = weightsOrigin === 'bundle' ? weightsResult : null;

  return (
    <section className="card bundle-card" aria-labelledby="bundle-heading" data-testid="bundle-card">
      <header className="card-header">
        <h2 id="bundle-heading">
          {t('setup:bundle.title')} <code data-testid="bundle-dir">{bundle.dir}</code>
        </h2>
      </header>
      <p className="muted">{t('setup:bundle.intro')}</p>

      {bundle.image && imagePending && (
        <div className="bundle-item" data-testid="bundle-image">
          <p>
            <strong>{t('setup:bundle.image')}</strong> <code>{baseName(bundle.image.file)}</code>
            <FileFacts file={bundle.image} what={t('setup:bundle.whatLoading')} />
          </p>
          {imageTransfer ? (
            <TransferBar label={imageTransfer.label} progress={imageTransfer.progress} onCancel={() => void cancelTransfer()} testId="bundle-image-transfer" />
          ) : (
            <div className="actions">
              <button type="button" onClick={() => void loadBundleImage()} disabled={!engineOk} data-testid="bundle-load-image">
                {t('setup:bundle.loadImage')}
              </button>
              {!engineOk && <span className="muted small">{t('setup:bundle.dockerFirst')}</span>}
            </div>
          )}
          {imageTried && imageError && <Problem error={imageError} testId="bundle-image-error" />}
        </div>
      )}
      {imageLoaded && (
        <p className="notice" role="status" data-testid="bundle-image-done">
          {lastLoaded?.checksum === 'verified' ? t('setup:bundle.imageLoadedVerified', { file: baseName(bundle.image?.file ?? '') }) : t('setup:bundle.imageLoaded', { file: baseName(bundle.image?.file ?? '') })}{' '}
          {loadedRef && imageList && imageList.inUse !== loadedRef && (
            <button type="button" onClick={() => void useImage(loadedRef)} data-testid="bundle-use-image">
              {t('setup:bundle.use', { image: loadedRef })}
            </button>
          )}
        </p>
      )}

      {bundle.weights && weightsPending && (
        <div className="bundle-item" data-testid="bundle-weights">
          <p>
            <strong>{t('setup:bundle.weights')}</strong> <code>{baseName(bundle.weights.file)}</code>
            <FileFacts file={bundle.weights} what={t('setup:bundle.whatImporting')} />
          </p>
          {weightsTransfer?.origin === 'bundle' ? (
            <TransferBar label={weightsTransfer.label} progress={weightsTransfer.progress} onCancel={() => void cancelWeightsTransfer()} testId="bundle-weights-transfer" />
          ) : (
            <div className="actions">
              <button type="button" onClick={() => void importBundleWeights()} disabled={Boolean(weightsTransfer)} data-testid="bundle-import-weights">
                {t('setup:bundle.importWeights')}
              </button>
            </div>
          )}
          {weightsOrigin === 'bundle' && weightsError && <Problem error={weightsError} testId="bundle-weights-error" />}
        </div>
      )}
      {weightsImported && (
        <div data-testid="bundle-weights-done">
          <p className="notice" role="status">
            {bundle.weights?.hasChecksum ? t('setup:bundle.weightsImportedVerified', { file: baseName(bundle.weights?.file ?? '') }) : t('setup:bundle.weightsImported', { file: baseName(bundle.weights?.file ?? '') })}
          </p>
          {bundleResult && <ImportSummary result={bundleResult.result} testId="bundle-weights-result" />}
        </div>
      )}
    </section>
  );
}
