import type { UserError } from '../../../src/api';
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
}: {
  prefix: string;
  value: string | null;
  error: UserError | null;
  onChoose(): void;
  onReset(): void;
  /** What the run writes there, for the hint ("its models, run.json and run.log"). */
  writes: string;
}) {
  const runsDir = useAppStore((s) => s.settings?.runsDir ?? null);
  return (
    <>
      <h3>Output folder</h3>
      <p data-testid={`${prefix}-output`}>
        {value ? (
          <code data-testid={`${prefix}-output-chosen`}>{value}</code>
        ) : (
          <>A new folder under {runsDir ? <code>{runsDir}</code> : <>&ldquo;AUCMEDI Desk runs&rdquo; in your home folder</>}</>
        )}
      </p>
      <p className="muted small">
        {value
          ? `The folder must be empty or new: the run writes ${writes} there.`
          : `Each run gets a folder of its own, named after the run. Choose a folder of your own if the results should go elsewhere, for example a project share.`}
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={onChoose} data-testid={`${prefix}-output-choose`}>
          Choose folder…
        </button>
        {value && (
          <button type="button" className="secondary" onClick={onReset} data-testid={`${prefix}-output-default`}>
            Use default
          </button>
        )}
      </div>
      {error && <Problem error={error} testId={`${prefix}-output-error`} />}
    </>
  );
}
