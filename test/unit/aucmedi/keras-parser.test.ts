import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogStream, ProgressEvent, ProgressResult } from '../../../src/api/progress';
import { explainError } from '../../../src/aucmedi/explain-error';
import {
  KerasParser,
  metricName,
  parseDuration,
  parseLog,
  parseMetrics,
  parseMetricValue,
  plainException,
  stripAnsi,
  type KerasParserOptions,
  type LogPiece,
} from '../../../src/aucmedi/keras-parser';
import { splitLines } from '../../../src/aucmedi/line-splitter';
import { rng } from '../../helpers/images';

const FIXTURES = path.resolve('test/fixtures/keras');

/** A fixture as stream pieces: `NAME.log` (one TTY stream) or `NAME.stdout.log` + `NAME.stderr.log`. */
function fixture(name: string): LogPiece[] {
  const single = path.join(FIXTURES, `${name}.log`);
  if (existsSync(single)) return [{ stream: 'stdout', chunk: readFileSync(single) }];
  return [
    { stream: 'stdout', chunk: readFileSync(path.join(FIXTURES, `${name}.stdout.log`)) },
    { stream: 'stderr', chunk: readFileSync(path.join(FIXTURES, `${name}.stderr.log`)) },
  ];
}

const FIXTURE_NAMES = [
  'tf2-standard-tty',
  'keras3-standard-tty',
  'keras3-minimal',
  'tf2-missing-weights',
  'tf2-oom',
  'standin-standard',
  'standin-standard-tty',
  'standin-minimal-3-epochs',
  'standin-prediction-tty',
  'standin-missing-weights',
  'standin-unknown-architecture',
];

/** Feed lines (one stream, or `[stream, line]` pairs) and end; the result and every event. */
function run(lines: readonly (string | readonly [LogStream, string])[], options: KerasParserOptions = {}) {
  const events: ProgressEvent[] = [];
  const parser = new KerasParser({ ...options, onEvent: (event) => events.push(event) });
  for (const item of lines) {
    if (typeof item === 'string') parser.write('stdout', `${item}\n`);
    else parser.write(item[0], `${item[1]}\n`);
  }
  parser.end();
  return { result: parser.result(), events, parser };
}

const ofType = <T extends ProgressEvent['type']>(events: ProgressEvent[], type: T) =>
  events.filter((event): event is Extract<ProgressEvent, { type: T }> => event.type === type);

/** Random chunks (seeded) of each piece, the streams' chunks interleaved at random, each stream in order. */
function randomPieces(pieces: readonly LogPiece[], seed: number, maxSize: number): LogPiece[] {
  const random = rng(seed);
  const queues = pieces.map((piece) => {
    const bytes = Buffer.isBuffer(piece.chunk) ? piece.chunk : Buffer.from(piece.chunk);
    const chunks: LogPiece[] = [];
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + Math.floor(random.next() * maxSize);
      chunks.push({ stream: piece.stream, chunk: bytes.subarray(at, at + size) });
      at += size;
    }
    return chunks;
  });
  const out: LogPiece[] = [];
  while (queues.some((queue) => queue.length > 0)) {
    const open = queues.filter((queue) => queue.length > 0);
    out.push(open[Math.floor(random.next() * open.length)]!.shift()!);
  }
  return out;
}

/** Chunks cut right after every `\r` (a CRLF split across chunks, `\r` in the middle of others). */
function cutAfterCr(pieces: readonly LogPiece[]): LogPiece[] {
  const out: LogPiece[] = [];
  for (const piece of pieces) {
    const bytes = Buffer.isBuffer(piece.chunk) ? piece.chunk : Buffer.from(piece.chunk);
    let start = 0;
    for (let i = 0; i < bytes.length; i += 1) {
      if (bytes[i] === 13 && (i + 1 - start > 1 || i % 3 === 0)) {
        out.push({ stream: piece.stream, chunk: bytes.subarray(start, i + 1) });
        start = i + 1;
      }
    }
    out.push({ stream: piece.stream, chunk: bytes.subarray(start) });
  }
  return out;
}

/** Feed each line of each piece through `KerasParser.line` (the splitter used only to cut the text). */
function lineByLine(pieces: readonly LogPiece[], options: KerasParserOptions = {}): ProgressResult {
  const parser = new KerasParser(options);
  for (const piece of pieces) for (const l of splitLines(piece.chunk)) parser.line(piece.stream, l.text, l.redraw);
  parser.end();
  return parser.result();
}

