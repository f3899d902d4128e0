import type { RunMode } from '../../../src/api/runs';
import { useErrorText, useT } from '../i18n';
import { useAppStore } from '../store';

/**
 * The data-protection question of a run on a server that cannot see this computer's files: the
 * core's own sentence (which host gets which data, for how long) and what yes means, asked before
 * anything is sent. Yes sends the same start or queue add again with the user's consent; the core
 * keeps it for that server and does not ask again. `prefix` names the test ids.
 */
export function UploadConsent({ prefix, mode, onAdded }: { prefix: string; mode: RunMode; onAdded?: () => void }) {
  const t = useT();
  const errorText = useErrorText();
  const pending = useAppStore((s) => (s.pendingConsent?.item.mode === mode ? s.pendingConsent : null));
  const engine = useAppStore((s) => s.runEngine);
  const { confirmUpload, cancelUpload } = useAppStore.getState();
  if (!pending) return null;
  const question = errorText(pending.question);
  const name = pending.item.request.engine ?? engine;
  return (
    <div className="confirm consent" role="alertdialog" aria-labelledby={`${prefix}-consent-title`} aria-describedby={`${prefix}-consent-message`} data-testid={`${prefix}-consent`}>
      <p id={`${prefix}-consent-title`}>
        <strong>{t('placement:consent.title', { name })}</strong>
      </p>
      <p id={`${prefix}-consent-message`} data-testid={`${prefix}-consent-message`}>
        {question.message}
      </p>
      {question.action && <p className="muted small" data-testid={`${prefix}-consent-action`}>{question.action}</p>}
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            void confirmUpload().then((added) => added && onAdded?.());
          }}
          data-testid={`${prefix}-consent-yes`}
        >
          {pending.via === 'queue' ? t('placement:consent.yesQueue') : t('placement:consent.yesStart')}
        </button>
        <button type="button" className="secondary" autoFocus onClick={cancelUpload} data-testid={`${prefix}-consent-no`}>
          {t('placement:consent.no')}
        </button>
      </div>
    </div>
  );
}
