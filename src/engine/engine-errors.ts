import os from 'node:os';
import { errorDetail, UserErrorException, type UserError } from '../api/errors';

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** True for a failure to reach the engine at all (as opposed to the engine refusing a request). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code !== undefined && CONNECTION_CODES.has(code) && (error as { statusCode?: number }).statusCode === undefined;
}

/** What to do when the account may not use the engine: on Linux, join the "docker" group. */
export function permissionAction(platform: NodeJS.Platform, username: string): string {
  return platform === 'linux'
    ? `Ask IT to add your account to the "docker" group ("sudo usermod -aG docker ${username}"), then log out and log in again.`
    : 'Ask IT to give your account access to Docker Desktop (on Windows: the "docker-users" group), then log in again.';
}

function currentUsername(): string {
  try {
    return os.userInfo().username;
  } catch {
    return '$USER';
  }
}

/**
 * The engine could not be reached while doing something. A permission problem is said as such
 * (the account is not in the docker group), wherever it is met; anything else points to the
 * engine diagnosis, which tells not running, not installed and a wrong address apart.
 */
export function engineUnavailable(error: unknown, doing: string, platform: NodeJS.Platform = process.platform): UserErrorException {
  const code = (error as { code?: string })?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    const username = currentUsername();
    return new UserErrorException({
      code: 'ENGINE_PERMISSION_DENIED',
      message: `Your account (${username}) is not allowed to use Docker, so ${doing} could not be done.`,
      action: permissionAction(platform, username),
      detail: errorDetail(error),
    });
  }
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
