// SQLite's own messages ("database or disk is full", "disk I/O error", "database is locked") say
// neither which database nor what milens was doing. Every storage error of an indexing run passes
// through here and comes out naming the database file and the collection.
import type { Database } from 'better-sqlite3';
import { MilensError } from '../api/errors.js';

interface SqliteErrorLike extends Error {
  code: string;
}

function isSqliteError(error: unknown): error is SqliteErrorLike {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as SqliteErrorLike).code.startsWith('SQLITE_')
  );
}

/** The database's file as a person would look for it. */
export function databaseFileOf(db: Database): string {
  return db.name === ':memory:' || db.name === '' ? 'in-memory database' : db.name;
}

/** A MilensError naming the database file and the work for a SQLite error; anything else unchanged. */
export function namedStorageError(db: Database, error: unknown, doing: string): unknown {
  if (!isSqliteError(error)) return error;
  const full = error.code === 'SQLITE_FULL' || error.code === 'SQLITE_IOERR' || error.code.startsWith('SQLITE_IOERR_');
  return new MilensError(full ? 'UNAVAILABLE' : 'INTERNAL', `Database ${databaseFileOf(db)}: ${error.message} (while ${doing}).`, {
    path: databaseFileOf(db),
    sqliteCode: error.code,
  });
}
