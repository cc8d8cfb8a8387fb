// `milens serve`: the milens interface in a browser, on 127.0.0.1, with an access token in the printed URL
// (both the token and, without --port, the port are kept per data folder, so the address survives a restart),
// re-indexing changed collection folders in the background unless --no-watch. Runs until
// SIGINT / SIGTERM, then stops the watcher, the server and the database, in that order.
import type { Command } from 'commander';
import { DEFAULT_HOST } from '../../server/default-host.js';
import { logInfo, printJsonLine, printText } from '../output.js';
import { openCore, withDatabaseOption, withJsonOption, type CommonOptions } from '../shell.js';
import { parseIntegerFlag } from './mi.js';

interface ServeOptions extends CommonOptions {
  /** Undefined without --port: the port of last time for this data folder, when free. */
  port?: string;
  host: string;
  allowRemote?: boolean;
  /** False with --no-watch. */
  watch: boolean;
}

export function registerServe(program: Command): void {
  withJsonOption(
    withDatabaseOption(
      program
        .command('serve')
        .description('serve the milens interface and API to your browser on 127.0.0.1, protected by a one-time token')
        .option('--port <n>', 'port to listen on (0 picks a free one; default: the one of last time for this data folder, when free)')
        .option('--host <address>', 'address to listen on; anything but loopback needs --allow-remote', DEFAULT_HOST)
        .option('--allow-remote', 'allow listening on a non-loopback address (exposes the API to the network)')
        .option('--no-watch', 'do not watch the collection folders and re-index them in the background'),
    ),
  ).action(async (options: ServeOptions) => {
    const port = options.port === undefined ? undefined : parseIntegerFlag('--port', options.port, 0, 65_535)!;
    // Loaded here: the HTTP server, watcher and collection code are not needed by any other command.
    const { startServeShell } = await import('../../server/serve-shell.js');
    const shell = await startServeShell({
      core: openCore(options),
      host: options.host,
      port,
      allowRemote: options.allowRemote ?? false,
      watch: options.watch,
      log: logInfo,
    });
    const { server } = shell;
    // `on`, not `once`: Ctrl+C in a terminal signals the whole process group, so a wrapper such as
    // `npm start` may forward a second SIGINT, which must not kill the process halfway through closing.
    // Listening before the address is printed: whoever reads it may stop the server at once, and a signal
    // that arrives before its handler would end the process without closing the database.
    let stop: (signal: NodeJS.Signals) => void = () => {};
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      stop = resolve;
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    if (options.json) printJsonLine({ url: server.url, port: server.port, token: server.token, watching: shell.watching });
    else printText(server.url);
    logInfo(
      `milens: serving on ${server.origin} with database ${shell.core.context.databasePath}` +
        `${shell.watching ? ', re-indexing changed collection folders in the background' : ' (not watching folders)'}; press Ctrl+C to stop`,
    );
    const signal = await stopped;
    logInfo(`milens: ${signal} received, stopping`);
    await shell.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
}
