// Entry point of the Electron shell (the main process): one sandboxed window showing the renderer over
// app://, the core running in a worker thread with its own connection to a database in the user's data
// folder (CoreHost, main/host: indexing, embedding and MI never stall the window), the API reachable only
// through the preload's IPC bridge, and no remote content, permissions or extra windows. Once the window
// has loaded, the collection folders are watched and re-indexed in the background (in the worker); on
// quit (or SIGINT / SIGTERM) the watcher is stopped and indexing runs briefly finish before the core closes.
import path from 'node:path';
import { app, session, type BrowserWindow, type WebContents } from 'electron';
import { CoreHost } from '../host/core-host.js';
import { handleAppProtocol, registerAppScheme } from './app-protocol.js';
import { installIpcBridge } from './ipc-bridge.js';
import { createMainWindow, lockDown } from './main-window.js';
import { installAppMenu } from './app-menu.js';
import { installDesktopIpc } from './desktop-ipc.js';
import { keepWindowState, loadWindowState } from './window-state.js';

// Tests and portable runs point the app at a throw-away folder (database included).
if (process.env.MILENS_USER_DATA) app.setPath('userData', path.resolve(process.env.MILENS_USER_DATA));

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  // Another milens window is open: it gets focused (below) and this process leaves.
  app.quit();
} else {
  let core: CoreHost | undefined;
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

    const host = new CoreHost({
      databasePath: path.join(app.getPath('userData'), 'milens.sqlite'),
      onCrash: (reason) => {
        console.error(`milens: the core stopped unexpectedly (${reason}); it starts again with the next call.`);
        // The background indexing that ran in the lost worker comes back with a fresh one.
        if (watching && !shutdown) startWatching(true);
      },
      onWatchError: (message, collectionId) => {
        if (!shutdown)
          console.error(
            `milens: background indexing${collectionId === undefined ? '' : ` of collection ${collectionId}`} failed: ${message}`,
          );
      },
    });
    core = host;
    handleAppProtocol(
      path.join(app.getAppPath(), 'dist', 'renderer'),
      (pathname) => host.thumbnail(pathname),
      (itemId) => host.itemFile(itemId),
    );
    removeDesktopIpc = installDesktopIpc(() => core, isOurWindow);
    installAppMenu(() => [...windows].find((candidate) => !candidate.isDestroyed() && candidate.isFocused()) ?? [...windows][0]);
    removeBridge = installIpcBridge(host.api, host, isOurWindow, () =>
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
  let restartedAt = -Infinity;
  let shutdown: Promise<void> | undefined;
  const startWatching = (afterCrash = false) => {
    if (!core || (watching && !afterCrash)) return;
    // A worker that keeps crashing (a database it cannot open) is not restarted in a loop: once a minute at most.
    if (afterCrash && performance.now() - restartedAt < 60_000) return;
    if (afterCrash) restartedAt = performance.now();
    watching = true;
    core.startWatching().catch((error: unknown) => console.error(`milens: watching the collection folders failed: ${messageOf(error)}`));
  };

  // Quitting waits for the worker to stop the watcher (indexing runs in flight finish, briefly) and close
  // the database: the first will-quit is held back, and the app quits again once that is done.
  app.on('will-quit', (event) => {
    if (!core) return;
    event.preventDefault();
    shutdown ??= (async () => {
      const closing = core;
      try {
        await closing?.close();
      } catch (error) {
        console.error(`milens: closing the core failed: ${messageOf(error)}`);
      } finally {
        removeBridge?.();
        removeDesktopIpc?.();
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
