/**
 * Turns the error lines a failed AUCMEDI run printed (`ProgressState.errors` / `lastError`, from the
 * Keras parser) into what a clinician reads: a plain sentence, what to do next, and the raw line as
 * the detail for IT.
 *
 * The newest line is explained first; when it says nothing specific (a generic `AttributeError`
 * after a chained `KeyError`, say) the older lines of the same failure are tried, newest first.
 */
import { localizedError, type UserError } from '../api/errors';
import { brokenImage } from '../engine/image-check';
import { msg, type Message } from '../i18n/message';
import { text } from '../i18n/translate';

export type RunMode = 'training' | 'prediction' | 'evaluation';

export interface ExplainOptions {
  /** The kind of run that failed (default `training`), for the wording. */
  mode?: RunMode;
  /** A host folder whose disk the caller found full (the run's output folder), named in a disk-full sentence. */
  fullDisk?: string;
}

/** Longest detail kept (one line, no stack trace). */
const MAX_DETAIL = 500;

interface Rule {
  test: RegExp;
  explain: (line: string, mode: RunMode, options: ExplainOptions) => Omit<UserError, 'detail'>;
}

/** The last path segment of the first URL in `line` (the weights file Keras tried to fetch). */
function urlFile(line: string): string | null {
  const url = /https?:\/\/[^\s:'"]+(?::\d+)?[^\s:'"]*/.exec(line)?.[0];
  if (url === undefined) return null;
  const name = url.split(/[?#]/)[0]!.split('/').filter(Boolean).pop();
  return name !== undefined && /\.\w+$/.test(name) ? name : null;
}

/** The first quoted path in a Python OS error: `... No such file or directory: 'training'` -> training. */
function quotedPath(line: string): string | null {
  const m = /:\s*'([^']+)'\s*$/.exec(line) ?? /'([^']+)'/.exec(line);
  return m?.[1] ?? null;
}

const RULES: Rule[] = [
  {
    // The image's software does not import: AUCMEDI's console entry (setup.py: aucmedi.automl.main)
    // imports every mode's modules first, so a classification_models_3D release without `tfkeras`
    // (1.1.0), a Keras the package was not written for, or a missing native library ends the run with
    // ModuleNotFoundError / ImportError / "AttributeError: module 'x' has no attribute 'y'" before any
    // weights are looked for. First, so `No module named 'classification_models_3D.tfkeras'` is not
    // read as a weights download below.
    test: /^(?:\w+\.)*(?:ModuleNotFoundError|ImportError)\b|No module named ['"]|AttributeError: (?:partially initialized )?module '[^']+' has no attribute/,
    explain: (line) => {
      // The image check's own action (a message once src/engine/image-check.ts carries one).
      const { action, i18n } = brokenImage(null, line) as { action: string; i18n?: { action?: Message } };
      const message = msg('aucmedi:explain.imageBroken');
      return { code: 'IMAGE_BROKEN', message: text(message), action, i18n: i18n?.action ? { message, action: i18n.action } : { message } };
    },
  },
  {
    // Keras fetches ImageNet weights on first use; the container has no network.
    test: /URL fetch failure|Downloading data from|urlopen error|Temporary failure in name resolution|Name or service not known|Network is unreachable|keras-applications|classification_models_3D/i,
    explain: (line) => {
      const file = urlFile(line);
      return localizedError(
        'WEIGHTS_MISSING',
        file === null ? msg('aucmedi:explain.weightsMissing') : msg('aucmedi:explain.weightsMissingFile', { file }),
        msg('aucmedi:explain.weightsMissingAction'),
      );
    },
  },
  {
    // Keras found the weights file but not the hash it declares (tf_keras/utils/data_utils.py get_file):
    // it downloads again, fails offline, then removes the cached file, which the read-only weights mount
    // refuses. Before the permission rule: this is the wrong file, not a permission to fix.
    test: /Read-only file system: '[^']*\.keras\/models\/[^']+'/,
    explain: (line) => {
      const file = /\.keras\/models\/([^']+)'/.exec(line)?.[1];
      return localizedError(
        'WEIGHTS_WRONG_FILE',
        file === undefined ? msg('aucmedi:explain.weightsWrongFileUnnamed') : msg('aucmedi:explain.weightsWrongFile', { file }),
        msg('aucmedi:explain.weightsWrongFileAction'),
      );
    },
  },
  {
    test: /OOM when allocating|ResourceExhaustedError|RESOURCE_EXHAUSTED|CUDA_ERROR_OUT_OF_MEMORY|CUDA out of memory|out of memory trying to allocate|failed to allocate [\d.]+\s*[KMGT]?i?B/i,
    explain: (line) =>
      /device:CPU|cpu_allocator|allocator cpu/i.test(line) && !/GPU/i.test(line)
        ? localizedError('OUT_OF_MEMORY', msg('aucmedi:explain.outOfMemory'), msg('aucmedi:explain.outOfMemoryAction'))
        : localizedError('GPU_OUT_OF_MEMORY', msg('aucmedi:explain.gpuOutOfMemory'), msg('aucmedi:explain.gpuOutOfMemoryAction')),
  },
  {
    test: /No space left on device|\[Errno 28\]|\bENOSPC\b|Disk quota exceeded|\[Errno 122\]|\bEDQUOT\b/i,
    explain: (_line, _mode, { fullDisk }) =>
      localizedError(
        'DISK_FULL',
        fullDisk === undefined ? msg('aucmedi:explain.diskFull') : msg('aucmedi:explain.diskFullOf', { folder: fullDisk }),
        msg('aucmedi:explain.diskFullAction'),
      ),
  },
  {
    test: /PermissionError|\[Errno 13\]|Permission denied|Read-only file system|\[Errno 30\]|Operation not permitted/i,
    explain: (line) => {
      const path = quotedPath(line);
      return localizedError(
        'PERMISSION_DENIED',
        path === null ? msg('aucmedi:explain.permission') : msg('aucmedi:explain.permissionPath', { path }),
        msg('aucmedi:explain.permissionAction'),
      );
    },
  },
  {
    // AUCMEDI: `architecture_dict[key]` fails, then `'str' object has no attribute 'create_model'`.
    test: /'str' object has no attribute 'create_model'|KeyError: '(?:2D|3D)\.[^']*'|Unknown architecture|architecture .*not (?:supported|found|available)/i,
    explain: (line) => {
      const key = /KeyError: '(?:2D|3D)\.([^']*)'/.exec(line)?.[1];
      return localizedError(
        'ARCHITECTURE_UNKNOWN',
        key === undefined ? msg('aucmedi:explain.architecture') : msg('aucmedi:explain.architectureKey', { key }),
        msg('aucmedi:explain.architectureAction'),
      );
    },
  },
  {
    test: /FileNotFoundError|No such file or directory|\[Errno 2\]|NotFoundError|does not exist/i,
    explain: (line, mode) => {
      const path = quotedPath(line);
      const model = path !== null && /(^|\/)model|\.keras$|\.h5$|\.pickle$|meta\.training\.json/.test(path);
      const what = model ? 'model' : 'input';
      return localizedError(
        'INPUT_NOT_FOUND',
        path === null ? msg(`aucmedi:explain.notFound.${what}.${mode}`) : msg(`aucmedi:explain.notFoundPath.${what}.${mode}`, { path }),
        model ? msg('aucmedi:explain.notFoundModelAction') : msg('aucmedi:explain.notFoundInputAction'),
      );
    },
  },
  {
    test: /MemoryError|Cannot allocate memory|\[Errno 12\]|std::bad_alloc/i,
    explain: () => localizedError('OUT_OF_MEMORY', msg('aucmedi:explain.outOfMemory'), msg('aucmedi:explain.outOfMemoryWorkersAction')),
  },
  {
    test: /CUDA_ERROR|cudaError|CUDNN_STATUS|cudnn handle|no kernel image is available|GPU sync failed|NCCL error/i,
    explain: () => localizedError('GPU_FAILED', msg('aucmedi:explain.gpuFailed'), msg('aucmedi:explain.gpuFailedAction')),
  },
];

function detail(line: string): string {
  const text = line.replace(/\s+/g, ' ').trim();
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

/**
 * Explain why a run failed. `error`: the parser's `errors` (oldest first) or its `lastError`.
 * Always returns a `UserError`; `detail` is the raw last error line when there is one.
 */
export function explainError(error: string | readonly string[] | null | undefined, options: ExplainOptions = {}): UserError {
  const mode = options.mode ?? 'training';
  const lines = (typeof error === 'string' ? [error] : error ?? []).map((line) => line.trim()).filter((line) => line.length > 0);
  const last = lines[lines.length - 1];
  if (last === undefined) {
    return localizedError('RUN_FAILED', msg(`aucmedi:explain.stoppedSilently.${mode}`), msg('aucmedi:explain.stoppedSilentlyAction'));
  }
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i]!;
    for (const rule of RULES) {
      if (rule.test.test(line)) return { ...rule.explain(line, mode, options), detail: detail(i === lines.length - 1 ? line : `${line} -> ${last}`) };
    }
  }
  return localizedError('RUN_FAILED', msg(`aucmedi:explain.stoppedWithError.${mode}`), msg('aucmedi:explain.stoppedWithErrorAction'), detail(last));
}
