'use strict';
/**
 * electron-builder afterPack hook (electron-builder.yml: afterPack): flips the Electron fuses of
 * build/fuses.cjs in the packed Electron binary with @electron/fuses, then reads the fuse wire back
 * and fails the build when it does not say what was asked. Runs after the app is packed and
 * before electron-builder signs it, so the signature covers the flipped binary.
 *
 * @electron/fuses is a dependency of electron-builder 26 (app-builder-lib), not of this project.
 * When it cannot be loaded the build fails, saying so: an installer without its fuses is not
 * shipped silently. AUCMEDI_DESK_ALLOW_UNFUSED=1 lets a developer package anyway (never a release).
 */
const path = require('node:path');
const FUSES = require('./fuses.cjs');

/** electron-builder's Arch enum: ia32 0, x64 1, armv7l 2, arm64 3, universal 4. */
const ARCH_ARM64 = 3;

/** Where the fuse wire lives for the platform being packed (as electron-builder's own addElectronFuses finds it). */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    case 'linux':
      return path.join(appOutDir, packager.executableName);
    default:
      throw new Error(`after-pack: no Electron binary location known for platform ${electronPlatformName}`);
  }
}

/** build/fuses.cjs in @electron/fuses' terms: wire index -> on/off. */
function fuseConfig(fusesModule, context) {
  const { FuseV1Options, FuseVersion } = fusesModule;
  const byName = {
    runAsNode: FuseV1Options.RunAsNode,
    enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
    enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
    enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
    enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
    onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
    grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
  };
  const config = {
    version: FuseVersion.V1,
    // Apple silicon refuses to run a binary whose ad-hoc signature no longer matches; electron-builder
    // signs properly right after this hook when a certificate is configured.
    resetAdHocDarwinSignature: (context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas') && context.arch === ARCH_ARM64,
  };
  for (const [name, value] of Object.entries(FUSES)) {
    const index = byName[name];
    if (index === undefined) throw new Error(`after-pack: build/fuses.cjs names a fuse @electron/fuses does not know: ${name}`);
    config[index] = value;
  }
  return config;
}

function loadFuses() {
  try {
    return require('@electron/fuses');
  } catch (error) {
    const message = `after-pack: @electron/fuses could not be loaded (${error && error.message}); it comes with electron-builder 26, so run npm ci.`;
    if (process.env.AUCMEDI_DESK_ALLOW_UNFUSED === '1') {
      console.warn(`*** ${message} AUCMEDI_DESK_ALLOW_UNFUSED=1: packaging WITHOUT Electron fuses. Do not ship this build. ***`);
      return null;
    }
    throw new Error(message);
  }
}

async function afterPack(context) {
  const fuses = loadFuses();
  if (!fuses) return;
  const binary = electronBinaryPath(context);
  const config = fuseConfig(fuses, context);
  await fuses.flipFuses(binary, config);
  const wire = await fuses.getCurrentFuseWire(binary);
  const ENABLE = '1'.charCodeAt(0);
  const DISABLE = '0'.charCodeAt(0);
  const wrong = Object.entries(config)
    .filter(([key]) => /^\d+$/.test(key))
    .filter(([index, on]) => wire[index] !== (on ? ENABLE : DISABLE))
    .map(([index]) => fuses.FuseV1Options[index]);
  if (wrong.length) throw new Error(`after-pack: fuses not set as asked in ${binary}: ${wrong.join(', ')}`);
  console.log(`  • electron fuses set in ${path.basename(binary)}: ${Object.entries(FUSES).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.afterPack = afterPack;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinaryPath = electronBinaryPath;
