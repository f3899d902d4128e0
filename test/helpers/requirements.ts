import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const inCI = () => process.env.CI === 'true' || process.env.CI === '1';

/**
 * Under CI a missing requirement fails the test file; locally it skips it, loudly.
 * Returns whether the requirement is met.
 */
function require_(what: string, met: boolean, howToFix: string): boolean {
  if (met) return true;
  const message = `${what} is not available: ${howToFix}`;
  if (inCI()) throw new Error(`CI=true and ${message}`);
  console.warn(`\n*** SKIPPING: ${message} ***\n`);
  return false;
}

/** The server version the real engine reports through the docker CLI, or null. */
export function dockerServerVersion(): string | null {
  const result = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 20_000 });
  return result.status === 0 ? result.stdout.trim() : null;
}

export function requireEngine(): boolean {
  return require_('a Docker engine', dockerServerVersion() !== null, 'run `npm test` (it starts dockerd as root on Debian) or start Docker');
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function requireChromium(): boolean {
  return require_(`Chromium at ${CHROMIUM_PATH}`, existsSync(CHROMIUM_PATH), 'install it with `apt-get install chromium` (npm test does this as root)');
}

export function requireBuild(): boolean {
  return require_('the built app (dist/)', existsSync('dist/renderer/index.html') && existsSync('dist/cli/aucmedi-desk.mjs'), 'run `npm run build`');
}

export function requireRoot(what: string): boolean {
  return require_(`root (needed to ${what})`, process.getuid?.() === 0, 'run the tests as root');
}

/** dcmtk (dcmconv, dcm2pnm) and Debian's pydicom, which write and read the DICOM files of the conversion tests. */
export function requireDicomTools(): boolean {
  const met =
    spawnSync('dcmconv', ['--version'], { encoding: 'utf8' }).status === 0 &&
    spawnSync('gdcmconv', ['--version'], { encoding: 'utf8' }).status === 0 &&
    spawnSync('/usr/bin/python3', ['-c', 'import pydicom'], { encoding: 'utf8' }).status === 0;
  return require_('dcmtk, libgdcm-tools and python3-pydicom', met, 'install them with `apt-get install dcmtk libgdcm-tools python3-pydicom` (npm test does this as root)');
}
