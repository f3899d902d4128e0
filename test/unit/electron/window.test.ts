import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../electron/csp';
import { resolveAppPath, serveAppRequest } from '../../../electron/protocol';
import { hardenWebContents, isAppUrl, secureWebPreferences } from '../../../electron/window';
import { tempDir } from '../../helpers/temp';

describe('secureWebPreferences', () => {
  it('isolates and sandboxes the page, with no Node in it', () => {
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('switches DevTools off where asked (packaged builds)', () => {
    expect(secureWebPreferences('/p.cjs', { devTools: false }).devTools).toBe(false);
    expect(secureWebPreferences('/p.cjs').devTools).toBe(true);
  });
});

describe('hardenWebContents', () => {
  it('prevents navigation, redirects and webviews, and denies new windows', () => {
    const handlers = new Map<string, (event: { preventDefault(): void }) => void>();
    let openHandler: (() => { action: string }) | null = null;
    hardenWebContents({
      on: ((name: string, handler: (event: { preventDefault(): void }) => void) => handlers.set(name, handler)) as never,
      setWindowOpenHandler: ((handler: () => { action: string }) => (openHandler = handler)) as never,
    });
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      handlers.get(name)!({ preventDefault: () => (prevented = true) });
      expect(prevented, name).toBe(true);
    }
    expect(openHandler!()).toEqual({ action: 'deny' });
  });
});

describe('app:// protocol', () => {
  const root = tempDir();
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');

  it('maps app URLs inside the renderer folder only', () => {
    expect(resolveAppPath('app://aucmedi/', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppPath('app://aucmedi/assets/app.js', root)).toBe(path.join(root, 'assets', 'app.js'));
    expect(resolveAppPath('app://aucmedi/../../etc/passwd', root)).toBe(path.join(root, 'etc', 'passwd')); // URL parsing folds .. at the root
    expect(resolveAppPath('app://aucmedi/%2e%2e/%2e%2e/etc/passwd', root)).toBe(path.join(root, 'etc', 'passwd')); // so are encoded dots
    expect(resolveAppPath('app://aucmedi/assets/..%2f..%2f..%2fetc%2fpasswd', root)).toBeNull();
    expect(resolveAppPath('app://aucmedi/a%00b', root)).toBeNull();
    expect(resolveAppPath('app://other/index.html', root)).toBeNull();
    expect(resolveAppPath('file:///etc/passwd', root)).toBeNull();
  });

  it('serves files with the strict CSP and refuses the rest', async () => {
    const ok = await serveAppRequest('app://aucmedi/assets/app.js', root);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/javascript/);
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await serveAppRequest('app://aucmedi/missing.js', root)).status).toBe(404);
    expect((await serveAppRequest('app://aucmedi/assets/..%2f..%2fsecret', root)).status).toBe(404);
  });

  it('has a CSP that allows no remote origin, no inline script and no eval', () => {
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*|unsafe-inline|unsafe-eval/);
  });

  it('recognises the app origin', () => {
    expect(isAppUrl('app://aucmedi/index.html')).toBe(true);
    expect(isAppUrl('https://aucmedi/index.html')).toBe(false);
    expect(isAppUrl('app://evil/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});
