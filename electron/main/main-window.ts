import { BrowserWindow, type Session } from 'electron';
import { APP_ORIGIN } from './app-protocol';
import { rendererRequestAllowed } from './request-filter';

/** Whether this build may open DevTools: a developer's build only, never a packaged one. */
export interface ShellBuild {
  readonly devTools: boolean;
}

/** Every window: isolated, sandboxed, no Node (docs/architecture.md §7). */
export function createMainWindow(preloadPath: string, build: ShellBuild): BrowserWindow {
  const window = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 1024,
    minHeight: 640,
    title: 'Référent VT',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false,
      devTools: build.devTools,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

/** The renderer does no networking and gets no permission (docs/architecture.md §7). */
export function hardenSessions(session: Session, build: ShellBuild): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !rendererRequestAllowed(details.url, { origin: APP_ORIGIN, devTools: build.devTools }) });
  });
}
