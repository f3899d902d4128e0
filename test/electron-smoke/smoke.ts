/**
 * Launches the packaged app (electron-builder `--dir`) with Playwright's Electron support, visits
 * every page and checks the shell (checks.ts). Run by the release workflow on each hosted OS:
 *   npx jiti test/electron-smoke/smoke.ts --engine none|docker [--release release]
 * `none` points the app at an engine that is not there; `docker` uses the runner's own. It cannot
 * run on the development machines (no Electron binary there).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { _electron as electron } from 'playwright-core';
import { APP_ORIGIN } from '../../electron/window';
import { inspectPage, packagedExecutable, refusedLines, smokeVerdict, visitEveryPage } from './checks';

const { values } = parseArgs({ options: { engine: { type: 'string', default: 'none' }, release: { type: 'string', default: 'release' } } });
const executable = path.resolve(packagedExecutable(values.release!, process.platform, process.arch));
if (!existsSync(executable)) throw new Error(`no packaged app at ${executable}: run electron-builder --dir first`);

const home = mkdtempSync(path.join(os.tmpdir(), 'aucmedi-desk-smoke-'));
const env: Record<string, string> = { ...(process.env as Record<string, string>), AUCMEDI_DESK_HOME: home };
if (values.engine === 'none') env.DOCKER_HOST = process.platform === 'win32' ? 'npipe:////./pipe/aucmedi-desk-no-engine' : `unix://${path.join(home, 'no-engine.sock')}`;

// The command line of the installed app: `--cli --help` answers and ends with 0, without a window.
const cli = spawnSync(executable, ['--cli', '--help'], { env, encoding: 'utf8', timeout: 60_000 });
const cliProblems = cli.status === 0 && /aucmedi-desk/.test(cli.stdout) ? [] : [`--cli --help ended with ${cli.status} (${cli.error?.message ?? cli.stderr.trim().slice(0, 300)})`];

const app = await electron.launch({ executablePath: executable, env, timeout: 60_000 });
const consoleErrors: string[] = [];
const foreignRequests: string[] = [];
try {
  const page = await app.firstWindow();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => {
    if (!request.url().startsWith(APP_ORIGIN)) foreignRequests.push(request.url());
  });
  await page.getByTestId('nav-setup').waitFor({ timeout: 60_000 });
  const pagesVisited = await visitEveryPage(page);
  // taken before the inspection, whose CSP probes Chromium reports as console errors
  const errorsWhileVisiting = [...consoleErrors];
  const inspected = await inspectPage(page);
  await page.screenshot({ path: path.join(values.release!, `smoke-${process.platform}-${values.engine}.png`) });
  const logFile = path.join(home, 'logs', 'aucmedi-desk.log');
  const refusedRequests = existsSync(logFile) ? refusedLines(readFileSync(logFile, 'utf8')) : [];
  const problems = [...cliProblems, ...smokeVerdict({ ...inspected, pagesVisited, consoleErrors: errorsWhileVisiting, foreignRequests, refusedRequests }, APP_ORIGIN)];
  if (problems.length) {
    console.error(`smoke test of ${executable} (engine: ${values.engine}) failed:\n- ${problems.join('\n- ')}`);
    process.exitCode = 1;
  } else {
    console.log(`smoke test of ${executable} (engine: ${values.engine}): ${pagesVisited.length} pages, bridge, CSP, origin and CLI as expected`);
  }
} finally {
  await app.close();
}
