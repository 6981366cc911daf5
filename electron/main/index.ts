/**
 * Electron composition root: lifecycle, hardened window, app:// protocol, IPC registration. No business logic:
 * the domain services come from electron/services (plain Node) through startApplication.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, dialog, protocol, session, type BrowserWindow, type OpenDialogOptions } from 'electron';
import { startApplication, type RunningApplication } from '../services/app/bootstrap';
import { registerIpcHandlers } from './ipc/register-ipc-handlers';
import { registerAppProtocol, APP_ORIGIN } from './app-protocol';
import { hardenSessions, createMainWindow } from './main-window';
import { electronSafeStorage, safeStorageDatabaseKey } from './safe-storage-key';
import { selectClientCertificate } from '../services/certs';
import { createSafeStorageCipher } from '../services/secrets';
import { createChromiumHttpSender } from './chromium-http-sender';
import { logProcessFaults } from '../services/logging/logger';

// The app speaks French whatever the system's language: Chromium's own words (context menus, native controls,
// validation bubbles) and Intl follow this switch, which must be set before the app is ready.
app.commandLine.appendSwitch('lang', 'fr');

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let running: RunningApplication | undefined;
  let mainWindow: BrowserWindow | undefined;

  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  // Chromium must never pick a client certificate by itself (docs/architecture.md §6): only requests to the active
  // environment's ViaTrajectoire endpoints get one, the certificate chosen in the store (a card's, through the OS).
  app.on('select-client-certificate', (event, _webContents, url, list, callback) => {
    event.preventDefault();
    if (!running) return callback();
    const services = running.ctx.connection;
    const settings = services.environments.get(services.environmentId);
    const choice = selectClientCertificate({
      requestUrl: url,
      allowedOrigins: [settings.fhirBaseUrl, settings.tokenUrl].filter((u) => u !== ''),
      expectedSha256Fingerprint: settings.certificateId
        ? services.registry.get(settings.certificateId).sha256Fingerprint
        : undefined,
      offered: list,
      now: Date.now(),
    });
    if (choice.decision === 'select') return callback(list[choice.index]);
    return callback();
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!url.startsWith(APP_ORIGIN)) e.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });

  void app.whenReady().then(async () => {
    hardenSessions(session.defaultSession, { devTools: !app.isPackaged });
    registerAppProtocol(path.join(__dirname, '../renderer'));
    running = await startApplication({
      dataRoot: app.getPath('userData'),
      shell: 'electron',
      version: app.getVersion(),
      databaseKey: safeStorageDatabaseKey,
      syncWorker: { url: pathToFileURL(path.join(__dirname, 'sync-worker.js')), execArgv: [] },
      // The window opens on what the database holds; the sandbox's start does not hold it back.
      sandboxInBackground: true,
      chromiumHttpSender: createChromiumHttpSender,
      // Main's own dialog: the renderer never names a file for main to load or read.
      chooseFile: async ({ title, extensions }) => {
        const options: OpenDialogOptions = {
          title,
          properties: ['openFile'],
          filters: [{ name: 'Bibliothèque', extensions: [...extensions] }],
        };
        const chosen = mainWindow
          ? await dialog.showOpenDialog(mainWindow, options)
          : await dialog.showOpenDialog(options);
        return chosen.canceled ? undefined : chosen.filePaths[0];
      },
      // Secrets (client secret, remembered .p12 passwords) are protected by the OS keychain under Electron.
      secretCipher: () => createSafeStorageCipher(electronSafeStorage),
    });
    // From here the log file is open: a fault nothing caught is written there.
    logProcessFaults();
    registerIpcHandlers(running);
    mainWindow = createMainWindow(path.join(__dirname, '../preload/index.cjs'), { devTools: !app.isPackaged });
    // The first sync's worker thread starts once the window shows, not while its first page loads.
    const firstSync = running.sync;
    mainWindow.once('show', () => {
      firstSync.runNow().catch(() => undefined);
    });
  });

  app.on('window-all-closed', () => {
    void running?.close().finally(() => app.quit());
  });
}
