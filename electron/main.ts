import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, screen, session } from 'electron';
import { createCore } from '../src/core';
import { AppLog } from '../src/support/app-log';
import { APP_COMMIT, APP_LICENSE, APP_NAME, APP_VERSION } from '../src/version';
import { userDataDir } from '../src/settings/store';
import { cliArguments } from '../src/desktop/cli-switch';
import { RunWatch } from '../src/desktop/run-watch';
import { desktopT } from '../src/desktop/texts';
import { placeWindow, readWindowState, writeWindowState } from '../src/desktop/window-state';
import { resolveLanguage } from '../src/i18n/language';
import { setCoreLanguage } from '../src/i18n/translate';
import { runCommandLine } from '../src/cli/command-line';
import { menuTemplate } from './menu';
import { forwardEvents, registerIpc } from './ipc';
import { quitChoice, quitQuestion } from './quit-guard';
import { serveAppRequest } from './protocol';
import { electronDialogs } from './dialogs';
import { createElectronSettingsStore } from './settings-store';
import { APP_ORIGIN, APP_SCHEME, hardenWebContents, isAppUrl, secureWebPreferences } from './window';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererRoot = path.join(here, '..', 'renderer');

const cliArgs = cliArguments(process.argv, app.isPackaged);
if (cliArgs) {
  // `AUCMEDI Desk --cli ...`: the command line, no window, no single-instance lock (a CLI may run beside the window).
  app.dock?.hide();
  void runCommandLine(cliArgs).then((code) => process.stdout.write('', () => app.exit(code)));
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // Standard + secure give app://aucmedi a real origin for the CSP and module scripts; same-origin fetch only (not corsEnabled).
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
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

  // Windows shows notifications only for an app with its installer's id (electron-builder.yml appId).
  if (process.platform === 'win32') app.setAppUserModelId('org.aucmedi-desk.app');
  const settings = createElectronSettingsStore(dataDir, () => applyLanguage());
  /** The shell's own texts (menu, dialogs, notices) follow the language chosen on the Setup page, as the window does. */
  const texts = () => desktopT(resolveLanguage(settings.read().language, app.getLocale()));
  const applyLanguage = () => {
    // The core's own sentences in the app (dialog titles, saved reports, error texts) follow the window's
    // language too; the CLI (`--cli`, a process of its own) keeps following LANG as before.
    setCoreLanguage(resolveLanguage(settings.read().language, app.getLocale()));
    const t = texts();
    // Help > About: the native about panel; the full versions and the third-party notices are on Setup > About.
    app.setAboutPanelOptions({ applicationName: APP_NAME, applicationVersion: `${APP_VERSION} (commit ${APP_COMMIT})`, version: `Electron ${process.versions.electron}`, credits: t('desktop:menu.credits', { license: APP_LICENSE }) });
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(t, { packaged: app.isPackaged, platform: process.platform })));
  };
  const windowStateFile = path.join(dataDir, 'window-state.json');

  void app.whenReady().then(() => {
    const core = createCore({
      log,
      noticesFile: path.join(here, '..', 'THIRD-PARTY-NOTICES'),
      settings,
      dialogs: electronDialogs(() => window),
      reattachRuns: true,
      runQueue: true,
      // beside the installed program (AppImage/NSIS folder), then shipped inside it (extraResources)
      bundleDirs: [path.join(path.dirname(app.getPath('exe')), 'offline-bundle'), path.join(process.resourcesPath, 'offline-bundle')],
    });
    protocol.handle(APP_SCHEME, (request) => serveAppRequest(request.url, rendererRoot));
    // No request leaves the app: only its own files load, and no permission (camera, notifications...) is granted.
    session.defaultSession.webRequest.onBeforeRequest((details, callback) =>
      callback({ cancel: !(isAppUrl(details.url) || (!app.isPackaged && details.url.startsWith('devtools://'))) }),
    );
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    applyLanguage();

    // The size and place of the last session, on a screen that is still there.
    const placed = placeWindow(readWindowState(windowStateFile), screen.getAllDisplays().map((display) => display.workArea));
    const size = { width: placed.width, height: placed.height };
    // No x/y: Electron centres the window (the saved place is gone, or this is the first start).
    const bounds = placed.x === undefined || placed.y === undefined ? size : { ...size, x: placed.x, y: placed.y };
    window = new BrowserWindow({
      ...bounds,
      minWidth: 960,
      minHeight: 640,
      backgroundColor: '#11151c',
      title: APP_NAME,
      webPreferences: secureWebPreferences(path.join(here, 'preload.cjs'), { devTools: !app.isPackaged }),
    });
    if (placed.maximized) window.maximize();
    const contents = window.webContents;
    window.on('close', () => {
      if (!window) return;
      try {
        writeWindowState(windowStateFile, { ...window.getNormalBounds(), maximized: window.isMaximized() });
      } catch (error) {
        log.warn('window: its size and place could not be saved', error);
      }
    });
    // Long runs: progress on the taskbar/dock, a desktop notice when one ends while the window is in the background.
    const watch = new RunWatch();
    const stopWatching = core.subscribe((event) => {
      if (!window || window.isDestroyed()) return;
      const notice = watch.take(event, window.isFocused(), texts());
      const taskbar = event.type === 'run:state' || event.type === 'run:progress' || event.type === 'run:deleted' ? watch.taskbarChange() : null;
      if (taskbar !== null) window.setProgressBar(taskbar);
      if (notice && Notification.isSupported()) {
        const shown = new Notification({ title: notice.title, body: notice.body });
        shown.on('click', () => {
          if (!window) return;
          if (window.isMinimized()) window.restore();
          window.show();
          window.focus();
        });
        shown.show();
      }
    });
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
      const t = texts();
      void dialog
        .showMessageBox(window, { type: 'error', message: t('desktop:crash.message'), detail: t('desktop:crash.detail', { reason: details.reason, log: log.file }), buttons: [t('desktop:crash.reload'), t('desktop:crash.quit')], defaultId: 0 })
        .then(({ response }) => (response === 0 ? contents.reload() : app.quit()));
    });
    contents.on('unresponsive', () => log.warn('window: not responding'));
    contents.on('responsive', () => log.info('window: responding again'));
    window.on('closed', () => {
      stopForwarding();
      stopWatching();
      window = null;
    });
    core.start();
    let quitConfirmed = false;
    app.on('before-quit', (event) => {
      const question = quitConfirmed ? null : quitQuestion(core.runs.activeRuns(), resolveLanguage(settings.read().language, app.getLocale()));
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
