import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainError } from '../../../src/aucmedi/explain-error';
import { CHECK_MARKER, CHECK_SCRIPT, describeSoftware, imageCheck, kerasGeneration, parseCheckOutput, unknownCheck } from '../../../src/engine/image-check';
import { imageSoftware } from '../../../src/runs/manifest';
import { tempDir } from '../../helpers/temp';

const line = (report: Record<string, unknown>) => `${CHECK_MARKER}${JSON.stringify(report)}`;
const OK = { python: '3.11.0rc1', aucmedi: '0.11.0', tensorflow: '2.15.1', keras: '2.15.0', classification_models_3D: '1.0.10', module: null, error: null };

describe('parseCheckOutput', () => {
  it('reads the marker line among what TensorFlow prints around it', () => {
    const stdout = ['2024-05-01 10:00:00.000000: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on.', line(OK), ''].join('\n');
    expect(parseCheckOutput(stdout)).toEqual({
      python: '3.11.0rc1',
      aucmedi: '0.11.0',
      tensorflow: '2.15.1',
      keras: '2.15.0',
      classificationModels3D: '1.0.10',
      module: null,
      error: null,
    });
  });

  it('takes the last marker line, and CRLF line ends', () => {
    expect(parseCheckOutput(`${line({ ...OK, aucmedi: 'old' })}\r\n${line(OK)}\r\n`)?.aucmedi).toBe('0.11.0');
  });

  it('no marker, a broken JSON, or a JSON that is not an object: null', () => {
    expect(parseCheckOutput('')).toBeNull();
    expect(parseCheckOutput('{"aucmedi":"0.11.0"}')).toBeNull();
    expect(parseCheckOutput(`${CHECK_MARKER}{"aucmedi":`)).toBeNull();
    expect(parseCheckOutput(`${CHECK_MARKER}["0.11.0"]`)).toBeNull();
    expect(parseCheckOutput(`${CHECK_MARKER}null`)).toBeNull();
  });

  it('fields of another type or empty are null, never "undefined" or a number', () => {
    expect(parseCheckOutput(line({ aucmedi: 11, tensorflow: '', keras: '  ', module: null }))).toEqual({
      python: null,
      aucmedi: null,
      tensorflow: null,
      keras: null,
      classificationModels3D: null,
      module: null,
      error: null,
    });
  });
});

describe('imageCheck', () => {
  it('everything imported: ok with the versions and the Keras generation', () => {
    const check = imageCheck(parseCheckOutput(line(OK))!);
    expect(check).toEqual({ state: 'ok', aucmedi: '0.11.0', tensorflow: '2.15.1', keras: '2.15.0', kerasGeneration: 2, classificationModels3D: '1.0.10', python: '3.11.0rc1', problem: null });
    expect(describeSoftware(check)).toBe('TensorFlow 2.15.1, Keras 2.15.0 (Keras 2), classification-models-3D 1.0.10');
  });

  it('an import failed: broken, with the import error in the sentence and what IT should do', () => {
    const error = "ModuleNotFoundError: No module named 'classification_models_3D.tfkeras'";
    const check = imageCheck(parseCheckOutput(line({ ...OK, keras: '3.3.3', classification_models_3D: '1.1.0', aucmedi: '0.11.0', module: 'classification_models_3D.tfkeras', error }))!);
    expect(check.state).toBe('broken');
    expect(check.kerasGeneration).toBe(3);
    expect(check.classificationModels3D).toBe('1.1.0');
    expect(check.problem!.message).toContain(error);
    expect(check.problem!.action).toMatch(/IT/);
    expect(check.problem!.action).toContain('docker/aucmedi/');
    expect(check.problem!.detail).toBe(`python3 -c 'import classification_models_3D.tfkeras' in the image: ${error}`);
  });

  it('the Keras generation from the version, stand-in versions included', () => {
    expect([kerasGeneration('2.15.0'), kerasGeneration('3.3.3'), kerasGeneration('3.3.3-standin'), kerasGeneration('2.15.0-standin')]).toEqual([2, 3, 3, 2]);
    expect([kerasGeneration(null), kerasGeneration('1.2.2'), kerasGeneration('keras'), kerasGeneration('')]).toEqual([null, null, null, null]);
  });

  it('unknown: no versions, a sentence about the check itself', () => {
    const check = unknownCheck('the container did not finish within 180 s');
    expect(check).toMatchObject({ state: 'unknown', aucmedi: null, keras: null, kerasGeneration: null });
    expect(check.problem).toMatchObject({ detail: 'the container did not finish within 180 s' });
    expect(describeSoftware(check)).toBe('');
  });
});

