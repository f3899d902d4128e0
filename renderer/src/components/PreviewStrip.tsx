import { useEffect } from 'react';
import { invoke } from '../bridge';
import { thumbnail } from '../thumbnail';
import { useAppStore } from '../store';
import { useT } from '../i18n';

const THUMBNAIL_PX = 112;

/** A few images per class, read through the core (the page has no file access of its own). */
export function PreviewStrip({ root, samples }: { root: string; samples: Record<string, string[]> }) {
  const t = useT();
  const previews = useAppStore((s) => s.previews);
  const setPreview = useAppStore((s) => s.setPreview);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      for (const files of Object.values(samples)) {
        for (const file of files) {
          if (cancelled) return;
          const response = await invoke('dataset:preview', { path: root, file });
          const dataUrl = response.ok && response.data.dataUrl ? await thumbnail(response.data.dataUrl, THUMBNAIL_PX).catch(() => null) : null;
          if (!cancelled) setPreview(file, dataUrl);
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [root, samples, setPreview]);

  return (
    <div className="preview-strip" data-testid="preview-strip">
      {Object.entries(samples).map(([className, files]) => (
        <figure key={className} className="preview-class">
          <figcaption>{className}</figcaption>
          <div className="thumbs">
            {files.map((file) =>
              previews[file] ? (
                <img key={file} src={previews[file]!} alt={file} title={file} data-testid="preview-image" />
              ) : (
                <span key={file} className="thumb-placeholder" title={file}>
                  {file in previews ? t('datasetPage:preview.none') : '…'}
                </span>
              ),
            )}
          </div>
        </figure>
      ))}
    </div>
  );
}
