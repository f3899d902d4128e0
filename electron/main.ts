import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, type MenuItemConstructorOptions } from 'electron';
import { createCore } from '../src/core';
import { AppLog } from '../src/support/app-log';
import { APP_COMMIT, APP_LICENSE, APP_NAME, APP_VERSION } from '../src/version';
import { userDataDir } from '../src/settings/store';
import { forwardEvents, registerIpc } from './ipc';
import { quitChoice, quitQuestion } from './quit-guard';
import { serveAppRequest } from './protocol';
import { electronDialogs } from './dialogs';
import { createElectronSettingsStore } from './settings-store';
import { APP_ORIGIN, APP_SCHEME, hardenWebContents, isAppUrl, secureWebPreferences } from './window';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererRoot = path.join(here, '..', 'renderer');

// Standard + secure give app://aucmedi a real origin for the CSP and module scripts; same-origin fetch only (not corsEnabled).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | null = null;
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  app.on('window-all-closed', () => app.quit());

  const dataDir = userDataDir(process.platform, process.env, app.getPath('home'));
  const log = new AppLog(path.join(dataDir, 'logs'));
  log.info(`AUCMEDI Desk ${app.getVersion()} started`, { electron: process.versions.electron, chrome: process.versions.chrome, node: process.versions.node, platform: `${process.platform} ${process.arch}` });
  // The main process keeps going after a stray error (runs are followed from here); the log says what it was.
  process.on('uncaughtException', (error) => log.error('main process: uncaught exception', error));
  process.on('unhandledRejection', (reason) => log.error('main process: unhandled rejection', reason));
  app.on('child-process-gone', (_event, details) => log.warn(`${details.type} process gone: ${details.reason}`, { exitCode: details.exitCode }));

  void app.whenReady().then(() => {
    const core = createCore({
      log,
      noticesFile: path.join(here, '..', 'THIRD-PARTY-NOTICES'),
      settings: createElectronSettingsStore(dataDir),
      dialogs: electronDialogs(() => window),
      reattachRuns: true,
      runQueue: true,
      // beside the installed program (AppImage/NSIS folder), then shipped inside it (extraResources)
      bundleDirs: [path.join(path.dirname(app.getPath('exe')), 'offline-bundle'), path.join(process.resourcesPath, 'offline-bundle')],
    });
    protocol.handle(APP_SCHEME, (request) => serveAppRequest(request.url, rendererRoot));
    // No request leaves the app: only its own files load, and no permission (camera, notifications...) is granted.
    session.defaultSession.webRequest.onBeforeRequest((details, callback) =>
      callback({ cancel: !(isAppUrl(details.url) || details.url.startsWith('devtools://')) }),
    );
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate()));

    window = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 960,
      minHeight: 640,
      backgroundColor: '#11151c',
      title: 'AUCMEDI Desk',
      webPreferences: secureWebPreferences(path.join(here, 'preload.cjs')),
    });
    const contents = window.webContents;
    registerIpc({
      ipcMain,
      core,
      isTrustedSender: (event) => event.sender === contents && isAppUrl(event.senderFrame?.url ?? ''),
    });
    const stopForwarding = forwardEvents(core, contents);
    // A window that died (a renderer crash, out of memory) says so and offers to reload; the runs go on meanwhile.
    contents.on('render-process-gone', (_event, details) => {
      log.error(`window: the renderer process is gone (${details.reason}, exit code ${details.exitCode})`);
      if (details.reason === 'clean-exit' || !window) return;
      void dialog
        .showMessageBox(window, { type: 'error', message: 'The window stopped working.', detail: `Reason: ${details.reason}. Runs in progress go on. Reload the window to continue; the app log (${log.file}) records what happened.`, buttons: ['Reload', 'Quit'], defaultId: 0 })
        .then(({ response }) => (response === 0 ? contents.reload() : app.quit()));
    });
    contents.on('unresponsive', () => log.warn('window: not responding'));
    contents.on('responsive', () => log.info('window: responding again'));
    window.on('closed', () => {
      stopForwarding();
      window = null;
    });
    core.start();
    let quitConfirmed = false;
    app.on('before-quit', (event) => {
      const question = quitConfirmed ? null : quitQuestion(core.runs.activeRuns());
      if (!question) return;
      event.preventDefault();
      void dialog.showMessageBox({ type: 'question', ...question }).then(async ({ response }) => {
        const choice = quitChoice(response);
        if (choice === 'cancel') return;
        if (choice === 'stop-runs') await Promise.all(core.runs.activeRuns().map((run) => core.runs.stop(run.id).catch(() => undefined)));
        quitConfirmed = true;
        app.quit();
      });
    });
    app.on('will-quit', () => {
      log.info('quit');
      core.dispose();
    });
    void window.loadURL(`${APP_ORIGIN}/index.html`);
  });
}

function menuTemplate(): MenuItemConstructorOptions[] {
  // Help > About: the native about panel; the full versions and the third-party notices are on Setup > About.
  app.setAboutPanelOptions({ applicationName: APP_NAME, applicationVersion: `${APP_VERSION} (commit ${APP_COMMIT})`, version: `Electron ${process.versions.electron}`, credits: `Licence ${APP_LICENSE}. Versions and third-party notices: Setup > About.` });
  const template: MenuItemConstructorOptions[] = [{ role: 'fileMenu' }, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }, { role: 'help', submenu: [{ role: 'about' }] }];
  if (process.platform === 'darwin') template.unshift({ role: 'appMenu' });
  return template;
}
