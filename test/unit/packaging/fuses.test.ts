import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp';
import { builderAjv, ROOT, scheme } from './builder-config';

const require = createRequire(import.meta.url);
type Fuses = Record<string, boolean>;
interface AfterPackContext {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { executableName?: string; appInfo: { productFilename: string } };
}
type AfterPack = ((context: AfterPackContext) => Promise<void>) & { fuseConfig(fusesModule: unknown, context: Partial<AfterPackContext>): Record<string, unknown> };

const FUSES = require(path.join(ROOT, 'build/fuses.cjs')) as Fuses;
const afterPack = require(path.join(ROOT, 'build/after-pack.cjs')) as AfterPack;
// @electron/fuses is a TRANSITIVE dependency (of app-builder-lib, electron-builder 26), hoisted in package-lock.json.
const electronFuses = require('@electron/fuses') as {
  FuseV1Options: Record<string, number> & Record<number, string>;
  getCurrentFuseWire(binary: string): Promise<Record<string, number>>;
};

const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/**
 * A stand-in for an Electron binary: some bytes, the fuse sentinel, wire version 1, the wire length
 * and one byte per fuse (Electron's defaults: RunAsNode, NodeOptions, NodeCliInspect and
 * GrantFileProtocolExtraPrivileges on; the rest off), then more bytes. @electron/fuses finds the wire
 * by the sentinel exactly as in a real binary.
 */
function fakeElectronBinary(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const defaults = '10110001';
  writeFileSync(file, Buffer.concat([Buffer.alloc(4096, 0x7f), Buffer.from(SENTINEL, 'ascii'), Buffer.from([1, defaults.length]), Buffer.from(defaults, 'ascii'), Buffer.alloc(4096, 0x7f)]));
}

const wireOf = async (binary: string) => {
  const wire = await electronFuses.getCurrentFuseWire(binary);
  return Object.fromEntries(Object.entries(wire).filter(([key]) => /^\d+$/.test(key)).map(([index, state]) => [electronFuses.FuseV1Options[Number(index)], state === ON ? 'on' : state === OFF ? 'off' : state]));
};

describe('Electron fuses of the packaged app (build/fuses.cjs)', () => {
  it('turns off running as Node, NODE_OPTIONS and the inspector; turns on cookie encryption, asar integrity and asar-only loading', () => {
    expect(FUSES).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(Object.isFrozen(FUSES)).toBe(true);
  });

  it("uses electron-builder's own names for them (FuseOptionsV1 of its schema)", () => {
    const ajv = builderAjv();
    ajv.addSchema(scheme, 'electron-builder');
    const validate = ajv.getSchema('electron-builder#/definitions/FuseOptionsV1')!;
    expect(validate(FUSES), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...FUSES, runAsNod: false })).toBe(false);
  });

  it('maps to @electron/fuses wire positions, resetting the ad-hoc signature only for Apple silicon', () => {
    const { FuseV1Options } = electronFuses;
    const linux = afterPack.fuseConfig(electronFuses, { electronPlatformName: 'linux', arch: 1 });
    expect(linux).toEqual({
      version: '1',
      resetAdHocDarwinSignature: false,
      [FuseV1Options.RunAsNode!]: false,
      [FuseV1Options.EnableCookieEncryption!]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable!]: false,
      [FuseV1Options.EnableNodeCliInspectArguments!]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation!]: true,
      [FuseV1Options.OnlyLoadAppFromAsar!]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges!]: false,
    });
    expect(afterPack.fuseConfig(electronFuses, { electronPlatformName: 'darwin', arch: 3 }).resetAdHocDarwinSignature).toBe(true);
    expect(afterPack.fuseConfig(electronFuses, { electronPlatformName: 'darwin', arch: 1 }).resetAdHocDarwinSignature).toBe(false);
  });

  const expectedWire = {
    RunAsNode: 'off',
    EnableCookieEncryption: 'on',
    EnableNodeOptionsEnvironmentVariable: 'off',
    EnableNodeCliInspectArguments: 'off',
    EnableEmbeddedAsarIntegrityValidation: 'on',
    OnlyLoadAppFromAsar: 'on',
    LoadBrowserProcessSpecificV8Snapshot: 'off', // not named: left as Electron ships it
    GrantFileProtocolExtraPrivileges: 'off',
  };
  const packager = { executableName: 'aucmedi-desk', appInfo: { productFilename: 'AUCMEDI Desk' } };

  it('the afterPack hook flips them in the packed binary where electron-builder puts it (Linux, Windows, macOS)', async () => {
    const dir = tempDir();
    const cases = [
      { electronPlatformName: 'linux', binary: 'linux/aucmedi-desk', app: 'linux/aucmedi-desk' },
      { electronPlatformName: 'win32', binary: 'win/AUCMEDI Desk.exe', app: 'win/AUCMEDI Desk.exe' },
      // on macOS the wire is in the framework inside the bundle; @electron/fuses is given the .app
      { electronPlatformName: 'darwin', binary: 'mac/AUCMEDI Desk.app/Contents/Frameworks/Electron Framework.framework/Electron Framework', app: 'mac/AUCMEDI Desk.app' },
    ];
    for (const { electronPlatformName, binary, app } of cases) {
      const appOutDir = path.join(dir, binary.split('/')[0]!);
      const file = path.join(dir, binary);
      fakeElectronBinary(file);
      expect((await wireOf(path.join(dir, app))).RunAsNode).toBe('on');
      await afterPack({ appOutDir, electronPlatformName, arch: 1, packager });
      expect(await wireOf(path.join(dir, app)), electronPlatformName).toEqual(expectedWire);
      expect(readFileSync(file).length).toBe(4096 + SENTINEL.length + 2 + 8 + 4096);
    }
  });

  it('the afterPack hook fails the build when the binary has no fuse wire, rather than ship an unfused app', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'aucmedi-desk'), Buffer.alloc(1024, 0x41));
    await expect(afterPack({ appOutDir: dir, electronPlatformName: 'linux', arch: 1, packager })).rejects.toThrow(/sentinel/);
    await expect(afterPack({ appOutDir: dir, electronPlatformName: 'freebsd', arch: 1, packager })).rejects.toThrow(/no Electron binary location/);
  });
});
