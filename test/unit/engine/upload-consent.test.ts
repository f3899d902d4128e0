import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineDirectory } from '../../../src/engine/engines';
import { EngineService } from '../../../src/engine/service';
import { JsonFileSettingsStore } from '../../../src/settings/store';
import { tempDir } from '../../helpers/temp';

describe('the data-protection yes per engine', () => {
  const setUp = () => {
    const dir = tempDir();
    const settings = new JsonFileSettingsStore(path.join(dir, 'settings.json'));
    const ctx = { env: {}, platform: 'linux' as const, homedir: dir, username: 'rad' };
    const local = new EngineService({ ...ctx, endpointSetting: () => `unix://${path.join(dir, 'docker.sock')}`, onStatus: () => undefined });
    settings.write({ ...settings.read(), engines: [{ name: 'gpu', url: 'ssh://ris@10.0.0.5', tls: null, identityFile: null }] });
    return { settings, engines: new EngineDirectory(local, settings, { ...ctx, probeRoot: path.join(dir, 'probe') }) };
  };

  it('is asked once per engine and kept for its address', async () => {
    const { settings, engines } = setUp();
    expect(await engines.uploadConsentGiven('gpu')).toBe(false);
    await engines.giveUploadConsent('gpu');
    expect(await engines.uploadConsentGiven('gpu')).toBe(true);
    await engines.giveUploadConsent('gpu'); // said again: still one yes
    expect(settings.read().uploadConsents).toEqual([{ engine: 'gpu', url: 'ssh://ris@10.0.0.5', at: expect.any(String) }]);
    expect(await engines.uploadConsentGiven('local')).toBe(false);
  });

  it('is asked again when the name now leads to another server', async () => {
    const { settings, engines } = setUp();
    await engines.giveUploadConsent('gpu');
    settings.write({ ...settings.read(), engines: [{ name: 'gpu', url: 'ssh://ris@10.0.0.9', tls: null, identityFile: null }] });
    expect(await engines.uploadConsentGiven('gpu')).toBe(false);
  });
});
