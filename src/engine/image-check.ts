import type Docker from 'dockerode';
import type { ImageCheck } from '../api/types';
import { runOnce } from './containers';
import { engineMessage, isConnectionError } from './engine-errors';
import { msg, text, type Message } from '../i18n';

/** An image check's problem, with its sentences also as catalog messages for the window. */
export type ImageProblem = NonNullable<ImageCheck['problem']> & { i18n?: { message: Message; action?: Message } };

function imageProblem(message: Message, action: Message, detail: string): ImageProblem {
  return { message: text(message), action: text(action), detail, i18n: { message, action } };
}

export const IMAGE_CHECK_PURPOSE = 'image-check';
/** Importing TensorFlow and AUCMEDI's dependencies takes seconds; a cold disk on a workstation, more. */
const CHECK_TIMEOUT_MS = 180_000;
/** The line the script prints, so TensorFlow's own chatter on stdout cannot be mistaken for it. */
export const CHECK_MARKER = 'AUCMEDI_DESK_IMAGE_CHECK ';

/**
 * Run with `python3 -c` in the image instead of its `aucmedi` entrypoint. It imports what the
 * `aucmedi` command imports before it reads a single option (AUCMEDI 0.11.0 setup.py: console entry
 * `aucmedi.automl.main:main`; main.py imports `aucmedi.automl`, whose __init__ imports block_train,
 * block_pred and block_eval, which import `aucmedi` (and through neural_network/architectures/volume/*
 * `from classification_models_3D.tfkeras import Classifiers`), tensorflow.keras, SimpleITK,
 * volumentations, batchgenerators, plotnine, pathos). tensorflow and classification_models_3D.tfkeras
 * are imported first on their own, so a failure names the package at fault; the AUCMEDI version is
 * the installed distribution's (cli.py reads it with pkg_resources.require("aucmedi")). Prints one
 * line: the marker and a JSON object.
 */
export const CHECK_SCRIPT = `
import importlib, json, sys
r = {"python": sys.version.split()[0], "aucmedi": None, "tensorflow": None, "keras": None,
     "classification_models_3D": None, "module": None, "error": None}
def fail(module, e):
    if r["error"] is None:
        r["module"] = module
        r["error"] = (type(e).__name__ + ": " + str(e)).strip()
def attempt(module):
    try:
        return importlib.import_module(module)
    except BaseException as e:
        fail(module, e)
def dist(name):
    try:
        from importlib import metadata
        return metadata.version(name)
    except Exception:
        return None
tf = attempt("tensorflow")
if tf is not None:
    r["tensorflow"] = str(getattr(tf, "__version__", None) or dist("tensorflow"))
    try:
        r["keras"] = str(tf.keras.__version__)
    except BaseException as e:
        fail("tensorflow.keras", e)
attempt("classification_models_3D.tfkeras")
attempt("aucmedi.automl.main")
r["aucmedi"] = dist("aucmedi") or getattr(sys.modules.get("aucmedi"), "__version__", None)
r["classification_models_3D"] = dist("classification-models-3D") or getattr(sys.modules.get("classification_models_3D"), "__version__", None)
print(${JSON.stringify(CHECK_MARKER)} + json.dumps(r), flush=True)
`.trimStart();

/** What the script reports, before it is turned into an ImageCheck. */
export interface CheckReport {
  python: string | null;
  aucmedi: string | null;
  tensorflow: string | null;
  keras: string | null;
  classificationModels3D: string | null;
  /** The module whose import failed first, and Python's `Type: message`. */
  module: string | null;
  error: string | null;
}

/**
 * Runs the check in a hardened container (no network, no capabilities, as the host user like a run)
 * and never throws: an engine that cannot run it gives an `unknown` check.
 */
