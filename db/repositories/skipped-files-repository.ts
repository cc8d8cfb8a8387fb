// Data access for `skipped_files`: files a scan found but could not index, with the reason.
import type { Database } from 'better-sqlite3';

export interface SkippedFile {
  path: string;
  reason: string;
}

export class SkippedFilesRepository {
  constructor(private readonly db: Database) {}

  /** Replaces the collection's list with the latest scan's (call inside the scan's final transaction). */
  replaceAll(collectionId: number, skipped: readonly SkippedFile[], recordedAt: string): void {
    this.db.prepare('DELETE FROM skipped_files WHERE collection_id = ?').run(collectionId);
    const insert = this.db.prepare('INSERT OR REPLACE INTO skipped_files (collection_id, path, reason, recorded_at) VALUES (?, ?, ?, ?)');
    for (const file of skipped) insert.run(collectionId, file.path, file.reason, recordedAt);
  }

  list(collectionId: number): SkippedFile[] {
    return this.db
      .prepare('SELECT path, reason FROM skipped_files WHERE collection_id = ? ORDER BY path')
      .all(collectionId) as SkippedFile[];
  }
}
