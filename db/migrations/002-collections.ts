import type { Migration } from './index.js';

/**
 * Collections of folders and the text index over them.
 *
 * - `collections`: one row per indexed folder. Its id is AUTOINCREMENT so that an id is never reused: a
 *   run that outlived its collection can never write into a newer collection that got the same id.
 * - `documents`: one row per indexed file, with the size, mtime and content hash that change detection
 *   compares, the title shown in results and the document's length in index terms.
 * - `passages`: the retrieval unit. Long documents are split; each passage keeps its text (for snippets)
 *   and its term vector (pairs of uint32 term id and frequency, little-endian) so that deleting it can
 *   undo its statistics and query expansion can read it without a secondary index on `postings`.
 * - `terms`: document frequency (in passages) and collection frequency of every index term: the
 *   p(w|C) = cf / total length of the language model.
 * - `postings`: term id, passage id, term frequency, clustered by term so one term's postings are one
 *   range scan. Rows are only ever written and removed by the passage repository, inside the same
 *   transaction as the passage and the `terms` statistics, so they never disagree.
 * - `text_index_totals`: one row of running totals (passages, tokens, postings = Σ df) kept in the same
 *   transactions as the rows they count, so μ and p(w|C) never need a scan.
 * - `skipped_files`: what a scan could not index, and why.
 */
export const collectionsSchema: Migration = {
  version: 2,
  name: 'collections',
  up(db) {
    db.exec(`
      CREATE TABLE collections (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        added_at TEXT NOT NULL,
        last_indexed_at TEXT
      ) STRICT;

      CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        format TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        content_hash TEXT NOT NULL,
        title TEXT NOT NULL,
        length INTEGER NOT NULL,
        indexed_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX documents_by_collection ON documents(collection_id);

      CREATE TABLE passages (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        text TEXT NOT NULL,
        length INTEGER NOT NULL,
        term_vector BLOB NOT NULL,
        UNIQUE (document_id, ordinal)
      ) STRICT;

      CREATE TABLE terms (
        id INTEGER PRIMARY KEY,
        term TEXT NOT NULL UNIQUE,
        df INTEGER NOT NULL,
        cf INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE postings (
        term_id INTEGER NOT NULL,
        passage_id INTEGER NOT NULL,
        tf INTEGER NOT NULL,
        PRIMARY KEY (term_id, passage_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE text_index_totals (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        passages INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        postings INTEGER NOT NULL
      ) STRICT;
      INSERT INTO text_index_totals (id, passages, tokens, postings) VALUES (1, 0, 0, 0);

      CREATE TABLE skipped_files (
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        reason TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (collection_id, path)
      ) STRICT;
    `);
  },
};
