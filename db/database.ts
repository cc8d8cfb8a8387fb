// The only way milens opens its SQLite file: WAL journal, foreign keys on, migrations applied in
// transactions, and a clear error naming the file when it cannot be opened or is from a newer milens.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { MilensError } from '../main/api/errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type { Database };

export interface OpenDatabaseOptions {
  readonly?: boolean;
  /** Migrations to apply; the product's list by default (tests pass their own). */
  migrations?: readonly Migration[];
}

/**
 * better-sqlite3 is loaded on the first open, not with this module: loading its native binding costs
 * ~9 ms, and commands that never touch the database (`milens mi`, `milens select`) should not pay it.
 */
let sqlite: typeof BetterSqlite3 | undefined;
function loadSqlite(): typeof BetterSqlite3 {
  return (sqlite ??= createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3);
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database {
  const migrations = options.migrations ?? MIGRATIONS;
  let db: Database;
  try {
    if (!options.readonly && file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const BetterSqlite3 = loadSqlite();
    db = new BetterSqlite3(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (error) {
    throw new MilensError('UNREADABLE', `Cannot open database ${file}: ${(error as Error).message}`, { path: file });
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commit.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(db, file, migrations);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof MilensError) throw error;
    // SQLite's own messages ("file is not a database") do not say which file.
    throw new MilensError('UNREADABLE', `Cannot open database ${file}: ${(error as Error).message}`, { path: file });
  }
}

export function schemaVersion(db: Database): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!exists) return 0;
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null };
  return row.version ?? 0;
}

function migrate(db: Database, file: string, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const current = schemaVersion(db);
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new MilensError(
      'UNSUPPORTED',
      `Database ${file} has schema version ${current}, newer than this milens understands (${newest}); upgrade milens.`,
      { path: file },
    );
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      // Read again under the write lock: another process opening the same new file may have applied it.
      if (schemaVersion(db) >= migration.version) return;
      migration.up(db);
      record.run(migration.version, migration.name, new Date().toISOString());
    }).immediate();
  }
}
