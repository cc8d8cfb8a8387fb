// The milens window: sandboxed, context-isolated, no Node in the page, only the preload's bridge; it
// shows app://milens and nothing else (navigation and new windows are refused).
import path from 'node:path';
import { app, BrowserWindow, type WebContents } from 'electron';
import { APP_START_URL, isAppUrl } from './app-protocol.js';
import type { WindowState } from './window-state.js';

/** `restored`: the size and place saved at the last close (window-state.ts), when still on a screen. */
export function createMainWindow(preloadPath: string, restored?: WindowState): BrowserWindow {
  const window = new BrowserWindow({
    width: restored?.bounds.width ?? 1200,
    height: restored?.bounds.height ?? 860,
    ...(restored ? { x: restored.bounds.x, y: restored.bounds.y } : {}),
    minWidth: 720,
    minHeight: 520,
    title: 'milens',
    show: false,
    webPreferences: {
      preload: path.resolve(preloadPath),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // DevTools only in development, or when asked for explicitly (MILENS_DEVTOOLS=1) in a packaged build.
      devTools: !app.isPackaged || process.env.MILENS_DEVTOOLS === '1',
    },
  });
  // main.ts also locks down every web contents as it is created; doing it here keeps this window safe
  // wherever it is opened from.
  lockDown(window.webContents);
  window.once('ready-to-show', () => {
    if (restored?.maximized) window.maximize();
    window.show();
  });
  void window.loadURL(APP_START_URL);
  return window;
}

/** Refuses every navigation away from the app and every new window. */
export function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
