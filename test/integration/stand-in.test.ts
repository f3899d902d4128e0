/**
 * The AUCMEDI stand-in (docker/stand-in: a TEST DOUBLE of the AUCMEDI image, not AUCMEDI) against
 * the real Docker engine, run the way the app runs containers: no network, all capabilities
 * dropped, no-new-privileges, the host user's uid:gid, the dataset mounted read-only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLog } from '../../src/aucmedi/keras-parser';
import { splitLines } from '../../src/aucmedi/line-splitter';
import { makeClassDataset, makeVolumeDataset, PNG_SIGNATURE, type ClassDataset } from '../helpers/images';
import { requireEngine } from '../helpers/requirements';
import { buildStandInVariant, testWeightsBytes } from '../helpers/test-weights';
import { tempDir } from '../helpers/temp';

const hasEngine = requireEngine();
const IMAGE = process.env.AUCMEDI_STANDIN_TAG ?? 'aucmedi-desk/aucmedi-stand-in:test';
const BUILD_SCRIPT = path.resolve('docker/stand-in/build.sh');
const USER = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;

interface Run { code: number | null; stdout: string; stderr: string }

function docker(args: string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface RunOptions {
  mounts?: string[];
  env?: Record<string, string>;
  user?: string;
  extra?: string[];
  /** Another stand-in tag (default: IMAGE). */
  image?: string;
}

/** `docker run` hardened as the app does it. */
function runStandIn(args: string[], options: RunOptions = {}): Promise<Run> {
  const flags = ['run', '--rm', '--network', 'none', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];
  flags.push('--user', options.user ?? USER, '-e', 'HOME=/tmp');
  for (const [key, value] of Object.entries(options.env ?? {})) flags.push('-e', `${key}=${value}`);
  for (const mount of options.mounts ?? []) flags.push('-v', mount);
  flags.push(...(options.extra ?? []), options.image ?? IMAGE, ...args);
  return docker(flags);
}

/** Files and folders below `dir` with their sizes and modification times. */
function listing(dir: string): string[] {
  const lines: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const full = path.join(current, name);
      const st = statSync(full);
      lines.push(`${path.relative(dir, full)}\t${st.isDirectory() ? 'dir' : st.size}\t${st.mtimeMs}\t${st.mode}`);
      if (st.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return lines;
}

function readCsv(file: string): string[][] {
  return readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split(','));
}

function isPng(file: string): boolean {
  return existsSync(file) && readFileSync(file).subarray(0, 8).equals(PNG_SIGNATURE);
}

/** The console as lines, each redraw of the bar one line (the app's own splitter: `\n`, `\r`, `\b`). */
const screen = (text: string) => splitLines(text).map((line) => line.text).join('\n');

const explain = (run: Run) => `exit ${run.code}\n--- stdout\n${run.stdout.slice(-3000)}\n--- stderr\n${run.stderr.slice(-3000)}`;

const FINISHED_LINE = /^\s*(\d+)\/\1 \[=+\] - \d+s \d+(?:s|ms|us)\/step - loss: \S+ - auc: \S+ - val_loss: \S+ - val_auc: \S+ - (?:lr|learning_rate): \S+$/m;
const URL_FAILURE =
  'Exception: URL fetch failure on https://storage.googleapis.com/tensorflow/keras-applications/densenet/' +
  'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5: None -- [Errno -3] Temporary failure in name resolution';
const DENSENET_FILE = 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';

