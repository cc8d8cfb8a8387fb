import type { Migration } from './index.js';

/**
 * Photos and their image–text embeddings.
 *
 * A photo is a `documents` row like any other item of its collection (kind 'image', format the real
 * format sniffed from its bytes, length 0), so change detection, removal, counts and crash safety are the
 * text path's. Its own facts live beside it:
 *
 * - `photos`: one row per image document (cascades with it): pixel size after EXIF orientation, what
 *   EXIF says about when, with what and where it was taken, and whether it was animated (only the first
 *   frame is indexed).
 * - `image_embeddings`: one vector per (model, content hash), not per file: a photo renamed or moved
 *   inside its collection, or a copy of it, finds its vector by hash and is never run through the model
 *   again. Vectors are L2-normalised float16, little-endian, `dimension` values. Rows no document refers
 *   to any more are removed at the end of each indexing run.
 * - `documents_by_content_hash`: the index that join needs.
 */
export const photosSchema: Migration = {
  version: 3,
  name: 'photos',
  up(db) {
    db.exec(`
      CREATE TABLE photos (
        document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        format TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        taken_at TEXT,
        taken_at_offset TEXT,
        camera_make TEXT,
        camera_model TEXT,
        lens TEXT,
        latitude REAL,
        longitude REAL,
        animated INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE INDEX documents_by_content_hash ON documents(content_hash);

      CREATE TABLE image_embeddings (
        model_id TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        dimension INTEGER NOT NULL,
        vector BLOB NOT NULL,
        embedded_at TEXT NOT NULL,
        PRIMARY KEY (model_id, content_hash)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