export async function checkImage(docker: Docker, image: string, options: { user?: string; timeoutMs?: number } = {}): Promise<ImageCheck> {
  let result;
  try {
    result = await runOnce(docker, {
      image,
      entrypoint: ['python3'],
      cmd: ['-c', CHECK_SCRIPT],
      // As a run's container has them (src/engine/run-container.ts): a writable HOME for any uid.
      env: ['HOME=/tmp', 'PYTHONUNBUFFERED=1', 'TF_CPP_MIN_LOG_LEVEL=2'],
      ...(options.user ? { user: options.user } : {}),
      purpose: IMAGE_CHECK_PURPOSE,
      timeoutMs: options.timeoutMs ?? CHECK_TIMEOUT_MS,
    });
  } catch (error) {
    const message = engineMessage(error);
    // The engine cannot start python3 at all: no AUCMEDI image can be without it.
    if (!isConnectionError(error) && /executable file not found|no such file or directory/i.test(message) && /python3/.test(message)) {
      return imageCheck(emptyReport({ module: 'python3', error: 'python3 is not in this image' }));
    }
    return unknownCheck(message);
  }
  const report = parseCheckOutput(result.stdout);
  if (report) return imageCheck(report);
  const said = `${result.stderr}\n${result.stdout}`.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  // Python that dies before the script's last line (a crash in a native library at import) still says why.
  const last = said.at(-1);
  if (result.exitCode !== 0 && last && /^\w*(Error|Exception)\b/.test(last)) return imageCheck(emptyReport({ module: 'python3', error: last }));
  return unknownCheck(last ? `python3 exited with code ${result.exitCode}: ${last}` : `python3 exited with code ${result.exitCode} and printed nothing`);
}

/** The marker line of the script's output, or null when there is none (or it is not the script's JSON). */
export function parseCheckOutput(stdout: string): CheckReport | null {
  const line = stdout
    .split(/\r?\n/)
    .reverse()
    .find((candidate) => candidate.startsWith(CHECK_MARKER));
  if (!line) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(line.slice(CHECK_MARKER.length));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const value = raw as Record<string, unknown>;
  const text = (key: string) => (typeof value[key] === 'string' && (value[key] as string).trim() !== '' ? (value[key] as string).trim() : null);
  return {
    python: text('python'),
    aucmedi: text('aucmedi'),
    tensorflow: text('tensorflow'),
    keras: text('keras'),
    classificationModels3D: text('classification_models_3D'),
    module: text('module'),
    error: text('error'),
  };
}

/** 2 or 3 from a Keras version (`2.15.0`, `3.3.3`, `3.3.3-standin`); null when it is neither. */
export function kerasGeneration(version: string | null): 2 | 3 | null {
  const major = version === null ? null : /^(\d+)\./.exec(version)?.[1];
  return major === '2' ? 2 : major === '3' ? 3 : null;
}

/** The report as the app shows it: ok, or broken with the import error and what IT should do. */
export function imageCheck(report: CheckReport): ImageCheck {
  const versions = {
    aucmedi: report.aucmedi,
    tensorflow: report.tensorflow,
    keras: report.keras,
    kerasGeneration: kerasGeneration(report.keras),
    classificationModels3D: report.classificationModels3D,
    python: report.python,
  };
  if (report.error === null) return { state: 'ok', ...versions, problem: null };
  return { state: 'broken', ...versions, problem: brokenImage(report.module, report.error) };
}

/**
 * The sentence for an image whose software does not import: every run with it would fail the same way
 * (`aucmedi -v` too: the console entry imports everything first). Also what explain-error says when a
 * run fails on an import.
 */
export function brokenImage(module: string | null, error: string): ImageProblem {
  return imageProblem(msg('engine:imageCheck.broken.message', { error }), msg('engine:imageCheck.broken.action'), `python3 -c 'import ${module ?? 'aucmedi.automl.main'}' in the image: ${error}`);
}

export function unknownCheck(reason: string): ImageCheck {
  return {
    state: 'unknown',
    aucmedi: null,
    tensorflow: null,
    keras: null,
    kerasGeneration: null,
    classificationModels3D: null,
    python: null,
    problem: imageProblem(msg('engine:imageCheck.unknown.message'), msg('engine:imageCheck.unknown.action'), reason),
  };
}

function emptyReport(failure: { module: string; error: string }): CheckReport {
  return { python: null, aucmedi: null, tensorflow: null, keras: null, classificationModels3D: null, ...failure };
}

/** One line for a list: `TensorFlow 2.15.1, Keras 2.15.0 (Keras 2), classification-models-3D 1.0.10`. */
export function describeSoftware(check: ImageCheck): string {
  const parts = [
    check.tensorflow && `TensorFlow ${check.tensorflow}`,
    check.keras && `Keras ${check.keras}${check.kerasGeneration ? ` (Keras ${check.kerasGeneration})` : ''}`,
    check.classificationModels3D && `classification-models-3D ${check.classificationModels3D}`,
  ].filter(Boolean);
  return parts.join(', ');
}
