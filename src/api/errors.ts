import type { Message } from '../i18n/message';
import { text } from '../i18n/translate';

/** An error as the user meets it: a code, a plain sentence and what to do next. Never a stack. */
export interface UserError {
  code: ErrorCode;
  message: string;
  action: string;
  /** Technical detail for the "details" disclosure and for IT (one line, no stack trace). */
  detail?: string;
  /** The same sentences as catalog messages, rendered by the window in the user's language. */
  i18n?: { message: Message; action?: Message };
}

export type ErrorCode =
  | 'ENGINE_NOT_INSTALLED'
  | 'ENGINE_NOT_RUNNING'
  | 'ENGINE_PERMISSION_DENIED'
  | 'ENGINE_TOO_OLD'
  | 'ENGINE_UNHEALTHY'
  | 'ENGINE_UNREACHABLE'
  | 'ENGINE_HOST_KEY_UNKNOWN'
  | 'ENGINE_HOST_KEY_CHANGED'
  | 'ENGINE_AUTH_FAILED'
  | 'ENGINE_TLS_REFUSED'
  /** No engine of that name in the list. */
  | 'ENGINE_UNKNOWN'
  | 'ENGINE_UNAVAILABLE'
  | 'IMAGE_FILE_NOT_FOUND'
  | 'IMAGE_FILE_NOT_ARCHIVE'
  | 'IMAGE_FILE_TRUNCATED'
  | 'IMAGE_FILE_NOT_IMAGE'
  | 'IMAGE_CHECKSUM_MISMATCH'
  | 'CHECKSUM_FILE_INVALID'
  | 'IMAGE_LOAD_FAILED'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_IN_USE'
  | 'IMAGE_SAVE_FAILED'
  | 'IMAGE_PULL_FAILED'
  | 'REGISTRY_UNREACHABLE'
  | 'DISK_FULL'
  | 'OPERATION_CANCELLED'
  | 'DIALOG_UNAVAILABLE'
  | 'DATASET_INVALID'
  | 'OUTPUT_FOLDER_UNUSABLE'
  | 'WEIGHTS_MISSING'
  | 'WEIGHTS_WRONG_FILE'
  | 'GPU_UNAVAILABLE'
  | 'RUN_NOT_FOUND'
  | 'RUN_ACTIVE'
  | 'RUN_FILES_NOT_DELETED'
  | 'RUN_START_FAILED'
  /** A run's data could not be sent to a server, or not brought back (src/engine/staging.ts). */
  | 'STAGING_FAILED'
  /** What landed on the server is not what was sent. */
  | 'STAGING_VERIFY_FAILED'
  /** The server's disk filled up while data was sent to it. */
  | 'STAGING_NO_SPACE'
  /** A run on a server that cannot see this computer's files: the user has not yet said yes to uploading the images there. */
  | 'UPLOAD_CONSENT_NEEDED'
  /** A folder shared with the server does not hold there what it holds here (or its mapping is gone). */
  | 'PATH_MAPPING_MISMATCH'
  | 'RUN_INTERRUPTED'
  | 'RUN_NOT_ACTIVE'
  | 'RUN_FOLLOWED_ELSEWHERE'
  | 'RUN_LOG_MISSING'
  | 'RUN_FOLDER_MISSING'
  | 'FILE_NOT_WRITTEN'
  | 'NOTICES_MISSING'
  | 'WEIGHTS_IMPORT_FAILED'
  | 'WEIGHTS_SOURCE_UNUSABLE'
  | 'WEIGHTS_CHECKSUM_MISMATCH'
  | 'WEIGHTS_DOWNLOAD_FAILED'
  | 'INVALID_REQUEST'
  | 'UNKNOWN_CHANNEL'
  | 'UNTRUSTED_SENDER'
  | 'SETTINGS_UNWRITABLE'
  | 'DATASET_NOT_FOUND'
  | 'DATASET_NOT_A_FOLDER'
  | 'DATASET_UNREADABLE'
  | 'ANNOTATION_FILE_NOT_FOUND'
  | 'ANNOTATION_FILE_UNREADABLE'
  | 'ANNOTATION_FILE_INVALID'
  | 'ARCHITECTURE_UNKNOWN'
  | 'TRAINING_OPTIONS_INVALID'
  | 'PREDICTION_OPTIONS_INVALID'
  | 'EVALUATION_OPTIONS_INVALID'
  | 'MOUNT_PATH_INVALID'
  | 'AUCMEDI_OUTPUT_MISSING'
  | 'AUCMEDI_OUTPUT_UNREADABLE'
  | 'AUCMEDI_OUTPUT_INVALID'
  | 'MODEL_FOLDER_INCOMPLETE'
  | 'CLASSES_MISMATCH'
  // A run's own failure, read from its console (src/aucmedi/explain-error.ts):
  | 'WEIGHTS_MISSING'
  | 'GPU_OUT_OF_MEMORY'
  | 'OUT_OF_MEMORY'
  | 'INPUT_NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'GPU_FAILED'
  | 'IMAGE_BROKEN'
  | 'RUN_FAILED'
  | 'INTERNAL';

/** Thrown inside the core; turned into a `UserError` response at the boundary. */
export class UserErrorException extends Error {
  constructor(readonly userError: UserError) {
    super(userError.message);
    this.name = 'UserErrorException';
  }
}

/**
 * A user error from catalog messages: `message` and `action` rendered in the core's language (for
 * the CLI and the app log), the messages kept for the window to render in the user's.
 */
export function localizedError(code: ErrorCode, message: Message, action?: Message | null, detail?: string): UserError {
  return {
    code,
    message: text(message),
    action: action ? text(action) : '',
    ...(detail === undefined ? {} : { detail }),
    i18n: action ? { message, action } : { message },
  };
}

export function localizedException(code: ErrorCode, message: Message, action?: Message | null, detail?: string): UserErrorException {
  return new UserErrorException(localizedError(code, message, action, detail));
}

export type Response<T> = { ok: true; data: T } | { ok: false; error: UserError };

/** The first line of an error's message, bounded: what a detail may show, never a stack trace. */
export function errorDetail(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').trim().slice(0, 300);
}