describe('the run manifest records the image software', () => {
  it('from a check, and all null (check "unknown") without one', () => {
    expect(imageSoftware(imageCheck(parseCheckOutput(line(OK))!))).toEqual({
      aucmedi: '0.11.0',
      tensorflow: '2.15.1',
      keras: '2.15.0',
      kerasGeneration: 2,
      classificationModels3D: '1.0.10',
      python: '3.11.0rc1',
      check: 'ok',
    });
    expect(imageSoftware(null)).toMatchObject({ aucmedi: null, keras: null, check: 'unknown' });
    expect(imageSoftware(unknownCheck('engine gone'))).toMatchObject({ aucmedi: null, check: 'unknown' });
  });
});

describe('explainError: an import failure is a broken image, never missing weights', () => {
  it.each([
    "ModuleNotFoundError: No module named 'classification_models_3D.tfkeras'",
    "ImportError: cannot import name 'Classifiers' from 'classification_models_3D.tfkeras' (/usr/local/lib/python3.11/dist-packages/classification_models_3D/tfkeras.py)",
    "AttributeError: module 'keras.utils' has no attribute 'generic_utils'",
    'ImportError: libcudnn.so.8: cannot open shared object file: No such file or directory',
    "ModuleNotFoundError: No module named 'keras_applications'",
  ])('%s', (error) => {
    const explained = explainError(error);
    expect(explained.code).toBe('IMAGE_BROKEN');
    expect(explained.message).not.toMatch(/weights/i);
    expect(explained.action).toContain('docker/aucmedi/');
    expect(explained.detail).toBe(error);
  });

  it('also when the import error is the newest line after older noise', () => {
    expect(explainError(['Downloading data from https://example.org/x.h5', "ModuleNotFoundError: No module named 'classification_models_3D.tfkeras'"]).code).toBe('IMAGE_BROKEN');
  });

  it('the AttributeError of an unknown architecture stays what it was', () => {
    expect(explainError(["KeyError: '2D.NoSuchNet'", "AttributeError: 'str' object has no attribute 'create_model'"]).code).toBe('ARCHITECTURE_UNKNOWN');
  });
});

describe('the check script, run by the Python here on the stand-in packages', () => {
  const python = spawnSync('python3', ['--version']).status === 0;
  const modules = path.resolve('docker/stand-in/probe-modules');
  // -S: no site-packages of this machine, only the folder given
  const run = (pythonPath: string, env: Record<string, string> = {}) => {
    const result = spawnSync('python3', ['-S', '-c', CHECK_SCRIPT], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1', ...env } });
    return parseCheckOutput(result.stdout);
  };

  it.runIf(python)('reports the stand-in versions, and the Keras generation it plays', () => {
    expect(run(modules)).toMatchObject({ aucmedi: '0.11.0-standin', tensorflow: '2.16.1-standin', keras: '3.3.3-standin', classificationModels3D: '1.0.10-standin', error: null });
    expect(run(modules, { STANDIN_KERAS_GENERATION: '2' })).toMatchObject({ tensorflow: '2.15.1-standin', keras: '2.15.0-standin', error: null });
  });

  it.runIf(python)('names the import that fails first, and still the versions it could read', () => {
    const dir = tempDir();
    const copy = path.join(dir, 'modules');
    cpSync(modules, copy, { recursive: true });
    rmSync(path.join(copy, 'classification_models_3D', 'tfkeras.py'));
    expect(run(copy)).toMatchObject({
      aucmedi: '0.11.0-standin',
      keras: '3.3.3-standin',
      module: 'classification_models_3D.tfkeras',
      error: "ModuleNotFoundError: No module named 'classification_models_3D.tfkeras'",
    });
    // without any of the packages: tensorflow is named, nothing else is invented
    expect(run(dir)).toMatchObject({ aucmedi: null, tensorflow: null, keras: null, module: 'tensorflow', error: "ModuleNotFoundError: No module named 'tensorflow'" });
  });
});
