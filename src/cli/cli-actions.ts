import type { ErrorCode, UserError } from '../api/errors';
import { t } from '../i18n';

/**
 * The core words some actions for the window, which has a Setup page; the command line has none.
 * Its text output renders those codes with the command that gives the same answer. JSON output
 * keeps the core's value exactly.
 */
const COMMAND_LINE_ACTIONS: Partial<Record<ErrorCode, () => string>> = {
  ENGINE_UNAVAILABLE: () => t('cli:actions.engineUnavailable'),
};

/** The error as the command line says it. */
export function forCommandLine(error: UserError): UserError {
  const action = COMMAND_LINE_ACTIONS[error.code];
  return action ? { ...error, action: action() } : error;
}
