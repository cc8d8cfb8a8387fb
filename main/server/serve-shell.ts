// The browser version of the app as one unit: the core, the HTTP server in front of it and, unless
// turned off, the collection watcher that re-indexes changed folders in the background (progress and
// completion reach the page as `indexProgress` / `indexFinished` events). `milens serve` runs exactly
// this; closing stops the watcher first, then the server, then the core.
import type { IndexReport } from '../api/contract.js';
import type { MilensCore } from '../core/api.js';
import path from 'node:path';
import { startCollectionWatcher, stopCollectionWatcher, thumbnailServerOf } from '../core/collection-calls.js';
import { itemFile } from '../core/item-files.js';
import { startServer, type RunningServer, type ServeOptions } from './server.js';
import { persistentAccessToken, persistentCookieSecret } from './token-store.js';
import { rememberedPort, rememberPort } from './port-store.js';

export interface ServeShellOptions extends Omit<ServeOptions, 'api' | 'events' | 'port'> {
  /**
   * The port to listen on; 0 picks a free one. Without it, the port used last time for this data folder
   * (`serve-port`) when it is free, else a free one (and the log says why the address changed).
   */
  port?: number;
  /** The core to serve; the shell owns it from here on and closes it (also when starting fails). */
  core: MilensCore;
  /** Watch the collection folders and re-index in the background (default true; `--no-watch` turns it off). */
  watch?: boolean;
  /** Quiet period after the last change in a folder before it is re-indexed, in milliseconds (default 1000). */
  watchDebounceMs?: number;
  /** How long closing waits for indexing runs in flight, in milliseconds (default 5000). */
  closeGraceMs?: number;
}

export interface ServeShell {
  core: MilensCore;
  server: RunningServer;
  /** Whether the collection watcher runs. */
  watching: boolean;
  /** Resolves once every collection folder is watched (at once without watching; never rejects). */
  watcherReady: Promise<void>;
  /** Stops the watcher (letting runs in flight finish within the grace period), the server and the core. */
  close(): Promise<void>;
}

export async function startServeShell(options: ServeShellOptions): Promise<ServeShell> {
  const { core, watch = true, watchDebounceMs, closeGraceMs, ...serverOptions } = options;
  const log = serverOptions.log ?? (() => {});
  let server: RunningServer;
  try {
    // One token and one port per data folder (the database's), kept across restarts so bookmarks keep working.
    const dataFolder = path.dirname(path.resolve(core.context.databasePath));
    const token = serverOptions.token ?? persistentAccessToken(dataFolder);
    const staticSecret = serverOptions.staticSecret ?? persistentCookieSecret(dataFolder);
    const start = (port: number) =>
      startServer({
        ...serverOptions,
        port,
        token,
        staticSecret,
        api: core.api,
        events: core.context,
        itemFiles: (itemId) => itemFile(core.context.database(), itemId),
        thumbnails: (pathname) => thumbnailServerOf(core.context).forPath(pathname),
      });
    const remembered = options.port === undefined ? rememberedPort(dataFolder) : undefined;
    try {
      server = await start(options.port ?? remembered ?? 0);
    } catch (error) {
      if (remembered === undefined || !isAddressInUse(error)) throw error;
      server = await start(0);
      log(
        `milens: port ${remembered}, used last time for this data folder, is taken by another program; serving on port ${server.port} ` +
          `instead, and keeps ${server.port} from now on (an address bookmarked with port ${remembered} will not open)`,
      );
    }
    try {
      rememberPort(dataFolder, server.port);
    } catch (error) {
      // Not fatal: the server runs; only the next start may pick another port.
      log(`milens: could not remember port ${server.port} for the next start: ${messageOf(error)}`);
    }
  } catch (error) {
    await core.close();
    throw error;
  }

  let stopping = false;
  // Not awaited: watching a large folder takes a while to set up (chokidar walks it), and the page
  // should not wait for that. Changes made meanwhile are caught by the first run of each collection.
  const watcherReady = watch
    ? startCollectionWatcher(core.context, {
        debounceMs: watchDebounceMs,
        onIndexed: (report) => {
          if (!stopping && changed(report))
            log(`milens: re-indexed ${report.collection.path} in the background: ${describeChanges(report)}`);
        },
        onError: (error, collectionId) => {
          // Once stopping, a run cut short by the closing database is expected and resumes next time.
          if (!stopping) log(`milens: background indexing of collection ${collectionId} failed: ${messageOf(error)}`);
        },
      }).then(
        () => undefined,
        (error: unknown) => {
          if (!stopping) log(`milens: watching the collection folders failed: ${messageOf(error)}`);
        },
      )
    : Promise.resolve();

  let closing: Promise<void> | undefined;
  return {
    core,
    server,
    watching: watch,
    watcherReady,
    close() {
      closing ??= (async () => {
        stopping = true;
        try {
          if (watch) await stopCollectionWatcher(core.context, { graceMs: closeGraceMs });
          await server.close();
        } finally {
          await core.close();
        }
      })();
      return closing;
    },
  };
}

function changed(report: IndexReport): boolean {
  return report.added + report.updated + report.removed > 0;
}

function describeChanges(report: IndexReport): string {
  return `${report.added} added, ${report.updated} updated, ${report.removed} removed`;
}

function isAddressInUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EADDRINUSE';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
