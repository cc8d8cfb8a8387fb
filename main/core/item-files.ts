// The files behind indexed items, for the shells' "open" and "download": an item id becomes a path only
// when the item is in the index and its file still lies inside its collection's folder (a link that
// leads out of the folder, or a row left behind by a removed collection, answers nothing).
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SearchResult } from '../api/contract.js';
import type { Database } from '../../db/database.js';

export interface ItemFile {
  itemId: number;
  path: string;
  sizeBytes: number;
}

export function itemFile(db: Database, itemId: number): ItemFile | undefined {
  if (!Number.isSafeInteger(itemId) || itemId < 1) return undefined;
  const row = db
    .prepare('SELECT d.path AS path, c.path AS folder FROM documents d JOIN collections c ON c.id = d.collection_id WHERE d.id = ?')
    .get(itemId) as { path: string; folder: string } | undefined;
  if (!row) return undefined;
  try {
    const real = realpathSync(row.path);
    const folder = realpathSync(row.folder);
    const relative = path.relative(folder, real);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
    const info = statSync(real);
    if (!info.isFile()) return undefined;
    return { itemId, path: real, sizeBytes: info.size };
  } catch {
    return undefined;
  }
}

/** Fills in `itemId` / `collectionId` of results whose search path did not set them (looked up by path). */
export function attachItemIds(db: Database, results: SearchResult[]): SearchResult[] {
  const missing = results.filter((result) => result.itemId === undefined);
  if (missing.length === 0) return results;
  const lookup = db.prepare('SELECT id, collection_id AS collectionId FROM documents WHERE path = ?');
  for (const result of missing) {
    const row = lookup.get(result.path) as { id: number; collectionId: number } | undefined;
    if (!row) continue;
    result.itemId = row.id;
    result.collectionId ??= row.collectionId;
  }
  return results;
}
