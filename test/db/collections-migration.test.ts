// Migration 002 (collections and the text index): applies on top of 001 and enforces its constraints.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/database.js';
import { MIGRATIONS } from '../../db/migrations/index.js';
import { collectionsSchema } from '../../db/migrations/002-collections.js';
import { makeTempFolder } from '../helpers/temp.js';

describe('migration 002: collections', () => {
  it('is listed as version 2 and upgrades a version-1 database', () => {
    expect(MIGRATIONS[1]).toBe(collectionsSchema);
    const file = path.join(makeTempFolder(), 'milens.sqlite');
    openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) }).close();
    const db = openDatabase(file, { migrations: MIGRATIONS.slice(0, 2) });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['collections', 'documents', 'passages', 'terms', 'postings', 'skipped_files', 'text_index_totals']),
    );
    expect(db.prepare('SELECT passages, tokens, postings FROM text_index_totals').get()).toEqual({ passages: 0, tokens: 0, postings: 0 });
    db.close();
  });

  it('cascades from a collection to its documents, passages and skipped files, and keeps paths unique', () => {
    const db = openDatabase(path.join(makeTempFolder(), 'milens.sqlite'));
    db.prepare("INSERT INTO collections (id, path, name, added_at) VALUES (1, '/notes', 'notes', 'now')").run();
    const insertDocument = db.prepare(
      "INSERT INTO documents (collection_id, path, kind, format, size, mtime_ms, content_hash, title, length, indexed_at) VALUES (1, ?, 'text', 'text', 1, 1, 'h', 't', 1, 'now')",
    );
    const documentId = Number(insertDocument.run('/notes/a.txt').lastInsertRowid);
    expect(() => insertDocument.run('/notes/a.txt')).toThrow(/UNIQUE/);
    db.prepare("INSERT INTO passages (document_id, ordinal, text, length, term_vector) VALUES (?, 0, 'a', 1, x'')").run(documentId);
    db.prepare(
      "INSERT INTO skipped_files (collection_id, path, reason, recorded_at) VALUES (1, '/notes/b.bin', 'binary file', 'now')",
    ).run();
    expect(() => db.prepare('INSERT INTO text_index_totals (id, passages, tokens, postings) VALUES (2, 0, 0, 0)').run()).toThrow(/CHECK/);
    db.prepare('DELETE FROM collections WHERE id = 1').run();
    for (const table of ['documents', 'passages', 'skipped_files'])
      expect(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get(), table).toBe(0);
    db.close();
  });

  it('never reuses a collection id, even after the newest collection is removed', () => {
    const db = openDatabase(path.join(makeTempFolder(), 'milens.sqlite'));
    const insert = db.prepare("INSERT INTO collections (path, name, added_at) VALUES (?, 'n', 'now')");
    Number(insert.run('/a').lastInsertRowid);
    const second = Number(insert.run('/b').lastInsertRowid);
    db.prepare('DELETE FROM collections WHERE id = ?').run(second);
    expect(Number(insert.run('/c').lastInsertRowid)).toBeGreaterThan(second);
    db.close();
  });
});
