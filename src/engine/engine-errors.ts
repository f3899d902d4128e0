import os from 'node:os';
import { errorDetail, localizedException, UserErrorException, type UserError } from '../api/errors';
import { msg, text, type Message } from '../i18n';

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** True for a failure to reach the engine at all (as opposed to the engine refusing a request). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code !== undefined && CONNECTION_CODES.has(code) && (error as { statusCode?: number }).statusCode === undefined;
}

/** What to do when the account may not use the engine: on Linux, join the "docker" group. */
export function permissionActionMessage(platform: NodeJS.Platform, username: string): Message {
  return platform === 'linux' ? msg('engine:permission.linux', { username }) : msg('engine:permission.desktop');
}

export function permissionAction(platform: NodeJS.Platform, username: string): string {
  return text(permissionActionMessage(platform, username));
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
export function engineUnavailable(error: unknown, doing: string | Message, platform: NodeJS.Platform = process.platform): UserErrorException {
  const code = (error as { code?: string })?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    const username = currentUsername();
    return localizedException('ENGINE_PERMISSION_DENIED', msg('engine:unavailable.permission', { username, doing }), permissionActionMessage(platform, username), errorDetail(error));
  }
  return localizedException('ENGINE_UNAVAILABLE', msg('engine:unavailable.message', { doing }), msg('engine:unavailable.action'), errorDetail(error));
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
