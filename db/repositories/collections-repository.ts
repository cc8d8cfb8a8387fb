// Data access for the `collections` table: folders a person asked milens to index.
import type { Database } from 'better-sqlite3';
import type { Collection } from '../../main/api/contract.js';

interface CollectionRow {
  id: number;
  path: string;
  name: string;
  added_at: string;
  last_indexed_at: string | null;
  document_count: number;
}

const SELECT_COLLECTION = `
  SELECT c.id, c.path, c.name, c.added_at, c.last_indexed_at,
         (SELECT COUNT(*) FROM documents d WHERE d.collection_id = c.id) AS document_count
  FROM collections c`;

function toCollection(row: CollectionRow): Collection {
  return {
    id: row.id,
    path: row.path,
    name: row.name,
    addedAt: row.added_at,
    lastIndexedAt: row.last_indexed_at,
    documentCount: row.document_count,
  };
}

export class CollectionsRepository {
  constructor(private readonly db: Database) {}

  list(): Collection[] {
    return (this.db.prepare(`${SELECT_COLLECTION} ORDER BY c.path`).all() as CollectionRow[]).map(toCollection);
  }

  findById(id: number): Collection | undefined {
    const row = this.db.prepare(`${SELECT_COLLECTION} WHERE c.id = ?`).get(id) as CollectionRow | undefined;
    return row ? toCollection(row) : undefined;
  }

  findByPath(folder: string): Collection | undefined {
    const row = this.db.prepare(`${SELECT_COLLECTION} WHERE c.path = ?`).get(folder) as CollectionRow | undefined;
    return row ? toCollection(row) : undefined;
  }

  insert(folder: string, name: string, addedAt: string): Collection {
    const info = this.db.prepare('INSERT INTO collections (path, name, added_at) VALUES (?, ?, ?)').run(folder, name, addedAt);
    return this.findById(Number(info.lastInsertRowid))!;
  }

  markIndexed(id: number, at: string): void {
    this.db.prepare('UPDATE collections SET last_indexed_at = ? WHERE id = ?').run(at, id);
  }

  /** Deletes the row; documents and skipped files cascade. Callers remove the text index first. */
  delete(id: number): void {
    this.db.prepare('DELETE FROM collections WHERE id = ?').run(id);
  }
}
