import { errorDetail, UserErrorException, type UserError } from '../api/errors';

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** True for a failure to reach the engine at all (as opposed to the engine refusing a request). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code !== undefined && CONNECTION_CODES.has(code) && (error as { statusCode?: number }).statusCode === undefined;
}

export function engineUnavailable(error: unknown, doing: string): UserErrorException {
  return new UserErrorException({
    code: 'ENGINE_UNAVAILABLE',
    message: `Docker is not available, so ${doing} could not be done.`,
    action: 'Open the Setup page: it says what is wrong with Docker and what to do. Then try again.',
    detail: errorDetail(error),
  });
}

/** The engine's own message from a dockerode error ("(HTTP code 500) server error - <message>"). */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } })?.json;
  if (json && typeof json.message === 'string') return json.message;
  return errorDetail(error).replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '').trim();
}

export function userError(error: UserError): UserErrorException {
  return new UserErrorException(error);
}
