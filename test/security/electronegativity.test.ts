import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../electron/csp';
import { headersFor } from '../../electron/protocol';
import { secureWebPreferences } from '../../electron/window';
import { requireBuild } from '../helpers/requirements';
import { tempDir } from '../helpers/temp';

/*
 * Electronegativity (Doyensec's Electron security linter) over the Electron main process, the
 * preload and the page, offline. Fails on any finding of severity MEDIUM or higher that
 * .electronegativity.json does not accept with a reason, on an accepted entry that no longer
 * matches, on a file the tool could not parse, and on any attempt of the tool to reach the network.
 * Prints "electronegativity: N findings (high H, medium M, low L, info I), N accepted with reasons".
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNNER = fileURLToPath(new URL('./electronegativity-offline.cjs', import.meta.url));
const SEVERITIES = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH'] as const;
type Severity = (typeof SEVERITIES)[number];

interface Config {
  inputs: string[];
  failAt: Severity;
  excludedChecks: { check: string; reason: string }[];
  accepted: { check: string; file: string; sample: string; count: number; reason: string }[];
}
interface Issue {
  id: string;
  severity: Severity;
  confidence: string;
  file: string;
  line: number;
  column: number;
  sample?: string;
  description: string;
  properties?: Record<string, unknown>;
}
interface Scan {
  globalChecks: number;
  atomicChecks: number;
  errors: { file: string; message: string; tolerable: boolean }[];
  issues: Issue[];
}
interface Result {
  tool: { version: string } | null;
  network: { call: string; target: string; stack: string }[];
  translationsAnsweredOffline: number;
  full: Scan | null;
  csp: Omit<Scan, 'globalChecks' | 'atomicChecks'> | null;
  failure: string | null;
}

const config = JSON.parse(readFileSync(path.join(ROOT, '.electronegativity.json'), 'utf8')) as Config;
const rank = (severity: Severity) => SEVERITIES.indexOf(severity);

/** Environment for the tool: proxies that lead nowhere, a fixed locale. The runner blocks the rest. */
const OFFLINE_ENV = {
  ...process.env,
  LANG: 'en-US',
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  NO_PROXY: '',
  no_proxy: '',
  FORCE_COLOR: '0',
};

function runTool(dir: string, name: string, request: Record<string, unknown>): Promise<{ code: number | null; output: string; result: Result }> {
  const requestFile = path.join(dir, `${name}.request.json`);
  const resultFile = path.join(dir, `${name}.result.json`);
  writeFileSync(requestFile, JSON.stringify(request));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, requestFile, resultFile], { cwd: ROOT, env: OFFLINE_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!existsSync(resultFile)) return reject(new Error(`electronegativity runner wrote no result (exit ${code}):\n${output}`));
      resolve({ code, output, result: JSON.parse(readFileSync(resultFile, 'utf8')) as Result });
    });
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

const matches = (entry: Config['accepted'][number], issue: Issue) =>
  issue.id === entry.check && issue.file.split(path.sep).join('/') === entry.file && (issue.sample ?? '').includes(entry.sample);

const built = requireBuild();

