import { Trans } from 'react-i18next';
import type { UserError } from '../../../src/api';
import { useT } from '../i18n';
import { useAppStore } from '../store';
import { Problem } from './Problem';

/** Where a new run writes: a new folder under the runs folder, or one the user chose. `prefix` names the test ids. */
export function OutputFolderField({
  prefix,
  value,
  error,
  onChoose,
  onReset,
  writes,
  writesNote,
}: {
  prefix: string;
  value: string | null;
  error: UserError | null;
  onChoose(): void;
  onReset(): void;
  /**
   * What the run writes there, for the hint ("its models, run.json and run.log"), put into the
   * sentence "The folder must be empty or new: the run writes … there." (translated by the caller).
   */
  writes?: string;
  /** The whole hint for a chosen folder, translated by the caller; wins over `writes`. */
  writesNote?: string;
}) {
  const t = useT();
  const runsDir = useAppStore((s) => s.settings?.runsDir ?? null);
  return (
    <>
      <h3>{t('training:output.heading')}</h3>
      <p data-testid={`${prefix}-output`}>
        {value ? (
          <code data-testid={`${prefix}-output-chosen`}>{value}</code>
        ) : runsDir ? (
          <Trans t={t} i18nKey="training:output.newUnder" values={{ dir: runsDir }} components={{ code: <code /> }} />
        ) : (
          t('training:output.newInHome')
        )}
      </p>
      <p className="muted small">
        {value ? (writesNote ?? (writes ? t('training:output.mustBeEmpty', { writes }) : t('training:output.mustBeEmptyPlain'))) : t('training:output.eachRun')}
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={onChoose} data-testid={`${prefix}-output-choose`}>
          {t('training:output.choose')}
        </button>
        {value && (
          <button type="button" className="secondary" onClick={onReset} data-testid={`${prefix}-output-default`}>
            {t('training:output.useDefault')}
          </button>
        )}
      </div>
      {error && <Problem error={error} testId={`${prefix}-output-error`} />}
    </>
  );
}
