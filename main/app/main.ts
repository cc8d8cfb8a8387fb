// Entry point of the Electron shell (the main process): one sandboxed window showing the renderer over
// app://, the core opened on a database in the user's data folder, the API reachable only through the
// preload's IPC bridge, and no remote content, permissions or extra windows. Once the window has
// loaded, the collection folders are watched and re-indexed in the background; on quit (or SIGINT /
// SIGTERM) the watcher is stopped before the core closes.
import path from 'node:path';
import { app, session, type BrowserWindow, type WebContents } from 'electron';
import { createMilensCore, type MilensCore } from '../core/api.js';
import { startCollectionWatcher, stopCollectionWatcher, thumbnailServerOf } from '../core/collection-calls.js';
import { handleAppProtocol, registerAppScheme } from './app-protocol.js';
import { installIpcBridge } from './ipc-bridge.js';
import { createMainWindow, lockDown } from './main-window.js';
import { installAppMenu } from './app-menu.js';
import { installDesktopIpc } from './desktop-ipc.js';
import { keepWindowState, loadWindowState } from './window-state.js';
import { itemFile } from '../core/item-files.js';

// Tests and portable runs point the app at a throw-away folder (database included).
if (process.env.MILENS_USER_DATA) app.setPath('userData', path.resolve(process.env.MILENS_USER_DATA));

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  // Another milens window is open: it gets focused (below) and this process leaves.
  app.quit();
} else {
  let core: MilensCore | undefined;
  let removeBridge: (() => void) | undefined;
  let removeDesktopIpc: (() => void) | undefined;
  const windows = new Set<BrowserWindow>();

  const openWindow = () => {
    // One window: its size and place come back from the last run.
    const userData = app.getPath('userData');
    const window = createMainWindow(path.join(app.getAppPath(), 'dist', 'preload', 'preload.cjs'), loadWindowState(userData));
    keepWindowState(window, userData);
    windows.add(window);
    window.on('closed', () => windows.delete(window));
    return window;
  };
  const isOurWindow = (contents: WebContents) => [...windows].some((window) => !window.isDestroyed() && window.webContents === contents);

  app.on('second-instance', () => {
    const [window] = windows;
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  // Every web contents, whoever creates it, gets the same locks as the main window.
  app.on('web-contents-created', (_event, contents) => lockDown(contents));

  void app.whenReady().then(() => {
    const defaultSession = session.defaultSession;
    // No camera, microphone, notifications, geolocation… milens asks for none of them.
    defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    defaultSession.setPermissionCheckHandler(() => false);
    // No remote content: the page is bundled and talks to the core over IPC only.
    defaultSession.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] }, (_details, callback) =>
      callback({ cancel: true }),
    );

    core = createMilensCore({ databasePath: path.join(app.getPath('userData'), 'milens.sqlite') });
    const opened = core;
    handleAppProtocol(
      path.join(app.getAppPath(), 'dist', 'renderer'),
      (pathname) => thumbnailServerOf(opened.context).forPath(pathname),
      (itemId) => itemFile(opened.context.database(), itemId),
    );
    removeDesktopIpc = installDesktopIpc(() => core, isOurWindow);
    installAppMenu(() => [...windows].find((candidate) => !candidate.isDestroyed() && candidate.isFocused()) ?? [...windows][0]);
    removeBridge = installIpcBridge(core.api, core.context, isOurWindow, () =>
      [...windows].filter((window) => !window.isDestroyed()).map((window) => window.webContents),
    );
    const window = openWindow();
    // After the first paint: the first background run of every collection then reports to a page that listens.
    window.webContents.once('did-finish-load', () => startWatching());

    app.on('activate', () => {
      if (windows.size === 0) openWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  let watching = false;
  let shutdown: Promise<void> | undefined;
  const startWatching = () => {
    if (!core || watching) return;
    watching = true;
    startCollectionWatcher(core.context, {
      onError: (error, collectionId) => {
        if (!shutdown) console.error(`milens: background indexing of collection ${collectionId} failed: ${messageOf(error)}`);
      },
    }).catch((error: unknown) => console.error(`milens: watching the collection folders failed: ${messageOf(error)}`));
  };

  // Quitting waits for the watcher to stop (and indexing runs in flight to finish, briefly) before the
  // core closes: the first will-quit is held back, and the app quits again once that is done.
  app.on('will-quit', (event) => {
    if (!core) return;
    event.preventDefault();
    shutdown ??= (async () => {
      const closing = core;
      try {
        if (watching && closing) await stopCollectionWatcher(closing.context);
      } catch (error) {
        console.error(`milens: stopping the folder watcher failed: ${messageOf(error)}`);
      } finally {
        removeBridge?.();
        removeDesktopIpc?.();
        await closing?.close();
        core = undefined;
        app.quit();
      }
    })();
  });

  // Ctrl+C in a terminal or a service manager's SIGTERM: quit through the same path as closing the window.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
