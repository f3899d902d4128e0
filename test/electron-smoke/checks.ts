/**
 * The release workflow's smoke test of the packaged app (`smoke.ts`), in pieces that also run here:
 * which pages to visit, how to visit them, what to read from the window, and what counts as a failure.
 * `test/unit/packaging/electron-smoke.test.ts` checks the verdicts; `test/e2e/shell-checks.test.ts`
 * runs the visit and the inspection in Chromium against the real renderer.
 */
import type { Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../electron/csp';
import { PAGES } from '../../renderer/src/store/navigation';

/** Every page of the sidebar, in its order. */
export const SMOKE_PAGES: readonly string[] = PAGES.map((page) => page.id);

/** What the preload bridge offers the page; anything more is a hole in the sandbox. */
export const BRIDGE_KEYS = ['invoke', 'onEvent', 'pathForFile'] as const;

/** What the page is seen to do during the visit. */
export interface Observations {
  origin: string;
  bridgeKeys: string[];
  /** `typeof require`, `typeof process` inside the page: Node must not be reachable. */
  nodeGlobals: { require: string; process: string };
  /** The Content-Security-Policy header of index.html as the app serves it. */
  cspHeader: string | null;
  /** Whether code from text (an inline script, a string timer) ran in the page; the CSP forbids both. */
  evalAllowed: boolean;
  /** Whether a channel the app does not have was refused (by the preload, or by the core). */
  unknownChannelRefused: boolean;
  pagesVisited: string[];
  consoleErrors: string[];
  /** Requests to anything but the app's own origin. */
  foreignRequests: string[];
  /** App-log lines of refused window requests. */
  refusedRequests: string[];
}

/** Each thing wrong, as a sentence; empty when the shell is sound. */
export function smokeVerdict(seen: Observations, expectedOrigin: string): string[] {
  const problems: string[] = [];
  if (seen.origin !== expectedOrigin) problems.push(`the page's origin is ${seen.origin}, not ${expectedOrigin}`);
  const keys = [...seen.bridgeKeys].sort();
  if (keys.join(',') !== [...BRIDGE_KEYS].sort().join(',')) problems.push(`the preload bridge offers [${keys.join(', ')}], not [${BRIDGE_KEYS.join(', ')}]`);
  if (seen.nodeGlobals.require !== 'undefined' || seen.nodeGlobals.process !== 'undefined') problems.push(`Node is reachable from the page (require: ${seen.nodeGlobals.require}, process: ${seen.nodeGlobals.process})`);
  if (seen.cspHeader !== CONTENT_SECURITY_POLICY) problems.push(`index.html came with the Content-Security-Policy ${JSON.stringify(seen.cspHeader)}`);
  if (seen.evalAllowed) problems.push('code from text (an inline script or a string timer) ran in the page: the Content-Security-Policy is not applied');
  if (!seen.unknownChannelRefused) problems.push('the bridge passed on a channel the app does not have');
  const missing = SMOKE_PAGES.filter((page) => !seen.pagesVisited.includes(page));
  if (missing.length) problems.push(`pages not reached: ${missing.join(', ')}`);
  for (const error of seen.consoleErrors) problems.push(`console error: ${error}`);
  for (const url of seen.foreignRequests) problems.push(`network request: ${url}`);
  for (const line of seen.refusedRequests) problems.push(`refused window request: ${line}`);
  return problems;
}

/** App-log lines that say a window request was refused (src/core.ts logs them as `CHANNEL: refused`). */
export function refusedLines(appLog: string): string[] {
  return appLog.split('\n').filter((line) => /: refused\b|was refused|UNTRUSTED_SENDER/.test(line));
}

/** Clicks through every page of the sidebar; resolves with the pages whose content appeared. */
export async function visitEveryPage(page: Page): Promise<string[]> {
  const visited: string[] = [];
  for (const id of SMOKE_PAGES) {
    await page.getByTestId(`nav-${id}`).click();
    await page.getByTestId(`page-${id}`).waitFor({ timeout: 15_000 });
    if ((await page.getByTestId(`page-${id}`).innerText()).trim().length > 0) visited.push(id);
  }
  return visited;
}

/** What the page itself says about its origin, bridge, Node globals and CSP. */
export async function inspectPage(page: Page): Promise<Pick<Observations, 'origin' | 'bridgeKeys' | 'nodeGlobals' | 'cspHeader' | 'evalAllowed' | 'unknownChannelRefused'>> {
  return page.evaluate(async () => {
    const scope = window as unknown as { aucmedi?: Record<string, unknown> & { invoke(channel: string, request: unknown): Promise<unknown> } };
    // Code the page would run from text: an inline script and a string timer (a call made from here
    // through the DevTools protocol is exempt from the CSP, so the page itself must try).
    const flags = window as unknown as { __inlineRan?: boolean; __timerRan?: boolean };
    const inline = document.createElement('script');
    inline.textContent = 'window.__inlineRan = true';
    document.head.appendChild(inline);
    inline.remove();
    try {
      (setTimeout as unknown as (code: string, ms: number) => void)('window.__timerRan = true', 0);
    } catch {
      // refused at once
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const evalAllowed = flags.__inlineRan === true || flags.__timerRan === true;
    // The preload rejects a channel it does not know; the core answers one that slipped past with an error.
    let unknownChannelRefused = false;
    try {
      const answer = (await scope.aucmedi?.invoke('shell:exec', {})) as { ok?: boolean } | undefined;
      unknownChannelRefused = answer?.ok === false;
    } catch {
      unknownChannelRefused = true;
    }
    const response = await fetch('/index.html');
    return {
      origin: location.origin,
      bridgeKeys: Object.keys(scope.aucmedi ?? {}),
      nodeGlobals: { require: typeof (globalThis as { require?: unknown }).require, process: typeof (globalThis as { process?: unknown }).process },
      cspHeader: response.headers.get('content-security-policy'),
      evalAllowed,
      unknownChannelRefused,
    };
  });
}

/** Where electron-builder's `--dir` build leaves the executable, per platform. */
export function packagedExecutable(releaseDir: string, platform: NodeJS.Platform, arch: string, productName = 'AUCMEDI Desk', executableName = 'aucmedi-desk'): string {
  if (platform === 'win32') return `${releaseDir}/win-unpacked/${productName}.exe`;
  if (platform === 'darwin') return `${releaseDir}/mac${arch === 'arm64' ? '-arm64' : ''}/${productName}.app/Contents/MacOS/${productName}`;
  return `${releaseDir}/linux-unpacked/${executableName}`;
}
