import { useState, type ReactNode } from 'react';
import type { PickedPath, Response, UserError } from '../../../src/api';
import { Problem } from './Problem';

export interface ExportTestIds {
  /** The button. */
  button: string;
  /** The "saved to PATH" line. */
  saved: string;
  /** The Problem block when the export failed. */
  error: string;
}

export interface ExportButtonProps {
  /** The button's text (the caller translates it). */
  label: string;
  testIds: ExportTestIds;
  /** Asks where to save and writes the file: the IPC result, `path` null when the dialog was cancelled. */
  action(): Promise<Response<PickedPath>>;
  /** The "saved to PATH" line (the caller's sentence, e.g. a `<Trans>` with the path in `<code>`). */
  saved(path: string): ReactNode;
  /** Disabled besides while the export is under way (e.g. nothing to export yet). */
  disabled?: boolean;
  /** The button's class ('secondary'). */
  className?: string;
  /**
   * Where the button and the outcome (the saved line or the Problem) go; by default the button in
   * an `.actions` row with the outcome below it.
   */
  layout?(button: ReactNode, outcome: ReactNode): ReactNode;
}

const defaultLayout = (button: ReactNode, outcome: ReactNode) => (
  <>
    <div className="actions">{button}</div>
    {outcome}
  </>
);

/** An export through the save dialog: the button (disabled while busy), then where the file went, or why it could not be written. */
export function ExportButton({ label, testIds, action, saved, disabled = false, className, layout = defaultLayout }: ExportButtonProps) {
  const [outcome, setOutcome] = useState<{ path: string } | { error: UserError } | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    let response: Response<PickedPath>;
    try {
      response = await action();
    } finally {
      setBusy(false);
    }
    if (!response.ok) setOutcome({ error: response.error });
    else setOutcome(response.data.path ? { path: response.data.path } : null);
  };
  const button = (
    <button type="button" className={className} onClick={() => void run()} disabled={disabled || busy} data-testid={testIds.button}>
      {label}
    </button>
  );
  const shown = (
    <>
      {outcome && 'path' in outcome && (
        <p className="small" role="status" data-testid={testIds.saved}>
          {saved(outcome.path)}
        </p>
      )}
      {outcome && 'error' in outcome && <Problem error={outcome.error} testId={testIds.error} />}
    </>
  );
  return <>{layout(button, shown)}</>;
}
