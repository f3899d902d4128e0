/**
 * Turns the error lines a failed AUCMEDI run printed (`ProgressState.errors` / `lastError`, from the
 * Keras parser) into what a clinician reads: a plain sentence, what to do next, and the raw line as
 * the detail for IT.
 *
 * The newest line is explained first; when it says nothing specific (a generic `AttributeError`
 * after a chained `KeyError`, say) the older lines of the same failure are tried, newest first.
 */
import type { UserError } from '../api/errors';
import { brokenImage } from '../engine/image-check';

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
      const { action } = brokenImage(null, line);
      return {
        code: 'IMAGE_BROKEN',
        message: 'The run failed inside the AUCMEDI image\'s own software (a package is missing, or of a version AUCMEDI does not work with), so every run with this image fails the same way.',
        action,
      };
    },
  },
  {
    // Keras fetches ImageNet weights on first use; the container has no network.
    test: /URL fetch failure|Downloading data from|urlopen error|Temporary failure in name resolution|Name or service not known|Network is unreachable|keras-applications|classification_models_3D/i,
    explain: (line) => {
      const file = urlFile(line);
      return {
        code: 'WEIGHTS_MISSING',
        message:
          'The pretrained weights for this architecture are not on this computer' +
          (file === null ? '' : ` (${file})`) +
          ', and the run cannot download them: it works without network.',
        action: 'Import the weights file for this architecture on the Setup page, then start again.',
      };
    },
  },
  {
    // Keras found the weights file but not the hash it declares (tf_keras/utils/data_utils.py get_file):
    // it downloads again, fails offline, then removes the cached file, which the read-only weights mount
    // refuses. Before the permission rule: this is the wrong file, not a permission to fix.
    test: /Read-only file system: '[^']*\.keras\/models\/[^']+'/,
    explain: (line) => {
      const file = /\.keras\/models\/([^']+)'/.exec(line)?.[1] ?? 'the weights file';
      return {
        code: 'WEIGHTS_WRONG_FILE',
        message: `The weights file ${file} in the weights folder is not the one this AUCMEDI image checks for (its hash differs), so Keras tried to download it again, which fails offline.`,
        action: 'Remove that file from the weights folder and import the original Keras file (from ~/.keras/models of a connected computer, or the offline bundle), then start again.',
      };
    },
  },
  {
    test: /OOM when allocating|ResourceExhaustedError|RESOURCE_EXHAUSTED|CUDA_ERROR_OUT_OF_MEMORY|CUDA out of memory|out of memory trying to allocate|failed to allocate [\d.]+\s*[KMGT]?i?B/i,
    explain: (line) =>
      /device:CPU|cpu_allocator|allocator cpu/i.test(line) && !/GPU/i.test(line)
        ? {
            code: 'OUT_OF_MEMORY',
            message: 'The computer ran out of memory (RAM) during the run.',
            action: 'Lower the batch size, close other programs, then start again.',
          }
        : {
            code: 'GPU_OUT_OF_MEMORY',
            message: 'The GPU ran out of memory: the batch of images does not fit in it.',
            action: 'Lower the batch size (for example to half), or pick a smaller architecture, then start again.',
          },
  },
  {
    test: /No space left on device|\[Errno 28\]|\bENOSPC\b|Disk quota exceeded|\[Errno 122\]|\bEDQUOT\b/i,
    explain: (_line, _mode, { fullDisk }) => ({
      code: 'DISK_FULL',
      message: fullDisk === undefined ? 'The disk the run writes to is full.' : `The disk of ${fullDisk} is full.`,
      action: 'Free some space on it, or choose an output folder on another disk, then start again.',
    }),
  },
  {
    test: /PermissionError|\[Errno 13\]|Permission denied|Read-only file system|\[Errno 30\]|Operation not permitted/i,
    explain: (line) => {
      const path = quotedPath(line);
      return {
        code: 'PERMISSION_DENIED',
        message: `The run was not allowed to write or read a file it needs${path === null ? '' : ` (${path})`}.`,
        action: 'Check that you may write to the output folder and read the dataset folder, or choose another output folder, then start again.',
      };
    },
  },
  {
    // AUCMEDI: `architecture_dict[key]` fails, then `'str' object has no attribute 'create_model'`.
    test: /'str' object has no attribute 'create_model'|KeyError: '(?:2D|3D)\.[^']*'|Unknown architecture|architecture .*not (?:supported|found|available)/i,
    explain: (line) => {
      const key = /KeyError: '(?:2D|3D)\.([^']*)'/.exec(line)?.[1];
      return {
        code: 'ARCHITECTURE_UNKNOWN',
        message: `The AUCMEDI image in use does not know the chosen architecture${key === undefined ? '' : ` (${key})`}.`,
        action: 'Pick another architecture, or load an AUCMEDI image that has it on the Setup page, then start again.',
      };
    },
  },
  {
    test: /FileNotFoundError|No such file or directory|\[Errno 2\]|NotFoundError|does not exist/i,
    explain: (line, mode) => {
      const path = quotedPath(line);
      const model = path !== null && /(^|\/)model|\.keras$|\.h5$|\.pickle$|meta\.training\.json/.test(path);
      return {
        code: 'INPUT_NOT_FOUND',
        message: `A ${model ? 'model file' : 'folder or file'} the ${mode} needs was not found${path === null ? '' : ` (${path})`}.`,
        action: model
          ? 'Check that the model folder still holds a complete trained model (train it again if not), then start again.'
          : 'Check that the dataset folder still exists and its drive (USB disk, network share) is connected, then start again.',
      };
    },
  },
  {
    test: /MemoryError|Cannot allocate memory|\[Errno 12\]|std::bad_alloc/i,
    explain: () => ({
      code: 'OUT_OF_MEMORY',
      message: 'The computer ran out of memory (RAM) during the run.',
      action: 'Lower the batch size or the number of workers, close other programs, then start again.',
    }),
  },
  {
    test: /CUDA_ERROR|cudaError|CUDNN_STATUS|cudnn handle|no kernel image is available|GPU sync failed|NCCL error/i,
    explain: () => ({
      code: 'GPU_FAILED',
      message: 'The GPU reported an error the run could not go past.',
      action: 'Restart the computer and try again; if it happens again, run on the CPU or ask IT to check the GPU driver.',
    }),
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
    return {
      code: 'RUN_FAILED',
      message: `The ${mode} stopped without reporting an error.`,
      action: 'Look at the run log for what happened last, then start again; if it happens again, give the log to your IT support.',
    };
  }
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i]!;
    for (const rule of RULES) {
      if (rule.test.test(line)) return { ...rule.explain(line, mode, options), detail: detail(i === lines.length - 1 ? line : `${line} -> ${last}`) };
    }
  }
  return {
    code: 'RUN_FAILED',
    message: `The ${mode} stopped with an error.`,
    action: 'Check the dataset and the settings, then start again; if it happens again, give the details to your IT support.',
    detail: detail(last),
  };
}
