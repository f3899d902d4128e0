import { describe, expect, it } from 'vitest';
import { stagingError, StagingVerifyFailed } from '../../../src/engine/staging';

describe('stagingError', () => {
  const full = new Error('(HTTP code 500) server error - write /var/lib/docker/volumes/x/_data/a.png: no space left on device');

  it("says the data's size when it is known, and no made-up size when it is not", () => {
    expect(stagingError(full, 'upload', 25 * 1024 * 1024).userError).toMatchObject({ code: 'STAGING_NO_SPACE', message: expect.stringMatching(/run's data \(25\.0 MiB\) was sent/) });
    const unsized = stagingError(full, 'upload', null).userError;
    expect(unsized).toMatchObject({ code: 'STAGING_NO_SPACE', message: "The server's disk filled up while the run's data was sent to it: nothing was kept there.", action: expect.stringMatching(/docker system df/) });
    expect(unsized.detail).toMatch(/no space left on device/);
  });

  it('tells a changed upload and any other failure apart, with the engine’s words as the detail', () => {
    const changed = new StagingVerifyFailed({ files: 2, bytes: 10, digest: 'a' }, { files: 1, digest: 'b' });
    expect(stagingError(changed, 'upload', 10).userError.code).toBe('STAGING_VERIFY_FAILED');
    const other = stagingError(new Error('connection reset'), 'download', null).userError;
    expect(other).toMatchObject({ code: 'STAGING_FAILED', detail: expect.stringMatching(/connection reset/) });
  });
});