describe.runIf(built)('electronegativity over electron/, renderer/ and the built page', () => {
  const dir = tempDir('aucmedi-electronegativity-');
  const input = path.join(dir, 'app');
  let scan: Awaited<ReturnType<typeof runTool>>;
  let probe: Awaited<ReturnType<typeof runTool>>;
  let staged: string[] = [];
  let started = 0;

  beforeAll(async () => {
    started = Date.now();
    mkdirSync(input, { recursive: true });
    // One folder with the repository's relative paths, so that the global checks see main process and page together.
    for (const item of config.inputs) cpSync(path.join(ROOT, item), path.join(input, item), { recursive: true });
    staged = filesUnder(input).map((file) => path.relative(input, file).split(path.sep).join('/'));
    // The scan, and beside it a probe that runs the one check known to download (Electron's release list):
    // the guard must catch it, or the scan's empty list of network attempts proves nothing.
    [scan, probe] = await Promise.all([
      runTool(dir, 'scan', { input, excludeChecks: config.excludedChecks.map((e) => e.check), cspPass: true }),
      runTool(dir, 'probe', { input, onlyChecks: ['AvailableSecurityFixesGlobalCheck'], exitOnNetwork: true }),
    ]);
  }, 120_000);

  it('runs offline: no attempt to reach the network, and the guard would have caught one', () => {
    expect(scan.result.failure, scan.output).toBeNull();
    expect(scan.result.network, 'electronegativity tried to reach the network').toEqual([]);
    expect(scan.code, scan.output).toBe(0);
    expect(scan.result.tool?.version).toBe('1.10.3');
    // The probe's check fetches https://raw.githubusercontent.com/electron/releases/...: recorded and refused.
    expect(probe.result.network.length, probe.output).toBe(1);
    expect(probe.result.network.map((n) => n.target).join('\n')).toContain('raw.githubusercontent.com');
    expect(probe.code).toBe(3);
  });

  it('parses every staged file and knows the Electron version', () => {
    const full = scan.result.full!;
    expect(full.errors, 'files the tool could not parse are files it did not check').toEqual([]);
    const scanned = staged.filter((file) => /\.(js|jsx|ts|tsx|html|htm)$/.test(file));
    expect(scanned).toEqual(expect.arrayContaining(['electron/main.ts', 'electron/preload.ts', 'electron/window.ts', 'renderer/index.html', 'dist/renderer/index.html']));
    expect(scanned.some((file) => file.startsWith('renderer/src/') && file.endsWith('.tsx'))).toBe(true);
    expect(scanned.some((file) => file.startsWith('dist/renderer/') && file.endsWith('.js'))).toBe(true);
    expect(full.atomicChecks).toBeGreaterThan(30);
    const version = full.issues.find((issue) => issue.id === 'ELECTRON_VERSION_JSON_CHECK')?.properties?.versionNumber;
    const wanted = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).devDependencies.electron as string;
    expect(String(version)).toBe(wanted.replace(/^[\^~]/, ''));
  });

  it('sees the CSP from electron/csp.ts in the built page', () => {
    expect(scan.result.csp!.errors).toEqual([]);
    const found = scan.result.csp!.issues.map((issue) => ({ id: issue.id, file: issue.file, csp: issue.properties?.CSPstring }));
    expect(found).toContainEqual({ id: 'CSP_HTML_CHECK', file: 'dist/renderer/index.html', csp: CONTENT_SECURITY_POLICY });
    expect(scan.result.full!.issues.filter((issue) => issue.id === 'CSP_GLOBAL_CHECK' && issue.file === 'N/A')).toEqual([]); // "no CSP found"
    // The same policy is the app:// response header (the tool does not read headers built in electron/protocol.ts).
    expect(headersFor('index.html')['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  });

  it(`has no finding of severity ${config.failAt} or higher that is not accepted with a reason`, () => {
    const issues = scan.result.full!.issues;
    const count = (severity: Severity) => issues.filter((issue) => issue.severity === severity).length;
    const acceptedIssues = issues.filter((issue) => config.accepted.some((entry) => matches(entry, issue)));
    const rows = issues.map((issue) => {
      const entry = config.accepted.find((candidate) => matches(candidate, issue));
      const state = entry ? 'accepted' : rank(issue.severity) >= rank(config.failAt) ? 'NOT ACCEPTED' : '-';
      return `  ${issue.id.padEnd(40)} ${issue.severity.padEnd(13)} ${`${issue.file}:${issue.line}`.padEnd(30)} ${state}`;
    });
    console.log(
      [
        `electronegativity: ${issues.length} findings (high ${count('HIGH')}, medium ${count('MEDIUM')}, low ${count('LOW')}, info ${count('INFORMATIONAL')}), ${acceptedIssues.length} accepted with reasons`,
        ...rows,
        `  (${staged.length} files staged from ${config.inputs.join(', ')}; excluded checks: ${config.excludedChecks.map((e) => e.check).join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      ].join('\n'),
    );

    for (const entry of [...config.accepted, ...config.excludedChecks]) {
      expect(entry.reason.trim().length, `${entry.check}: a reason`).toBeGreaterThan(40);
    }
    const unaccepted = issues.filter((issue) => rank(issue.severity) >= rank(config.failAt) && !acceptedIssues.includes(issue));
    expect(
      unaccepted.map((issue) => `${issue.id} ${issue.severity} ${issue.file}:${issue.line} ${issue.sample ?? ''}: ${issue.description}`),
      'fix these, or accept them in .electronegativity.json with an honest reason',
    ).toEqual([]);
    for (const entry of config.accepted) {
      const matched = issues.filter((issue) => matches(entry, issue));
      expect(matched.length, `${entry.check} in ${entry.file}: .electronegativity.json accepts ${entry.count}; remove a stale exception or review a new finding`).toBe(entry.count);
    }
  });

  it('the reasons given for accepted findings still hold', () => {
    // CONTEXT_ISOLATION / SANDBOX / AUXCLICK at `new BrowserWindow(` in electron/main.ts: the one window takes secureWebPreferences().
    const main = readFileSync(path.join(ROOT, 'electron/main.ts'), 'utf8');
    expect(main.match(/new BrowserWindow\(/g)).toHaveLength(1);
    expect(main).toMatch(/new BrowserWindow\(\{[^}]*webPreferences: secureWebPreferences\(/);
    expect(secureWebPreferences('/p.cjs')).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInSubFrames: false });
    expect(main).toMatch(/app\.on\('web-contents-created', \(_event, contents\) => hardenWebContents\(contents\)\)/);
    expect(main).toMatch(/callback\(\{ cancel: !\(isAppUrl\(details\.url\)/);
    // CSP_GLOBAL_CHECK (script-src 'self'): the origin serves the built renderer folder and nothing else.
    expect(main).toMatch(/protocol\.handle\(APP_SCHEME, \(request\) => serveAppRequest\(request\.url, rendererRoot\)\)/);
  });
});