describe.runIf(hasEngine)('the AUCMEDI stand-in image (a test double, not AUCMEDI) in the real engine', () => {
  const root = tempDir('aucmedi-standin-');
  const dataset = path.join(root, 'dataset');
  const testImages = path.join(root, 'test');
  const groundTruth = path.join(root, 'gt');
  const weights = path.join(root, 'weights');
  let test: ClassDataset;
  const out = (name: string, mode = 0o755) => {
    const dir = path.join(root, 'out', name);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, mode);
    return dir;
  };

  beforeAll(() => {
    const build = spawnSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', timeout: 600_000 });
    if (build.status !== 0) throw new Error(`build.sh failed (${build.status}):\n${build.stdout}\n${build.stderr}`);
    makeClassDataset(dataset, { classes: { benign: 24, malignant: 24 }, size: 32, seed: 11 });
    test = makeClassDataset(testImages, { classes: { benign: 6, malignant: 6 }, size: 32, seed: 99, layout: 'flat' });
    mkdirSync(groundTruth, { recursive: true });
    writeFileSync(
      path.join(groundTruth, 'annotations.csv'),
      ['SAMPLE,CLASS', ...Object.entries(test.labels).map(([sample, label]) => `${sample},${label}`)].join('\n') + '\n',
    );
    mkdirSync(weights, { recursive: true });
    // A fake file: the TEST hash table's (test/helpers/test-weights.ts), never Keras's.
    writeFileSync(path.join(weights, DENSENET_FILE), testWeightsBytes(DENSENET_FILE));
  }, 600_000);

  it('says everywhere that it is a test stand-in, not AUCMEDI', async () => {
    const version = await runStandIn(['-v']);
    expect(version.code, explain(version)).toBe(0);
    expect(version.stdout.trim()).toBe('aucmedi_v0.11.0-standin (test stand-in for the AUCMEDI image, not AUCMEDI)');
    const inspect = spawnSync('docker', ['image', 'inspect', '--format', '{{json .Config}}', IMAGE], { encoding: 'utf8' });
    const config = JSON.parse(inspect.stdout) as { Labels: Record<string, string>; Entrypoint: string[]; WorkingDir: string; Volumes: Record<string, unknown> };
    expect(config.Labels['org.aucmedi-desk.stand-in']).toBe('true');
    expect(config.Labels['org.opencontainers.image.description']).toMatch(/stand-in for the AUCMEDI image \(not AUCMEDI\)/);
    expect(config.Labels['org.aucmedi-desk.content-hash']).toMatch(/^[0-9a-f]{64}$/);
    expect(config.Entrypoint).toEqual(['aucmedi']);
    expect(config.WorkingDir).toBe('/data');
    expect(Object.keys(config.Volumes)).toEqual(['/data']);
    const help = await runStandIn(['training', '-h']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--path_imagedir');
    expect(help.stdout).toContain("default: 'DenseNet121'");
  });

  it('the build script is a quick no-op when the image is up to date', () => {
    const started = Date.now();
    const again = spawnSync('bash', [BUILD_SCRIPT], { encoding: 'utf8', timeout: 60_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/up to date/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  let modelDir = '';
  it('trains for real (standard, Vanilla, 15 epochs) in Keras format, with the files AUCMEDI writes', async () => {
    const before = listing(dataset);
    modelDir = out('standard');
    const run = await runStandIn(['training', '--architecture', 'Vanilla', '--epochs', '15', '--batch_size', '8'], {
      mounts: [`${dataset}:/data/training:ro`, `${modelDir}:/data/model`],
    });
    expect(run.code, explain(run)).toBe(0);
    const lines = screen(run.stdout);
    expect(lines).toMatch(/^Epoch 1\/10$/m);
    expect(lines).toMatch(/^Epoch 10\/10$/m);
    expect(lines).toMatch(/^Epoch 11\/15$/m);
    expect(lines).toMatch(FINISHED_LINE);
    expect(lines).toMatch(/^Epoch 1: val_loss improved from inf to \d+\.\d{5}, saving model to model\/model\.best_loss\.keras$/m);
    expect(lines).toMatch(/learning_rate: 1\.0000e-04/);
    expect(lines).toMatch(/learning_rate: 1\.0000e-05/);
    // No TTY, and still redrawn with \b and \r, as Keras's Progbar does wherever `posix` is loaded.
    expect(run.stdout).toMatch(/\n\r\s*1\/\d+ \[[=>.]+\] - ETA: /);
    expect(run.stdout).toMatch(/\x08+\r\s*(\d+)\/\1 \[=+\] - \d+s /);
    expect(run.stderr).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}: I tensorflow\/core\/platform\/cpu_feature_guard\.cc:182\] /m);

    for (const file of ['meta.training.json', 'logs.training.csv', 'model.best_loss.keras', 'model.last.keras', 'plot.fitting_course.png']) {
      expect(existsSync(path.join(modelDir, file)), file).toBe(true);
    }
    expect(isPng(path.join(modelDir, 'plot.fitting_course.png'))).toBe(true);
    const meta = JSON.parse(readFileSync(path.join(modelDir, 'meta.training.json'), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ hub: 'training', analysis: 'standard', architecture: 'Vanilla', epochs: 15, batch_size: 8,
      interface: 'directory', multi_label: false, class_names: ['benign', 'malignant'], shape_3D: [128, 128, 128] });

    const log = readCsv(path.join(modelDir, 'logs.training.csv'));
    // no learning-rate column: CSVLogger fixes its columns before ReduceLROnPlateau adds the rate (see aucmedi.py fit)
    expect(log[0]).toEqual(['epoch', 'auc', 'loss', 'val_auc', 'val_loss']);
    const rows = log.slice(1);
    // The app's parser reads this redrawn output (no TTY) into the epochs the container logged.
    const parsed = parseLog([{ stream: 'stdout', chunk: run.stdout }, { stream: 'stderr', chunk: run.stderr }], { totalEpochs: 15 });
    expect(parsed).toMatchObject({ phase: 'finished', totalEpochs: 15, lastError: null });
    expect(parsed.epochs.map((e) => e.metrics.val_loss)).toEqual(rows.map((r) => Number(Number(r[4]).toFixed(4))));
    expect(parsed.epochs.every((e) => typeof e.metrics.lr === 'number')).toBe(true); // the rate, from the bar (Keras 3: learning_rate)
    expect(rows.map((r) => Number(r[0]))).toEqual(rows.map((_, i) => i)); // 0-based, both fit phases appended
    expect(rows.length).toBeGreaterThan(10);
    const last = rows.at(-1)!;
    expect(Number(last[1])).toBeGreaterThan(0.8); // auc
    expect(Number(last[3])).toBeGreaterThan(0.8); // val_auc
    expect(Number(last[2])).toBeLessThan(Number(rows[0]![2])); // loss went down

    expect(listing(dataset)).toEqual(before); // the dataset is untouched
  });

  it('trains the minimal pipeline: all data, no validation, model.last.keras only; --epochs 3 trains AUCMEDI\'s 10 frozen epochs', async () => {
    const dir = out('minimal');
    const run = await runStandIn(['training', '--analysis', 'minimal', '--architecture', 'Vanilla', '--epochs', '3', '--batch_size', '16'], {
      mounts: [`${dataset}:/data/training:ro`, `${dir}:/data/model`],
    });
    expect(run.code, explain(run)).toBe(0);
    const lines = screen(run.stdout);
    expect(lines.match(/^Epoch \d+\/\d+$/gm)).toEqual(Array.from({ length: 10 }, (_, i) => `Epoch ${i + 1}/10`));
    expect(lines).toMatch(/^3\/3 \[=+\] - \d+s \S+\/step - loss: \S+ - auc: \S+$/m);
    expect(run.stdout).not.toContain('val_loss');
    expect(readCsv(path.join(dir, 'logs.training.csv'))).toHaveLength(11); // header + 10 epochs
    expect(readdirSync(dir).sort()).toEqual(['logs.training.csv', 'meta.training.json', 'model.last.keras', 'plot.fitting_course.png']);
    expect(readCsv(path.join(dir, 'logs.training.csv'))[0]).toEqual(['epoch', 'auc', 'loss']);
  });

  it('reads the CSV interface with one-hot (multi-label) annotations', async () => {
    const flat = path.join(root, 'multilabel');
    const images = makeClassDataset(path.join(flat, 'images'), { classes: { a: 8, b: 8, c: 8 }, size: 24, seed: 5, layout: 'flat' });
    const lines = ['SAMPLE,a,b,c'];
    Object.entries(images.labels).forEach(([sample, label], i) => {
      const hot = images.classes.map((c) => (c === label || (i % 3 === 0 && c === 'c') ? 1 : 0));
      lines.push(`${sample},${hot.join(',')}`);
    });
    writeFileSync(path.join(flat, 'annotations.csv'), lines.join('\n') + '\n');
    const dir = out('ohe');
    const run = await runStandIn(
      ['training', '--path_imagedir', 'training/images', '--path_gt', 'training/annotations.csv', '--ohe',
        '--architecture', 'Vanilla', '--epochs', '4', '--batch_size', '6'],
      { mounts: [`${flat}:/data/training:ro`, `${dir}:/data/model`] },
    );
    expect(run.code, explain(run)).toBe(0);
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.training.json'), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ interface: 'csv', ohe: true, multi_label: true, class_names: ['a', 'b', 'c'] });
    expect(readCsv(path.join(dir, 'logs.training.csv'))).toHaveLength(11); // --epochs 4: header + AUCMEDI's 10 epochs
  });

  it('predicts a flat folder: preds.csv with one row per image, probabilities summing to 1, and heat maps', async () => {
    const pred = out('prediction');
    const run = await runStandIn(['prediction', '--path_pred', 'pred/preds.csv', '--xai_method', 'gradcam', '--xai_directory', 'pred/xai'], {
      mounts: [`${testImages}:/data/test:ro`, `${modelDir}:/data/model:ro`, `${pred}:/data/pred`],
    });
    expect(run.code, explain(run)).toBe(0);
    expect(screen(run.stdout)).toMatch(/^1\/1 \[=+\] - \d+s \S+\/step$/m); // 12 images, default batch size 12
    const rows = readCsv(path.join(pred, 'preds.csv'));
    expect(rows[0]).toEqual(['SAMPLE', 'benign', 'malignant']);
    const body = rows.slice(1);
    expect(body.map((r) => r[0])).toEqual(Object.keys(test.labels).sort());
    let correct = 0;
    for (const [sample, ...probs] of body) {
      const p = probs.map(Number);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      if (['benign', 'malignant'][p.indexOf(Math.max(...p))] === test.labels[sample!]) correct++;
      expect(isPng(path.join(pred, 'xai', `${sample}.png`)), `${sample}.png`).toBe(true);
    }
    expect(correct).toBeGreaterThanOrEqual(body.length - 1);
  });

  it('predicts with a standard model only from model.best_loss.keras, as block_pred.py: no falling back to model.last.keras', async () => {
    const partial = out('model-without-best');
    for (const file of ['meta.training.json', 'model.last.keras']) copyFileSync(path.join(modelDir, file), path.join(partial, file));
    const run = await runStandIn(['prediction', '--path_pred', 'pred/preds.csv'], {
      mounts: [`${testImages}:/data/test:ro`, `${partial}:/data/model:ro`, `${out('prediction-without-best')}:/data/pred`],
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toBe('ValueError: File not found: filepath=model/model.best_loss.keras. Please ensure the file is an accessible `.keras` zip file.');
  });

  it('evaluates predictions: metrics.performance.csv and the three plots', async () => {
    const evaluation = out('evaluation');
    const run = await runStandIn(
      ['evaluation', '--path_imagedir', 'test', '--path_gt', 'gt/annotations.csv', '--path_pred', 'pred/preds.csv'],
      { mounts: [`${testImages}:/data/test:ro`, `${groundTruth}:/data/gt:ro`, `${path.join(root, 'out', 'prediction')}:/data/pred:ro`, `${evaluation}:/data/evaluation`] },
    );
    expect(run.code, explain(run)).toBe(0);
    const rows = readCsv(path.join(evaluation, 'metrics.performance.csv'));
    expect(rows[0]).toEqual(['metric', 'score', 'class']);
    const metrics = new Map(rows.slice(1).map(([metric, score, cls]) => [`${cls}/${metric}`, Number(score)]));
    for (const cls of ['benign', 'malignant']) {
      for (const metric of ['TP', 'TN', 'FP', 'FN', 'Sensitivity', 'Specificity', 'Precision', 'F1', 'Accuracy', 'AUC']) {
        expect(metrics.has(`${cls}/${metric}`), `${cls}/${metric}`).toBe(true);
      }
      expect(metrics.get(`${cls}/TP`)! + metrics.get(`${cls}/FN`)!).toBe(6);
      expect(metrics.get(`${cls}/AUC`)).toBeGreaterThan(0.8);
    }
    for (const plot of ['plot.performance.barplot.png', 'plot.performance.confusion_matrix.png', 'plot.performance.roc.png']) {
      expect(isPng(path.join(evaluation, plot)), plot).toBe(true);
    }
  });

  it('scores labels by position, as AUCMEDI: one-hot columns in another order score the wrong classes, another number of classes fails', async () => {
    const reversed = path.join(root, 'gt-reversed');
    mkdirSync(reversed, { recursive: true });
    const oneHot = (order: string[]) => [`SAMPLE,${order.join(',')}`, ...Object.entries(test.labels).map(([sample, label]) => `${sample},${order.map((c) => (c === label ? 1 : 0)).join(',')}`)].join('\n') + '\n';
    writeFileSync(path.join(reversed, 'malignant-first.csv'), oneHot(['malignant', 'benign']));
    writeFileSync(path.join(reversed, 'three-classes.csv'), oneHot(['benign', 'malignant', 'cyst']));
    const evaluate = (gt: string, into: string) =>
      runStandIn(['evaluation', '--path_imagedir', 'test', '--path_gt', `gt/${gt}`, '--ohe', '--path_pred', 'pred/preds.csv'], {
        mounts: [`${testImages}:/data/test:ro`, `${reversed}:/data/gt:ro`, `${path.join(root, 'out', 'prediction')}:/data/pred:ro`, `${out(into)}:/data/evaluation`],
      });
    const swapped = await evaluate('malignant-first.csv', 'evaluation-swapped');
    expect(swapped.code, explain(swapped)).toBe(0);
    const rows = readCsv(path.join(root, 'out', 'evaluation-swapped', 'metrics.performance.csv'));
    const auc = new Map(rows.filter(([metric]) => metric === 'AUC').map(([, score, cls]) => [cls, Number(score)]));
    // the benign probabilities scored against the malignant labels: a good model looks worse than chance
    expect(auc.get('malignant')).toBeLessThan(0.2);
    // a third label column shifts the cut: the "predictions" take the benign labels as a third class,
    // and compute_confusion_matrix indexes past its 2 x 2 matrix (numpy's IndexError, as metrics.py)
    const three = await evaluate('three-classes.csv', 'evaluation-three');
    expect(three.code).toBe(1);
    expect(three.stderr.trim().split('\n').at(-1)).toBe('IndexError: index 2 is out of bounds for axis 0 with size 2');
  });

  it("evaluates as block_eval.py: an empty class folder fails, an all-0 one-hot column scores, names that are all numbers do not merge", async () => {
    const sets = path.join(root, 'eval-sets');
    const benign = Object.keys(test.labels).filter((sample) => test.labels[sample] === 'benign');
    const mountsFor = (into: string) => [`${testImages}:/data/test:ro`, `${sets}:/data/sets:ro`, `${path.join(root, 'out', 'prediction')}:/data/pred:ro`, `${out(into)}:/data/evaluation`];
    // class folders: benign/ with its images, malignant/ empty. pd.get_dummies gives one column for two class names.
    mkdirSync(path.join(sets, 'folders', 'benign'), { recursive: true });
    mkdirSync(path.join(sets, 'folders', 'malignant'));
    for (const sample of benign) writeFileSync(path.join(sets, 'folders', 'benign', `${sample}.png`), readFileSync(path.join(testImages, `${sample}.png`)));
    const empty = await runStandIn(['evaluation', '--path_imagedir', 'sets/folders', '--path_pred', 'pred/preds.csv'], { mounts: mountsFor('evaluation-empty-folder') });
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim().split('\n').at(-1)).toBe('ValueError: Shape of passed values is (6, 1), indices imply (6, 2)');
    expect(existsSync(path.join(root, 'out', 'evaluation-empty-folder', 'metrics.performance.csv'))).toBe(false);

    // the same labels as a one-hot file with a column of zeros for malignant: scored
    writeFileSync(path.join(sets, 'benign-only.csv'), ['SAMPLE,benign,malignant', ...benign.map((sample) => `${sample},1,0`)].join('\n') + '\n');
    const zeros = await runStandIn(['evaluation', '--path_imagedir', 'test', '--path_gt', 'sets/benign-only.csv', '--ohe', '--path_pred', 'pred/preds.csv'], { mounts: mountsFor('evaluation-zeros') });
    expect(zeros.code, explain(zeros)).toBe(0);
    expect(zeros.stdout).toContain('ROC AUC score is not defined.');
    const rows = readCsv(path.join(root, 'out', 'evaluation-zeros', 'metrics.performance.csv'));
    const malignant = new Map(rows.filter(([, , cls]) => cls === 'malignant').map(([metric, score]) => [metric, score]));
    expect(Object.fromEntries(malignant)).toMatchObject({ TP: '0.0', FN: '0.0', Sensitivity: '', F1: '' });
    expect(malignant.has('AUC')).toBe(false);
    expect(Number(malignant.get('TN')) + Number(malignant.get('FP'))).toBe(6);
    // a softmax model's predictions are scored single-label (by argmax), though the file is one-hot
    expect(isPng(path.join(root, 'out', 'evaluation-zeros', 'plot.performance.confusion_matrix.png'))).toBe(true);

    // pandas reads a SAMPLE column of 001, 002 as numbers, which do not merge with the labels' names
    mkdirSync(path.join(sets, 'numbers', 'benign'), { recursive: true });
    mkdirSync(path.join(sets, 'numbers', 'malignant'));
    writeFileSync(path.join(sets, 'numbers', 'benign', '001.png'), readFileSync(path.join(testImages, `${benign[0]}.png`)));
    writeFileSync(path.join(sets, 'numbers', 'malignant', '002.png'), readFileSync(path.join(testImages, `${benign[1]}.png`)));
    writeFileSync(path.join(sets, 'numbers.csv'), 'SAMPLE,benign,malignant\n001,0.75,0.25\n002,0.25,0.75\n');
    const numbers = await runStandIn(['evaluation', '--path_imagedir', 'sets/numbers', '--path_pred', 'sets/numbers.csv'], { mounts: mountsFor('evaluation-numbers') });
    expect(numbers.code).toBe(1);
    expect(numbers.stderr).toMatch(/ValueError: You are trying to merge on int64 and object columns/);
  });

  it('fails like Keras offline when a pretrained architecture has no weights file', async () => {
    const dir = out('densenet-missing');
    const run = await runStandIn(['training', '--architecture', 'DenseNet121', '--epochs', '2'], {
      mounts: [`${dataset}:/data/training:ro`, `${dir}:/data/model`],
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Downloading data from https://storage.googleapis.com/tensorflow/keras-applications/densenet/${DENSENET_FILE}`);
    expect(run.stderr).toContain('Traceback (most recent call last):');
    expect(run.stderr.trim().split('\n').at(-1)).toBe(URL_FAILURE);
  });

  it('uses the weights file mounted read-only at $KERAS_HOME/models when KERAS_HOME is writable (an image with the TEST hash table)', async () => {
    const dir = out('densenet');
    const run = await runStandIn(['training', '--architecture', 'DenseNet121', '--epochs', '2', '--batch_size', '8'], {
      mounts: [`${dataset}:/data/training:ro`, `${dir}:/data/model`, `${weights}:/tmp/keras/models:ro`],
      env: { KERAS_HOME: '/tmp/keras' },
      extra: ['--tmpfs', '/tmp/keras:mode=1777'],
      image: buildStandInVariant('keras3TestWeights'),
    });
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).not.toContain('Downloading data from');
    expect(existsSync(path.join(dir, 'model.best_loss.keras'))).toBe(true);
  }, 600_000);

  it('checks the file against the hash Keras declares: the default image downloads a fake file again, which fails offline', async () => {
    const dir = out('densenet-fake');
    const run = await runStandIn(['training', '--architecture', 'DenseNet121', '--epochs', '2', '--batch_size', '8'], {
      mounts: [`${dataset}:/data/training:ro`, `${dir}:/data/model`, `${weights}:/tmp/keras/models:ro`],
      env: { KERAS_HOME: '/tmp/keras' },
      extra: ['--tmpfs', '/tmp/keras:mode=1777'],
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('because the auto file hash does not match the original value of 30ee3e1110167f948a6b9946edeeb738 so we will re-download the data.');
    expect(run.stdout).toContain(`Downloading data from https://storage.googleapis.com/tensorflow/keras-applications/densenet/${DENSENET_FILE}`);
    expect(run.stderr).toContain(URL_FAILURE);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(`OSError: [Errno 30] Read-only file system: '/tmp/keras/models/${DENSENET_FILE}'`);
  });

  it('ignores a KERAS_HOME that is not writable, as Keras does (falls back to /tmp/.keras)', async () => {
    const readOnlyCache = path.join(root, 'keras-cache');
    mkdirSync(path.join(readOnlyCache, 'models'), { recursive: true });
    writeFileSync(path.join(readOnlyCache, 'models', DENSENET_FILE), 'weights');
    const dir = out('densenet-readonly-home');
    const run = await runStandIn(['training', '--architecture', 'DenseNet121', '--epochs', '2'], {
      mounts: [`${dataset}:/data/training:ro`, `${dir}:/data/model`, `${readOnlyCache}:/keras:ro`],
      env: { KERAS_HOME: '/keras' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(URL_FAILURE);
  });

  it('fails with a traceback for a missing image directory, an unknown architecture and bad options', async () => {
    const missing = await runStandIn(['training', '--path_imagedir', 'no_such_dir', '--architecture', 'Vanilla']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Traceback (most recent call last):');
    expect(missing.stderr).toContain("FileNotFoundError: [Errno 2] No such file or directory: 'no_such_dir'");

    const dir = out('unknown-architecture');
    const unknown = await runStandIn(['training', '--architecture', 'NoSuchNet'], { mounts: [`${dataset}:/data/training:ro`, `${dir}:/data/model`] });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Traceback (most recent call last):');
    expect(unknown.stderr).toContain("KeyError: '2D.NoSuchNet'");

    const bad = await runStandIn(['training', '--analysis', 'maximal']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/aucmedi training: error: argument --analysis: invalid choice: 'maximal'/);
  });

  it('trains the advanced pipeline: one model per architecture (k-fold) and predicts with the ensemble', async () => {
    const dir = out('advanced');
    const run = await runStandIn(
      ['training', '--analysis', 'advanced', '--architecture', 'Vanilla,Vanilla', '--epochs', '2', '--batch_size', '8', '--metalearner', 'weighted_mean'],
      { mounts: [`${dataset}:/data/training:ro`, `${dir}:/data/model`] },
    );
    expect(run.code, explain(run)).toBe(0);
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['cv_0.model.keras', 'cv_1.model.keras', 'metalearner.model.pickle', 'meta.training.json']));
    expect(files).not.toContain('logs.training.csv');
    const pred = out('advanced-prediction');
    const prediction = await runStandIn(['prediction', '--path_pred', 'pred/preds.csv'], {
      mounts: [`${testImages}:/data/test:ro`, `${dir}:/data/model:ro`, `${pred}:/data/pred`],
    });
    expect(prediction.code, explain(prediction)).toBe(0);
    expect(readCsv(path.join(pred, 'preds.csv'))).toHaveLength(13);
  });

  it('reads NIfTI volumes with --three_dim', async () => {
    const volumes = path.join(root, 'volumes');
    makeVolumeDataset(volumes, { classes: { left: 6, right: 6 }, size: 12, seed: 3 });
    const dir = out('three-dim');
    const run = await runStandIn(
      ['training', '--three_dim', '--shape_3D', '12x12x12', '--analysis', 'minimal', '--architecture', 'Vanilla', '--epochs', '3', '--batch_size', '4'],
      { mounts: [`${volumes}:/data/training:ro`, `${dir}:/data/model`] },
    );
    expect(run.code, explain(run)).toBe(0);
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.training.json'), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ three_dim: true, shape_3D: [12, 12, 12], class_names: ['left', 'right'] });
  });

  it('redraws the bar with \\r on a TTY, slowed down by AUCMEDI_STANDIN_BATCH_DELAY', async () => {
    const dir = out('tty');
    const started = Date.now();
    const run = await runStandIn(['training', '--analysis', 'minimal', '--architecture', 'Vanilla', '--epochs', '1', '--batch_size', '4'], {
      mounts: [`${dataset}:/data/training:ro`, `${dir}:/data/model`],
      env: { AUCMEDI_STANDIN_BATCH_DELAY: '0.06' },
      extra: ['-t'],
    });
    expect(run.code, explain(run)).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(12 * 60);
    expect(run.stdout).toMatch(/\r\s*\d+\/12 \[[=>.]+\] - ETA: \d+s - loss: \S+ - auc: \S+/);
    expect(run.stdout.match(/ETA:/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(run.stdout).toMatch(/12\/12 \[=+\] - \d+s \S+\/step - loss: \S+ - auc: \S+\r?\n/);
  });

  it('runs as an arbitrary uid:gid and writes files that uid owns', async () => {
    const dir = out('other-uid', 0o777);
    const run = await runStandIn(['training', '--analysis', 'minimal', '--architecture', 'Vanilla', '--epochs', '1'], {
      mounts: [`${dataset}:/data/training:ro`, `${dir}:/data/model`],
      user: '4242:4242',
    });
    expect(run.code, explain(run)).toBe(0);
    expect(statSync(path.join(dir, 'model.last.keras')).uid).toBe(4242);
  });
});
