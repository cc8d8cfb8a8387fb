import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from '../../db/database.js';
import type { Migration } from '../../db/migrations/index.js';
import { MIGRATIONS } from '../../db/migrations/index.js';
import { MilensError } from '../../main/api/errors.js';
import { makeTempFolder } from '../helpers/temp.js';

describe('openDatabase', () => {
  it('creates the file in WAL mode with every migration applied, and is idempotent on reopen', () => {
    const file = path.join(makeTempFolder(), 'nested', 'milens.sqlite');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    db.close();
    const reopened = openDatabase(file);
    const rows = reopened.prepare('SELECT version FROM schema_version ORDER BY version').all() as Array<{ version: number }>;
    expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
    reopened.close();
  });

  it('numbers migrations strictly increasing from 1', () => {
    MIGRATIONS.forEach((migration, index) => expect(migration.version).toBe(index + 1));
  });

  it('rolls back a failing migration and keeps what was stored before', () => {
    const file = path.join(makeTempFolder(), 'milens.sqlite');
    const first: Migration = { version: 1, name: 'notes', up: (db) => db.exec('CREATE TABLE notes (text TEXT)') };
    const db = openDatabase(file, { migrations: [first] });
    db.prepare('INSERT INTO notes VALUES (?)').run('kept');
    db.close();
    const broken: Migration = {
      version: 2,
      name: 'broken',
      up: (database) => {
        database.exec('CREATE TABLE half_done (x INTEGER)');
        database.exec('INSERT INTO no_such_table VALUES (1)');
      },
    };
    expect(() => openDatabase(file, { migrations: [first, broken] })).toThrow(/no such table/);
    const after = openDatabase(file, { migrations: [first] });
    expect(schemaVersion(after)).toBe(1);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    expect(after.prepare('SELECT text FROM notes').pluck().all()).toEqual(['kept']);
    after.close();
  });

  it('refuses a database from a newer milens, naming the file', () => {
    const file = path.join(makeTempFolder(), 'future.sqlite');
    const future: Migration[] = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'future', up: () => {} }];
    openDatabase(file, { migrations: future }).close();
    expect(() => openDatabase(file)).toThrow(MilensError);
    expect(() => openDatabase(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*newer than this milens`));
  });

  it('names the file when it is not a database', () => {
    const file = path.join(makeTempFolder(), 'not-a-db.sqlite');
    writeFileSync(file, 'this is plain text, not SQLite, and long enough to fill a header page '.repeat(20));
    expect(() => openDatabase(file)).toThrow(/not-a-db\.sqlite/);
  });
});
