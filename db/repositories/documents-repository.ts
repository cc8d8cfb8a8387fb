// Data access for `documents`: one row per indexed file and the fingerprint change detection compares.
import type { Database } from 'better-sqlite3';

export interface DocumentFingerprint {
  id: number;
  path: string;
  size: number;
  mtimeMs: number;
  contentHash: string;
}

export interface NewDocument {
  collectionId: number;
  path: string;
  kind: 'text' | 'image';
  format: string;
  size: number;
  mtimeMs: number;
  contentHash: string;
  title: string;
  length: number;
  indexedAt: string;
}

export interface DocumentDisplay {
  id: number;
  path: string;
  title: string;
  kind: 'text' | 'image';
}

export class DocumentsRepository {
  constructor(private readonly db: Database) {}

  /** Every indexed file of a collection, by path. */
  fingerprints(collectionId: number): Map<string, DocumentFingerprint> {
    const rows = this.db
      .prepare('SELECT id, path, size, mtime_ms AS mtimeMs, content_hash AS contentHash FROM documents WHERE collection_id = ?')
      .all(collectionId) as DocumentFingerprint[];
    return new Map(rows.map((row) => [row.path, row]));
  }

  insert(document: NewDocument): number {
    const info = this.db
      .prepare(
        `INSERT INTO documents (collection_id, path, kind, format, size, mtime_ms, content_hash, title, length, indexed_at)
         VALUES (@collectionId, @path, @kind, @format, @size, @mtimeMs, @contentHash, @title, @length, @indexedAt)`,
      )
      .run(document);
    return Number(info.lastInsertRowid);
  }

  /** Records a new size/mtime for a file whose content hash did not change. */
  touch(id: number, size: number, mtimeMs: number): void {
    this.db.prepare('UPDATE documents SET size = ?, mtime_ms = ? WHERE id = ?').run(size, mtimeMs, id);
  }

  /** Deletes the row (passages cascade); callers remove the passages' postings first. */
  delete(id: number): void {
    this.db.prepare('DELETE FROM documents WHERE id = ?').run(id);
  }

  idOfPath(filePath: string): number | undefined {
    return this.db.prepare('SELECT id FROM documents WHERE path = ?').pluck().get(filePath) as number | undefined;
  }

  idsOfCollection(collectionId: number): number[] {
    return this.db.prepare('SELECT id FROM documents WHERE collection_id = ?').pluck().all(collectionId) as number[];
  }

  display(ids: readonly number[]): Map<number, DocumentDisplay> {
    const statement = this.db.prepare('SELECT id, path, title, kind FROM documents WHERE id = ?');
    const result = new Map<number, DocumentDisplay>();
    for (const id of ids) {
      const row = statement.get(id) as DocumentDisplay | undefined;
      if (row) result.set(id, row);
    }
    return result;
  }
}
