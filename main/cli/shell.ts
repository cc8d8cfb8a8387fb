// Shared plumbing of CLI commands: the common --db / --json options, opening the core, and turning
// errors into a message on stderr and a non-zero exit code.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { MilensError, notFound, serializeError } from '../api/errors.js';
import type { MilensApi } from '../api/contract.js';
import { createMilensCore, type MilensCore } from '../core/api.js';
import { defaultDatabasePath } from '../system/paths.js';
import { printJson } from './output.js';

export interface CommonOptions {
  db?: string;
  json?: boolean;
}

export function withDatabaseOption(command: Command): Command {
  return command.option('--db <file>', `SQLite database file (default: ${defaultDatabasePath()})`);
}

export function withJsonOption(command: Command): Command {
  return command.option('--json', 'print machine-readable JSON on stdout');
}

export function openCore(options: CommonOptions): MilensCore {
  if (options.db === undefined) return createMilensCore();
  const databasePath = path.resolve(options.db);
  // The default data folder is created on first use; a folder the user named must already exist, so
  // that a typo in --db does not silently create a new tree and an empty database there.
  if (!existsSync(path.dirname(databasePath))) {
    throw notFound(`The folder of --db ${options.db} does not exist: ${path.dirname(databasePath)}`, {
      argument: '--db',
      value: options.db,
      path: databasePath,
    });
  }
  return createMilensCore({ databasePath });
}

/** Runs a command body against the API and closes the database afterwards, whatever happens. */
export async function withApi<T>(options: CommonOptions, run: (api: MilensApi, core: MilensCore) => Promise<T>): Promise<T> {
  const core = openCore(options);
  try {
    return await run(core.api, core);
  } finally {
    await core.close();
  }
}

/**
 * Exit codes: 2 for a usage, argument or input-shape problem (an invalid value, a column the table lacks,
 * a column with too few values, a --db folder that does not exist: an INVALID_ARGUMENT error, or a
 * NOT_FOUND one that names the column or argument), 1 for everything else (a file that cannot be read,
 * storage, a failed computation).
 */
export function exitCodeFor(error: unknown): number {
  if (serializeError(error).code === 'INVALID_ARGUMENT') return 2;
  const details = error instanceof MilensError ? error.details : undefined;
  return error instanceof MilensError && error.code === 'NOT_FOUND' && (details?.column !== undefined || details?.argument !== undefined)
    ? 2
    : 1;
}

export function reportError(error: unknown, json: boolean): void {
  const serialized = serializeError(error);
  if (json) printJson({ error: serialized });
  process.stderr.write(`milens: ${serialized.message}\n`);
  if (serialized.code === 'INTERNAL' && process.env.MILENS_DEBUG && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
}
