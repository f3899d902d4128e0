import { describe, expect, it } from 'vitest';
import { explainError } from '../../../src/aucmedi/explain-error';

const URL =
  'https://storage.googleapis.com/tensorflow/keras-applications/densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';

describe('explainError', () => {
  it('missing pretrained weights: names the file and sends the user to the Setup page', () => {
    const line = `Exception: URL fetch failure on ${URL}: None -- [Errno -3] Temporary failure in name resolution`;
    const error = explainError(line);
    expect(error).toMatchObject({
      code: 'WEIGHTS_MISSING',
      message:
        'The pretrained weights for this architecture are not on this computer (densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5), and the run cannot download them: it works without network.',
      action: 'Import the weights file for this architecture on the Setup page, then start again.',
      detail: line,
    });
    // 3D weights come from another place, same story
    expect(explainError('Exception: URL fetch failure on https://github.com/ZFTurbo/classification_models_3D/releases/download/v1.0/resnet18_inp_channel_3_tch_0_top_False.h5: None -- [Errno -3] Temporary failure in name resolution').message).toContain(
      'resnet18_inp_channel_3_tch_0_top_False.h5',
    );
  });

  it('GPU out of memory: lower the batch size', () => {
    for (const line of [
      'ResourceExhaustedError: OOM when allocating tensor with shape[96,256,56,56] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc',
      'Executor failed: ResourceExhaustedError: OOM when allocating tensor',
      'OP_REQUIRES failed at conv_ops.cc:1068 : RESOURCE_EXHAUSTED: OOM when allocating tensor',
      'failed to allocate 1.17G (1254113280 bytes) from device: CUDA_ERROR_OUT_OF_MEMORY: out of memory',
    ]) {
      const error = explainError(line);
      expect(error.code, line).toBe('GPU_OUT_OF_MEMORY');
      expect(error.message).toMatch(/^The GPU ran out of memory/);
      expect(error.action).toMatch(/^Lower the batch size/);
      expect(error.detail).toBe(line);
    }
    expect(explainError('ResourceExhaustedError: OOM when allocating tensor with shape[24,3,224,224] on /job:localhost/replica:0/task:0/device:CPU:0 by allocator cpu').code).toBe('OUT_OF_MEMORY');
    expect(explainError('MemoryError: Unable to allocate 3.50 GiB for an array with shape (4000, 224, 224, 3)').code).toBe('OUT_OF_MEMORY');
  });

  it('a missing folder or model file', () => {
    const folder = explainError("FileNotFoundError: [Errno 2] No such file or directory: 'training'");
    expect(folder).toMatchObject({ code: 'INPUT_NOT_FOUND', message: "A folder or file the training needs was not found (training)." });
    expect(folder.action).toMatch(/dataset folder still exists/);
    const model = explainError("FileNotFoundError: [Errno 2] No such file or directory: 'model/meta.training.json'", { mode: 'prediction' });
    expect(model).toMatchObject({ code: 'INPUT_NOT_FOUND', message: 'A model file the prediction needs was not found (model/meta.training.json).' });
    expect(model.action).toMatch(/model folder/);
  });

  it('an unknown architecture, from either line of the chain', () => {
    const chain = ["KeyError: '2D.NoSuchNet'", "AttributeError: 'str' object has no attribute 'create_model'"];
    expect(explainError(chain)).toMatchObject({ code: 'ARCHITECTURE_UNKNOWN', detail: chain[1] });
    expect(explainError(chain[0]!).message).toBe('The AUCMEDI image in use does not know the chosen architecture (NoSuchNet).');
  });

  it('a full disk and a denied permission', () => {
    expect(explainError("OSError: [Errno 28] No space left on device: 'model/model.best_loss.keras'")).toMatchObject({
      code: 'DISK_FULL',
      message: 'The disk the run writes to is full.',
    });
    const denied = explainError("PermissionError: [Errno 13] Permission denied: 'model/logs.training.csv'");
    expect(denied).toMatchObject({ code: 'PERMISSION_DENIED', message: 'The run was not allowed to write or read a file it needs (model/logs.training.csv).' });
    expect(explainError("OSError: [Errno 30] Read-only file system: 'training/x.png'").code).toBe('PERMISSION_DENIED');
  });

  it('a GPU failure', () => {
    expect(explainError('InternalError: Failed to call ThenRnnForward with model config: CUDNN_STATUS_INTERNAL_ERROR').code).toBe('GPU_FAILED');
  });

  it('explains the newest line first, then older lines of the same failure', () => {
    // the newest says nothing specific; an older one does
    const error = explainError([`URLError: <urlopen error [Errno -3] Temporary failure in name resolution>`, 'SystemExit: 1']);
    expect(error.code).toBe('WEIGHTS_MISSING');
    expect(error.detail).toBe('URLError: <urlopen error [Errno -3] Temporary failure in name resolution> -> SystemExit: 1');
    // the newest wins over an older specific one
    expect(explainError(['ResourceExhaustedError: OOM when allocating tensor', "FileNotFoundError: [Errno 2] No such file or directory: 'training'"]).code).toBe(
      'INPUT_NOT_FOUND',
    );
  });

  it('otherwise a plain sentence with the raw line as the detail', () => {
    const line = "ValueError: key 'architecture' in config has to be a list if 'advanced' was selected as analysis.";
    expect(explainError(line)).toMatchObject({
      code: 'RUN_FAILED',
      message: 'The training stopped with an error.',
      action: 'Check the dataset and the settings, then start again; if it happens again, give the details to your IT support.',
      detail: line,
    });
    expect(explainError(line, { mode: 'evaluation' }).message).toBe('The evaluation stopped with an error.');
    expect(explainError('x'.repeat(2000)).detail!.length).toBeLessThanOrEqual(500);
  });

  it('says so when there is no error line at all', () => {
    for (const none of [null, undefined, '', [], ['  ']]) {
      const error = explainError(none);
      expect(error.code).toBe('RUN_FAILED');
      expect(error.message).toBe('The training stopped without reporting an error.');
      expect(error.detail).toBeUndefined();
    }
  });
});
