/**
 * Issue 18, item 12 (the model folder): a valid `meta.training.json` with a string of 10 MB or more
 * is read (Python's bare NaN/Infinity are replaced in one pass, not by a regular expression that
 * overflows the stack); class names repeated or not names at all are refused with a sentence naming
 * them; a file too large to be AUCMEDI's, or a FIFO in its place, is refused at once.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, truncateSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserErrorException, type UserError } from '../../../src/api/errors';
import { checkModelFolder, MAX_META_BYTES, META_FILE, parseTrainingMeta, readTrainingMeta } from '../../../src/aucmedi/outputs';
import { tempDir } from '../../helpers/temp';
import { withTimeout } from '../../helpers/wait';

const root = tempDir('aucmedi-meta-limits-');
const MINIMAL_MODEL = path.resolve('test/fixtures/aucmedi/model-minimal');
let counter = 0;

/** A copy of a real minimal model folder, its meta.training.json replaced by `meta` when given. */
function modelFolder(meta?: string): string {
  const dir = path.join(root, `model-${++counter}`);
  cpSync(MINIMAL_MODEL, dir, { recursive: true });
  if (meta !== undefined) writeFileSync(path.join(dir, META_FILE), meta);
  return dir;
}

async function userErrorOf(promiseOrFn: Promise<unknown> | (() => unknown)): Promise<UserError> {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    expect(error).toBeInstanceOf(UserErrorException);
    return (error as UserErrorException).userError;
  }
  throw new Error('expected a UserErrorException');
}

const meta = (fields: Record<string, unknown>, raw = '') => `{"analysis": "minimal", "architecture": "Vanilla", ${raw}${JSON.stringify(fields).slice(1)}`;

describe('meta.training.json: size, long strings and class names', () => {
  it('reads a valid file holding strings of 10 MB and 20 MB (with quotes, backslashes and NaN inside), and the bare NaN beside them', async () => {
    for (const length of [10 * 2 ** 20, 20 * 2 ** 20]) {
      const long = `say "NaN" \\ ${'x'.repeat(length)} Infinity`;
      const text = meta({ note: long, class_names: ['benign', 'malignant'] }, '"epochs": NaN, "batch_size": -Infinity, ');
      const parsed = parseTrainingMeta(text);
      expect(parsed.config.note).toBe(long);
      expect(parsed).toMatchObject({ classNames: ['benign', 'malignant'], epochs: null, batchSize: null });
    }
    const dir = modelFolder(meta({ note: 'y'.repeat(12 * 2 ** 20), class_names: ['a', 'b'] }));
    expect((await checkModelFolder(dir)).meta.classNames).toEqual(['a', 'b']);
  });

  it('replaces only bare tokens: escaped quotes and backslashes before a quote end strings where JSON does', () => {
    const config = parseTrainingMeta(String.raw`{"a": "x\"NaN\\", "b": NaN, "c": "\\\"Infinity\\", "d": [Infinity, -Infinity, 1], "class_names": ["n"]}`).config;
    expect(config).toEqual({ a: 'x"NaN\\', b: null, c: '\\"Infinity\\', d: [null, null, 1], class_names: ['n'] });
  });

  it('refuses class names that repeat (also 1 and "1") or are not names, naming them', async () => {
    const repeated = await userErrorOf(() => parseTrainingMeta(meta({ class_names: ['benign', 'malignant', 'benign'] })));
    expect(repeated).toMatchObject({ code: 'AUCMEDI_OUTPUT_INVALID', message: `AUCMEDI's training record (meta.training.json) names the class "benign" more than once.` });
    expect((await userErrorOf(() => parseTrainingMeta(meta({ class_names: [1, '1'] })))).message).toContain('names the class "1" more than once');
    expect((await userErrorOf(() => parseTrainingMeta(meta({ class_names: ['a', null, 'b'] })))).message).toBe(
      "AUCMEDI's training record (meta.training.json) names a class that is neither text nor a number (null).",
    );
    // as a model chosen for a prediction or an evaluation
    const folder = await userErrorOf(checkModelFolder(modelFolder(meta({ class_names: ['x', 'y', 'x'] }))));
    expect(folder.message).toContain('names the class "x" more than once');
  });

  it('refuses a file larger than the bound with a sentence, without reading it', async () => {
    const dir = modelFolder();
    truncateSync(path.join(dir, META_FILE), MAX_META_BYTES + 1); // sparse: nothing is written
    const error = await userErrorOf(readTrainingMeta(dir));
    expect(error).toMatchObject({ code: 'AUCMEDI_OUTPUT_INVALID', message: "AUCMEDI's training record (meta.training.json) is larger than 64 MB, the most such a file may have." });
  });

  it('refuses a FIFO in place of the file at once, instead of waiting on it forever', async () => {
    const dir = modelFolder();
    rmSync(path.join(dir, META_FILE));
    expect(spawnSync('mkfifo', [path.join(dir, META_FILE)]).status).toBe(0);
    const error = await withTimeout(userErrorOf(readTrainingMeta(dir)), 5_000);
    expect(error.message).toBe("AUCMEDI's training record (meta.training.json) is not a regular file (perhaps a pipe or device in its place).");
    // a model folder whose meta file is a FIFO is not a model
    expect((await withTimeout(userErrorOf(checkModelFolder(dir)), 5_000)).code).toBe('MODEL_FOLDER_INCOMPLETE');
  });
});