describe('the Keras console parser', () => {
  describe('progress bars', () => {
    it('reads the old Keras finished line of the contract', () => {
      const { result, events } = run([
        'Epoch 3/25',
        '177/177 [==============================] - 21s 92ms/step - loss: 0.5103 - auc: 0.9563 - f1_score: 0.7556 - val_loss: 0.2077 - val_auc: 0.9864 - val_f1_score: 0.8958 - lr: 1.0000e-04',
      ]);
      expect(result.epochs).toEqual([
        {
          epoch: 3,
          model: 0,
          phase: 'frozen',
          seconds: 21,
          metrics: { loss: 0.5103, auc: 0.9563, f1_score: 0.7556, val_loss: 0.2077, val_auc: 0.9864, val_f1_score: 0.8958, lr: 1e-4 },
        },
      ]);
      expect(result).toMatchObject({ epoch: 3, totalEpochs: 25, batch: 177, totalBatches: 177, etaSeconds: null });
      expect(ofType(events, 'epoch-end')).toEqual([{ type: 'epoch-end', metrics: result.epochs[0], replaces: false }]);
    });

    it('reads the TTY redraw: batch, batches, ETA (31s, 1:02, 1:02:03) and the live metrics', () => {
      const parser = new KerasParser();
      parser.write('stdout', 'Epoch 1/10\n');
      parser.write('stdout', '\r  12/177 [>.............................] - ETA: 31s - loss: 0.7012 - auc: 0.81\b\b\b');
      expect(parser.state()).toMatchObject({ phase: 'frozen', epoch: 1, batch: 12, totalBatches: 177, etaSeconds: 31, liveMetrics: { loss: 0.7012, auc: 0.81 } });
      parser.write('stdout', '\r  40/177 [======>.......................] - ETA: 1:02 - loss: 0.6512 - auc: 0.85 - f1_score: nan\b');
      expect(parser.state()).toMatchObject({ batch: 40, etaSeconds: 62, liveMetrics: { loss: 0.6512, auc: 0.85, f1_score: null } });
      parser.write('stdout', '\r  41/177 [======>.......................] - ETA: 1:02:03 - loss: 0.6500 - auc: 0.85\b');
      expect(parser.state().etaSeconds).toBe(3723);
      expect(parser.epochs()).toEqual([]);
    });

    it('reads the Keras 3 bars, with or without colours; learning_rate becomes lr', () => {
      for (const colour of [false, true]) {
        const paint = (text: string, code: number) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
        const bar = (current: number, time: string) =>
          `${paint(`${String(current).padStart(3)}/177`, 1)} ${paint('━'.repeat(Math.floor((20 * current) / 177)), 32)}${paint('━'.repeat(20 - Math.floor((20 * current) / 177)), 37)} ${paint(time, 1)}`;
        const parser = new KerasParser();
        parser.write('stdout', 'Epoch 1/10\n');
        parser.write('stdout', `${bar(12, '31s')} 180ms/step - auc: 0.81 - loss: 0.70\n`);
        expect(parser.state()).toMatchObject({ batch: 12, totalBatches: 177, etaSeconds: 31, liveMetrics: { auc: 0.81, loss: 0.7 } });
        parser.write('stdout', `${bar(100, '1:02')} 180ms/step - auc: 0.88 - loss: 0.60\n`);
        expect(parser.state().etaSeconds).toBe(62);
        parser.write('stdout', `${bar(177, '21s')} 92ms/step - auc: 0.95 - loss: 0.51 - val_auc: 0.97 - val_loss: 0.21 - learning_rate: 1.0000e-04\n`);
        parser.end();
        expect(parser.epochs()).toEqual([
          { epoch: 1, model: 0, phase: 'frozen', seconds: 21, metrics: { auc: 0.95, loss: 0.51, val_auc: 0.97, val_loss: 0.21, lr: 1e-4 } },
        ]);
        expect(parser.state()).toMatchObject({ batch: 177, totalBatches: 177, etaSeconds: null });
      }
    });

    it('takes nan, inf, exponents and negative values (nan and inf as null, JSON has no such numbers)', () => {
      const { result } = run([
        'Epoch 1/1',
        '5/5 [==============================] - 0s 2ms/step - loss: nan - auc: -inf - f1_score: 0.0000e+00 - val_loss: inf - val_auc: -0.5 - lr: 1.0000e-04',
      ]);
      expect(result.epochs[0]!.metrics).toEqual({ loss: null, auc: null, f1_score: 0, val_loss: null, val_auc: -0.5, lr: 1e-4 });
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    });

    it('reads verbose=2 lines and bars of unknown length', () => {
      const { result } = run(['Epoch 2/5', '177/177 - 21s - loss: 0.5103 - auc: 0.9563 - val_loss: 0.2077 - 21s/epoch - 121ms/step']);
      expect(result.epochs).toEqual([{ epoch: 2, model: 0, phase: 'frozen', seconds: 21, metrics: { loss: 0.5103, auc: 0.9563, val_loss: 0.2077 } }]);

      const parser = new KerasParser();
      parser.write('stdout', 'Epoch 1/3\n     12/Unknown - 21s 92ms/step - loss: 0.5000\n');
      expect(parser.state()).toMatchObject({ batch: 12, totalBatches: null, etaSeconds: null, liveMetrics: { loss: 0.5 } });
      parser.write('stdout', '     30/Unknown 35s 90ms/step - loss: 0.4000\n');
      expect(parser.state()).toMatchObject({ batch: 30, totalBatches: null, liveMetrics: { loss: 0.4 } });
      expect(parser.epochs()).toEqual([]);
    });

    it('exports its small readers', () => {
      expect(parseDuration('31s')).toBe(31);
      expect(parseDuration('1:02')).toBe(62);
      expect(parseDuration('1:02:03')).toBe(3723);
      expect(parseDuration('92ms/step')).toBeNaN();
      expect(parseMetricValue('1.0000e-04')).toBe(1e-4);
      expect(parseMetricValue('nan')).toBeNull();
      expect(parseMetricValue('[0.5 0.6]')).toBeUndefined();
      expect(metricName('learning_rate')).toBe('lr');
      expect(metricName('val_f1_score')).toBe('val_f1_score');
      expect(parseMetrics(' - loss: 0.5 - weird - acc: x - auc: 0.9 ')).toEqual({ loss: 0.5, auc: 0.9 });
      expect(plainException('tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM when allocating tensor')).toBe(
        'ResourceExhaustedError: OOM when allocating tensor',
      );
      expect(plainException('KeyboardInterrupt')).toBe('KeyboardInterrupt');
      expect(stripAnsi('\x1b[1m12/177\x1b[0m \x1b[32m━\x1b[0m')).toBe('12/177 ━');
    });
  });

  describe('epochs, phases and callbacks', () => {
    it('goes starting -> frozen (epochs 1-10) -> fine-tuning (from 11) -> finished', () => {
      const { result, events } = run([
        '2024-01-01 10:00:00.123456: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on.',
        'Epoch 1/10',
        '5/5 [==============================] - 1s 9ms/step - loss: 0.6 - auc: 0.7',
        'Epoch 10/10',
        '5/5 [==============================] - 1s 9ms/step - loss: 0.5 - auc: 0.8',
        'Epoch 11/25',
        '5/5 [==============================] - 1s 9ms/step - loss: 0.4 - auc: 0.9',
      ]);
      expect(ofType(events, 'phase').map((e) => e.phase)).toEqual(['frozen', 'fine-tuning', 'finished']);
      expect(ofType(events, 'epoch-start')).toEqual([
        { type: 'epoch-start', model: 0, epoch: 1, totalEpochs: 10, phase: 'frozen' },
        { type: 'epoch-start', model: 0, epoch: 10, totalEpochs: 10, phase: 'frozen' },
        { type: 'epoch-start', model: 0, epoch: 11, totalEpochs: 25, phase: 'fine-tuning' },
      ]);
      expect(result.epochs.map((e) => [e.epoch, e.phase])).toEqual([[1, 'frozen'], [10, 'frozen'], [11, 'fine-tuning']]);
      expect(result).toMatchObject({ phase: 'finished', epoch: 11, totalEpochs: 25 });
    });

    it('knows the whole run\'s epochs from the start when told (--epochs)', () => {
      const parser = new KerasParser({ totalEpochs: 25 });
      expect(parser.state()).toMatchObject({ phase: 'starting', epoch: null, totalEpochs: 25 });
      parser.write('stdout', 'Epoch 1/10\n');
      expect(parser.state().totalEpochs).toBe(25);
    });

    it('follows ModelCheckpoint, ReduceLROnPlateau, EarlyStopping and restored weights, old and new forms', () => {
      const { result, events } = run([
        'Epoch 1/30',
        'Epoch 1: val_loss improved from inf to 0.20766, saving model to model/model.best_loss.keras',
        '5/5 [==============================] - 1s 9ms/step - loss: 0.3 - val_loss: 0.2077',
        'Epoch 2/30',
        'Epoch 00002: val_loss improved from 0.20766 to 0.19000, saving model to model/model.best_loss.keras',
        '5/5 [==============================] - 1s 9ms/step - loss: 0.3 - val_loss: 0.19',
        'Epoch 3/30',
        'Epoch 3: val_loss did not improve from 0.19000',
        'Epoch 3: ReduceLROnPlateau reducing learning rate to 9.999999747378752e-07.',
        'Restoring model weights from the end of the best epoch: 2.',
        '5/5 [==============================] - 1s 9ms/step - loss: 0.3 - val_loss: 0.25',
        'Epoch 3: early stopping',
      ]);
      expect(result.bestEpoch).toEqual({ model: 0, epoch: 2, monitor: 'val_loss', value: 0.19 });
      expect(result.lrChanges).toEqual([{ model: 0, epoch: 3, lr: 9.999999747378752e-7 }]);
      expect(result).toMatchObject({ earlyStopped: true, stoppedEpoch: 3, restoredEpoch: 2 });
      expect(events.filter((e) => e.type !== 'log' && e.type !== 'batch' && e.type !== 'phase' && e.type !== 'epoch-start' && e.type !== 'epoch-end')).toEqual([
        { type: 'best', best: { model: 0, epoch: 1, monitor: 'val_loss', value: 0.20766 } },
        { type: 'best', best: { model: 0, epoch: 2, monitor: 'val_loss', value: 0.19 } },
        { type: 'lr', change: { model: 0, epoch: 3, lr: 9.999999747378752e-7 } },
        { type: 'restored', model: 0, epoch: 2 },
        { type: 'early-stop', model: 0, epoch: 3 },
      ]);
    });

    it('clears early stopping when training goes on (the frozen fit stopped, fine-tuning starts)', () => {
      const { result } = run(['Epoch 9/10', 'Epoch 9: early stopping', 'Epoch 11/20', '5/5 [==============================] - 1s 9ms/step - loss: 0.3']);
      expect(result).toMatchObject({ earlyStopped: false, stoppedEpoch: null, epoch: 11, phase: 'finished' });
    });

    it('keeps one epoch when Keras 3 prints the last batch, the callbacks, then the final line with validation', () => {
      const { result, events } = run([
        'Epoch 1/10',
        '12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 1s/step - auc: 0.70 - loss: 0.66',
        'Epoch 1: val_loss improved from inf to 0.57000, saving model to model/model.best_loss.keras',
        '12/12 ━━━━━━━━━━━━━━━━━━━━ 48s 4s/step - auc: 0.71 - loss: 0.66 - val_auc: 0.72 - val_loss: 0.57 - learning_rate: 1.0000e-04',
        'Epoch 2/10',
      ]);
      expect(result.epochs).toEqual([{ epoch: 1, model: 0, phase: 'frozen', seconds: 48, metrics: { auc: 0.71, loss: 0.66, val_auc: 0.72, val_loss: 0.57, lr: 1e-4 } }]);
      expect(ofType(events, 'epoch-end').map((e) => [e.metrics.epoch, e.replaces, e.metrics.seconds])).toEqual([[1, false, 0], [1, true, 48]]);
    });

    it('counts an epoch Keras started without a header (a fit of one epoch prints none)', () => {
      const { result, events } = run(['5/5 [==============================] - 1s 9ms/step - loss: 0.6 - auc: 0.7'], { totalEpochs: 1 });
      expect(result.epochs.map((e) => e.epoch)).toEqual([1]);
      // --epochs 1 still trains AUCMEDI's 10 frozen epochs: the total is 10.
      expect(ofType(events, 'epoch-start')).toEqual([{ type: 'epoch-start', model: 0, epoch: 1, totalEpochs: 10, phase: 'frozen' }]);
    });

    it('counts models when the epochs start again (advanced analysis: one model per fold)', () => {
      const fit = (epoch: number, total: number, valLoss: number) => [
        `Epoch ${epoch}/${total}`,
        `Epoch ${epoch}: val_loss improved from inf to ${valLoss.toFixed(5)}, saving model to /tmp/aucmedi.tmp.1.composite/cv_0.model.keras`,
        `3/3 [==============================] - 0s 1ms/step - loss: 0.6 - val_loss: ${valLoss}`,
      ];
      const { result } = run([...fit(1, 10, 0.5), ...fit(11, 12, 0.4), ...fit(1, 10, 0.6)]);
      expect(result.epochs.map((e) => [e.model, e.epoch, e.phase])).toEqual([[0, 1, 'frozen'], [0, 11, 'fine-tuning'], [1, 1, 'frozen']]);
      expect(result).toMatchObject({ model: 1, bestEpoch: { model: 1, epoch: 1, value: 0.6 }, phase: 'finished' });
    });

    it('calls a bar without metrics outside an epoch prediction', () => {
      const { result, events } = run([
        '1/6 [====>.........................] - ETA: 3s',
        '6/6 [==============================] - 1s 150ms/step',
      ]);
      expect(ofType(events, 'phase').map((e) => e.phase)).toEqual(['predicting', 'finished']);
      expect(result).toMatchObject({ epoch: null, batch: 6, totalBatches: 6, etaSeconds: null, epochs: [] });
      // ... also after training (advanced analysis predicts its validation folds)
      const after = run(['Epoch 1/1', '3/3 [==============================] - 0s 1ms/step - loss: 0.6', '2/2 [==============================] - 0s 3ms/step']);
      expect(ofType(after.events, 'phase').map((e) => e.phase)).toEqual(['frozen', 'predicting', 'finished']);
      expect(after.result.epochs).toHaveLength(1);
    });

    it('does not take Keras\'s download bar for batches', () => {
      const { result, events } = run([
        'Downloading data from https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5',
        '    8192/29084464 [..............................] - ETA: 0s',
        '29084464/29084464 [==============================] - 0s 0us/step',
        'Epoch 1/10',
      ]);
      expect(ofType(events, 'batch')).toEqual([]);
      expect(result).toMatchObject({ batch: null, totalBatches: null, epoch: 1, phase: 'finished' });
    });
  });

  describe('noise and errors', () => {
    it('classifies TensorFlow lines (both forms) and counts warnings; harmless E lines are not errors', () => {
      const { result, events } = run([
        ['stderr', '2024-01-01 10:00:00.123456: I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized'],
        ['stderr', '2024-01-01 10:00:00.223456: W tensorflow/core/common_runtime/gpu/gpu_device.cc:2211] Cannot dlopen some GPU libraries.'],
        ['stderr', '2024-01-01 10:00:00.323456: E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:9261] Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered'],
        ['stderr', 'E0000 00:00:1709630047.560981      17 cuda_driver.cc:266] failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected'],
        ['stderr', 'W0000 00:00:1709630047.561034      17 gpu_device.cc:2344] Cannot dlopen some GPU libraries.'],
        ['stderr', '/usr/lib/python3/dist-packages/keras/src/trainers/data_adapters/py_dataset_adapter.py:121: UserWarning: Your `PyDataset` class should call `super().__init__(**kwargs)` in its constructor.'],
        ['stderr', '  self._warn_if_super_not_called()'],
        ['stderr', 'WARNING:tensorflow:Compiled the loaded model, but the compiled metrics have yet to be built.'],
        ['stdout', 'ROC AUC score is not defined.'],
      ]);
      expect(result).toMatchObject({ lastError: null, errors: [], warnings: 4, phase: 'finished' });
      expect(ofType(events, 'log').map((e) => [e.stream, e.kind, e.level])).toEqual([
        ['stderr', 'tensorflow', 'info'],
        ['stderr', 'tensorflow', 'warning'],
        ['stderr', 'tensorflow', 'warning'],
        ['stderr', 'tensorflow', 'warning'],
        ['stderr', 'tensorflow', 'warning'],
        ['stderr', 'warning', 'warning'],
        ['stderr', 'warning', 'warning'],
        ['stderr', 'warning', 'warning'],
        ['stdout', 'output', 'info'],
      ]);
    });

    it('takes TensorFlow E and F lines, and out-of-memory reports, as errors', () => {
      const oom = run([
        ['stderr', '2024-01-01 10:00:05.000001: E tensorflow/core/common_runtime/executor.cc:1210] Executor failed: ResourceExhaustedError: OOM when allocating tensor with shape[24,64,112,112]'],
      ]);
      expect(oom.result.lastError).toBe('Executor failed: ResourceExhaustedError: OOM when allocating tensor with shape[24,64,112,112]');
      expect(ofType(oom.events, 'error')).toEqual([{ type: 'error', stream: 'stderr', message: oom.result.lastError }]);
      const fatal = run([['stderr', 'F0000 00:00:1709630047.560981      17 gpu_util.cc:123] Check failed: status.ok() CUDA error']]);
      expect(fatal.result.lastError).toBe('Check failed: status.ok() CUDA error');
      const warned = run([['stderr', '2024-01-01 10:00:05.000001: W tensorflow/core/framework/op_kernel.cc:1828] OP_REQUIRES failed at conv_ops.cc:1068 : RESOURCE_EXHAUSTED: OOM when allocating tensor']]);
      expect(warned.result.lastError).toBe('OP_REQUIRES failed at conv_ops.cc:1068 : RESOURCE_EXHAUSTED: OOM when allocating tensor');
    });

    it('reads a traceback: the final exception line, plain; frames are not errors', () => {
      const { result, events } = run([
        ['stderr', 'Traceback (most recent call last):'],
        ['stderr', '  File "/usr/local/bin/aucmedi", line 1526, in <module>'],
        ['stderr', '    main()'],
        ['stderr', '    for c, subdirectory in enumerate(sorted(os.listdir(path_imagedir))):'],
        ['stderr', '                                            ^^^^^^^^^^^^^^^^^^^^^^^^^'],
        ['stderr', "FileNotFoundError: [Errno 2] No such file or directory: 'training'"],
      ]);
      expect(result.lastError).toBe("FileNotFoundError: [Errno 2] No such file or directory: 'training'");
      expect(result.errors).toEqual([result.lastError]);
      expect(ofType(events, 'error')).toHaveLength(1);
      expect(ofType(events, 'log').every((e) => e.kind === 'traceback')).toBe(true);
    });

    it('keeps the chain of a chained traceback, the last exception last', () => {
      const { result } = run([
        ['stderr', 'Traceback (most recent call last):'],
        ['stderr', '  File "/usr/local/bin/aucmedi", line 481, in resolve_architecture'],
        ['stderr', "KeyError: '2D.NoSuchNet'"],
        ['stderr', ''],
        ['stderr', 'The above exception was the direct cause of the following exception:'],
        ['stderr', ''],
        ['stderr', 'Traceback (most recent call last):'],
        ['stderr', '  File "/usr/local/bin/aucmedi", line 483, in resolve_architecture'],
        ['stderr', "AttributeError: 'str' object has no attribute 'create_model'"],
      ]);
      expect(result.errors).toEqual(["KeyError: '2D.NoSuchNet'", "AttributeError: 'str' object has no attribute 'create_model'"]);
      expect(result.lastError).toBe("AttributeError: 'str' object has no attribute 'create_model'");
    });

    it('finds the point of a `Graph execution error:` a few lines below it', () => {
      const { result } = run([
        ['stderr', 'Traceback (most recent call last):'],
        ['stderr', '  File "/usr/local/bin/aucmedi", line 8, in <module>'],
        ['stderr', 'tensorflow.python.framework.errors_impl.ResourceExhaustedError: Graph execution error:'],
        ['stderr', ''],
        ['stderr', 'Detected at node model/conv/Conv2D defined at (most recent call last):'],
        ['stderr', '  File "/usr/local/bin/aucmedi", line 8, in <module>'],
        ['stderr', "Node: 'model/conv/Conv2D'"],
        ['stderr', 'OOM when allocating tensor with shape[24,64,112,112] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc'],
        ['stderr', '\t [[{{node model/conv/Conv2D}}]]'],
        ['stderr', 'Hint: If you want to see a list of allocated tensors when OOM happens, add report_tensor_allocations_upon_oom to RunOptions.'],
        ['stderr', ' [Op:__inference_train_function_12345]'],
      ]);
      expect(result.lastError).toBe(
        'ResourceExhaustedError: OOM when allocating tensor with shape[24,64,112,112] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc',
      );
      expect(result.errors).toEqual([result.lastError]);
    });

    it('takes argparse and logging errors', () => {
      expect(run([['stderr', "usage: aucmedi training [--path_imagedir PATH_IMAGEDIR]"], ['stderr', "aucmedi training: error: argument --analysis: invalid choice: 'x' (choose from 'minimal', 'standard', 'advanced')"]]).result.lastError).toBe(
        "aucmedi training: error: argument --analysis: invalid choice: 'x' (choose from 'minimal', 'standard', 'advanced')",
      );
      expect(run([['stderr', 'ERROR:root:Could not read image training/a/1.png']]).result.lastError).toBe('Could not read image training/a/1.png');
    });

    it('keeps few error lines, each bounded', () => {
      const lines = Array.from({ length: 50 }, (_, i) => ['stderr', `2024-01-01 10:00:00.000000: E tensorflow/x.cc:1] failure ${i} ${'x'.repeat(i === 49 ? 10_000 : 1)}`] as const);
      const { result } = run(lines);
      expect(result.errors).toHaveLength(8);
      expect(result.errors[0]).toMatch(/^failure 42 /);
      expect(result.lastError!.length).toBeLessThanOrEqual(2000);
    });

    it('splits what another writer glued to an unterminated bar on a TTY', () => {
      const parser = new KerasParser();
      parser.write('stdout', 'Epoch 1/10\r\n\r 7/12 [=================>............] - ETA: 6s - loss: 0.6 - auc: 0.7');
      parser.write('stdout', '2024-03-05 09:31:44.100213: W tensorflow/core/data/root_dataset.cc:286] Optimization loop failed: CANCELLED\r\n');
      expect(parser.state()).toMatchObject({ batch: 7, etaSeconds: 6, warnings: 1, liveMetrics: { loss: 0.6, auc: 0.7 } });
      parser.write('stdout', '\b\b\b\r 9/12 [======================>.......] - ETA: 4s - loss: 0.5 - auc: 0.8');
      parser.write('stdout', 'Traceback (most recent call last):\r\n  File "x.py", line 1, in <module>\r\nKeyboardInterrupt\r\n');
      parser.end();
      expect(parser.state()).toMatchObject({ batch: 9, lastError: 'KeyboardInterrupt' });
    });
  });

  describe('transcripts', () => {
    it('a full AUCMEDI standard run, tf.keras 2 on a TTY (tf2-standard-tty)', () => {
      const { result, events } = (() => {
        const events: ProgressEvent[] = [];
        const parser = new KerasParser({ onEvent: (e) => events.push(e), everyRedraw: true });
        for (const piece of fixture('tf2-standard-tty')) parser.write(piece.stream, piece.chunk);
        parser.end();
        return { result: parser.result(), events };
      })();
      expect(result.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(result.epochs.filter((e) => e.phase === 'frozen').map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(result.epochs[0]).toEqual({
        epoch: 1,
        model: 0,
        phase: 'frozen',
        seconds: 91,
        metrics: { loss: 0.68, auc: 0.71, f1_score: 0.562, val_loss: 0.598, val_auc: 0.729, val_f1_score: 0.51, lr: 1e-4 },
      });
      expect(result.epochs[1]!.metrics.val_f1_score).toBe(0);
      expect(result.epochs.map((e) => e.metrics.lr)).toEqual([...Array(10).fill(1e-4), ...Array(13).fill(1e-5), ...Array(5).fill(1e-6), 1e-7, 1e-7]);
      expect(result).toMatchObject({
        phase: 'finished',
        epoch: 30,
        totalEpochs: 50,
        batch: 12,
        totalBatches: 12,
        bestEpoch: { model: 0, epoch: 18, monitor: 'val_loss', value: 0.224 },
        earlyStopped: true,
        stoppedEpoch: 30,
        restoredEpoch: 18,
        lrChanges: [
          { model: 0, epoch: 23, lr: 9.999999747378752e-7 },
          { model: 0, epoch: 28, lr: 9.999999974752428e-8 },
        ],
        lastError: null,
        warnings: 3, // TF-TRT, the Python UserWarning, the W line glued to a bar in epoch 14
      });
      const batches = ofType(events, 'batch');
      expect(batches).toHaveLength(30 * 5);
      expect(batches.slice(0, 5).map((e) => [e.batch, e.etaSeconds])).toEqual([[1, 3723], [4, 62], [7, 31], [10, 9], [12, 0]]);
      expect(ofType(events, 'phase').map((e) => e.phase)).toEqual(['frozen', 'fine-tuning', 'finished']);
    });

    it('Keras 3 on a TTY (keras3-standard-tty): colours, learning_rate, the last batch then the final line', () => {
      const parsed = (() => {
        const all: ProgressEvent[] = [];
        const parser = new KerasParser({ onEvent: (e) => all.push(e) });
        for (const piece of fixture('keras3-standard-tty')) parser.write(piece.stream, piece.chunk);
        parser.end();
        return { result: parser.result(), events: all };
      })();
      expect(parsed.result.phase).toBe('finished');
      expect(parsed.result.epochs.map((e) => [e.epoch, e.phase])).toEqual(
        Array.from({ length: 14 }, (_, i) => [i + 1, i < 10 ? 'frozen' : 'fine-tuning']),
      );
      expect(parsed.result.epochs[13]).toEqual({
        epoch: 14,
        model: 0,
        phase: 'fine-tuning',
        seconds: 14,
        metrics: { auc: 0.91, f1_score: 0.64, loss: 0.27, val_auc: 0.92, val_f1_score: 0.66, val_loss: 0.26, lr: 1e-5 },
      });
      expect(parsed.result).toMatchObject({ totalEpochs: 14, bestEpoch: { epoch: 12, value: 0.24 }, lastError: null, warnings: 1 });
      const ends = ofType(parsed.events, 'epoch-end');
      expect(ends.filter((e) => e.replaces)).toHaveLength(14);
      expect(ends.filter((e) => !e.replaces)).toHaveLength(14);
    });

    it('Keras 3 without a TTY, minimal pipeline, streams apart (keras3-minimal)', () => {
      const result = parseLog(fixture('keras3-minimal'));
      expect(result.epochs).toEqual([1, 2, 3].map((epoch) => ({
        epoch,
        model: 0,
        phase: 'frozen',
        seconds: 3,
        metrics: { auc: Number((0.66 + 0.05 * epoch).toFixed(4)), loss: Number((0.69 - 0.05 * epoch).toFixed(4)), lr: 1e-4 },
      })));
      expect(result).toMatchObject({ bestEpoch: null, totalEpochs: 3, warnings: 2, lastError: null });
    });

    it('a failed start: the pretrained weights are missing (tf2-missing-weights)', () => {
      const result = parseLog(fixture('tf2-missing-weights'));
      expect(result.lastError).toBe(
        'Exception: URL fetch failure on https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5: None -- [Errno -3] Temporary failure in name resolution',
      );
      expect(result.errors).toEqual([
        'gaierror: [Errno -3] Temporary failure in name resolution',
        'URLError: <urlopen error [Errno -3] Temporary failure in name resolution>',
        result.lastError,
      ]);
      expect(result).toMatchObject({ phase: 'finished', epoch: null, epochs: [] });
      expect(explainError(result.errors).code).toBe('WEIGHTS_MISSING');
    });

    it('the GPU runs out of memory in the first epoch (tf2-oom)', () => {
      const result = parseLog(fixture('tf2-oom'));
      expect(result).toMatchObject({ epoch: 1, batch: 1, totalBatches: 42, epochs: [] });
      expect(result.lastError).toBe(
        'ResourceExhaustedError: OOM when allocating tensor with shape[96,256,56,56] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc',
      );
      expect(explainError(result.errors).code).toBe('GPU_OUT_OF_MEMORY');
    });

    it('the stand-in\'s real output, with and without a TTY, gives the same epochs', () => {
      const plain = parseLog(fixture('standin-standard'), { totalEpochs: 100 });
      const tty = parseLog(fixture('standin-standard-tty'), { totalEpochs: 100 });
      expect(plain.epochs).toHaveLength(23);
      expect(tty.epochs).toEqual(plain.epochs);
      for (const result of [plain, tty]) {
        expect(result).toMatchObject({
          phase: 'finished',
          epoch: 23,
          totalEpochs: 100,
          bestEpoch: { epoch: 11, monitor: 'val_loss', value: 0.60574 },
          lrChanges: [
            { model: 0, epoch: 16, lr: 9.999999747378752e-7 },
            { model: 0, epoch: 21, lr: 1e-7 },
          ],
          earlyStopped: true,
          stoppedEpoch: 23,
          lastError: null,
          warnings: 1,
        });
        expect(result.epochs.map((e) => e.metrics.lr)).toEqual([...Array(10).fill(1e-4), ...Array(6).fill(1e-5), ...Array(5).fill(1e-6), 1e-7, 1e-7]);
        expect(Object.keys(result.epochs[0]!.metrics)).toEqual(['loss', 'auc', 'val_loss', 'val_auc', 'lr']);
      }
      const prediction = parseLog(fixture('standin-prediction-tty'));
      expect(prediction).toMatchObject({ phase: 'finished', batch: 6, totalBatches: 6, epochs: [], lastError: null });
    });

    it('the stand-in\'s output without a TTY is redrawn with \\b and \\r, as Keras draws it on Linux', () => {
      // Recorded without -t (record-standin.ts): Keras's Progbar redraws whenever `posix` is loaded.
      const stdout = readFileSync(path.join(FIXTURES, 'standin-standard.stdout.log'), 'latin1');
      expect(stdout).toMatch(/\n\r1\/7 \[[=>.]+\] - ETA: /); // the first draw: \r, nothing to draw over yet
      expect(stdout).toMatch(/\x08+\r7\/7 \[=+\] - \d+s \S+\/step - loss: /);
      expect(stdout).toMatch(/\] - ETA: \d+s - loss: \S+ - auc: \S+\nEpoch 1: val_loss improved from inf/);
    });

    it('--epochs 3 trains 10 epochs, and the state says 10 from the start (standin-minimal-3-epochs)', () => {
      const events: ProgressEvent[] = [];
      const parser = new KerasParser({ totalEpochs: 3, onEvent: (event) => events.push(event) });
      expect(parser.state().totalEpochs).toBe(10);
      for (const piece of fixture('standin-minimal-3-epochs')) parser.write(piece.stream, piece.chunk);
      parser.end();
      const result = parser.result();
      expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(result.epochs.every((e) => e.phase === 'frozen')).toBe(true);
      expect(result).toMatchObject({ phase: 'finished', epoch: 10, totalEpochs: 10, lastError: null });
      expect(ofType(events, 'epoch-start').map((e) => e.totalEpochs)).toEqual(Array(10).fill(10));
      // Without the option, the log alone says 10 too (`Epoch 1/10`).
      expect(parseLog(fixture('standin-minimal-3-epochs')).totalEpochs).toBe(10);
      // More than 10 asked for: that many.
      expect(new KerasParser({ totalEpochs: 25 }).state().totalEpochs).toBe(25);
    });

    it('the stand-in\'s real failures', () => {
      const weights = parseLog(fixture('standin-missing-weights'));
      expect(weights.lastError).toMatch(/^Exception: URL fetch failure on https:\/\/\S+densenet121_weights_tf_dim_ordering_tf_kernels_notop\.h5: None -- \[Errno -3\] Temporary failure in name resolution$/);
      expect(explainError(weights.errors).code).toBe('WEIGHTS_MISSING');
      const architecture = parseLog(fixture('standin-unknown-architecture'));
      expect(architecture.errors).toEqual(["KeyError: '2D.NoSuchNet'", "AttributeError: 'str' object has no attribute 'create_model'"]);
      expect(explainError(architecture.errors).code).toBe('ARCHITECTURE_UNKNOWN');
    });
  });

  describe('replay equals live', () => {
    it.each(FIXTURE_NAMES)('%s: whole, line by line, in random chunks, cut after each \\r, every redraw or not: one result', (name) => {
      const pieces = fixture(name);
      const whole = parseLog(pieces);
      expect(JSON.parse(JSON.stringify(whole))).toEqual(whole);
      expect(lineByLine(pieces)).toEqual(whole);
      const chunked = (chunks: readonly LogPiece[], options: KerasParserOptions = {}) => {
        const parser = new KerasParser(options);
        for (const chunk of chunks) parser.write(chunk.stream, chunk.chunk);
        parser.end();
        return parser.result();
      };
      for (const [seed, size] of [[1, 7], [2, 64], [3, 500], [4, 65536]] as const) {
        expect(chunked(randomPieces(pieces, seed, size)), `seed ${seed}, chunks up to ${size} bytes`).toEqual(whole);
      }
      expect(chunked(randomPieces(pieces, 5, 300), { everyRedraw: true })).toEqual(whole);
      expect(chunked(cutAfterCr(pieces))).toEqual(whole);
      expect(chunked(randomPieces(pieces, 6, 1))).toEqual(whole);
      // strings instead of buffers
      expect(parseLog(pieces.map((p) => ({ stream: p.stream, chunk: p.chunk.toString() })))).toEqual(whole);
    });

    it('a single text is read as stdout', () => {
      const text = readFileSync(path.join(FIXTURES, 'tf2-standard-tty.log'), 'utf8');
      expect(parseLog(text)).toEqual(parseLog(fixture('tf2-standard-tty')));
    });

    it('end() is idempotent and the state is a copy', () => {
      const parser = new KerasParser();
      parser.write('stdout', 'Epoch 1/2\n5/5 [==============================] - 1s 9ms/step - loss: 0.6\n');
      parser.end();
      parser.end();
      const state = parser.result();
      state.epochs[0]!.metrics.loss = 99;
      state.lrChanges.push({ model: 0, epoch: 1, lr: 1 });
      expect(parser.result().epochs[0]!.metrics.loss).toBe(0.6);
      expect(parser.result().lrChanges).toEqual([]);
    });
  });

  describe('bounded memory', () => {
    /** A TTY log of `epochs` epochs with `redraws` bar redraws each. */
    function longLog(epochs: number, redraws: number): string {
      const parts: string[] = [];
      for (let e = 1; e <= epochs; e += 1) {
        parts.push(`Epoch ${e}/${epochs}\n`);
        for (let r = 1; r <= redraws; r += 1) {
          const current = Math.max(1, Math.floor((r * 177) / (redraws + 1)));
          parts.push(`${'\b'.repeat(90)}\r${String(current).padStart(3)}/177 [${'='.repeat(Math.floor(current / 6))}>] - ETA: ${177 - current}s - loss: 0.${r} - auc: 0.5`);
        }
        parts.push(`\nEpoch ${e}: val_loss did not improve from 0.10000\n177/177 [==============================] - 21s 92ms/step - loss: 0.5 - val_loss: 0.4 - lr: 1.0000e-04\n`);
      }
      return parts.join('');
    }

    it('keeps per-epoch metrics, not the log: the same state for 10x more redraws', () => {
      const short = parseLog(longLog(200, 10));
      const long = parseLog(longLog(200, 100));
      expect(long.epochs).toHaveLength(200);
      expect(JSON.stringify(long).length).toBe(JSON.stringify(short).length);
      expect(JSON.stringify(long).length).toBeLessThan(200 * 200);
    });

    it('holds at most one capped line per stream while a line without end streams in', () => {
      const parser = new KerasParser({ maxLineLength: 4096 });
      for (let i = 0; i < 2000; i += 1) parser.write('stdout', 'x'.repeat(10_000));
      parser.write('stdout', '\nEpoch 1/1\n');
      parser.end();
      expect(parser.result()).toMatchObject({ epoch: 1, phase: 'finished' });
    });
  });
});
