'use strict';
/**
 * The Electron fuses every packaged AUCMEDI Desk has, flipped by build/after-pack.cjs in the binary
 * itself (so no environment variable or command-line switch can turn them back at run time).
 * Keys are those of electron-builder's FuseOptionsV1 (app-builder-lib/scheme.json); a plain object
 * so that test/unit/packaging checks it without packaging anything.
 *
 * - runAsNode off: ELECTRON_RUN_AS_NODE cannot turn the app into a general Node.js interpreter.
 * - enableNodeOptionsEnvironmentVariable off: NODE_OPTIONS / NODE_EXTRA_CA_CERTS are ignored.
 * - enableNodeCliInspectArguments off: no --inspect debugger port, SIGUSR1 starts no inspector.
 * - enableCookieEncryption on: the (unused) cookie store is encrypted with the OS keys.
 * - enableEmbeddedAsarIntegrityValidation on: app.asar is checked against the hash electron-builder
 *   embeds (Info.plist on macOS, a resource on Windows; Linux has no such check yet).
 * - onlyLoadAppFromAsar on: only app.asar is loaded, never a loose app/ folder beside it.
 * - grantFileProtocolExtraPrivileges off: the window is served from app://, file:// gets nothing extra.
 */
module.exports = Object.freeze({
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
});
