// The baseline every lexical model here must beat: SQLite FTS5 with the porter tokenizer, bm25()
// ranking and the query's terms OR-joined, over the same files milens indexes.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

export function runFts5Baseline(documentsFolder, queries, depth = 1000) {
  const db = new BetterSqlite3(':memory:');
  db.exec("CREATE VIRTUAL TABLE documents USING fts5(docid UNINDEXED, body, tokenize = 'porter')");
  const insert = db.prepare('INSERT INTO documents (docid, body) VALUES (?, ?)');
  db.transaction(() => {
    for (const file of readdirSync(documentsFolder))
      insert.run(path.basename(file, '.txt'), readFileSync(path.join(documentsFolder, file), 'utf8'));
  })();
  const search = db.prepare('SELECT docid FROM documents WHERE documents MATCH ? ORDER BY bm25(documents) LIMIT ?').pluck();
  const rankings = new Map();
  for (const query of queries) {
    const terms = [...new Set(query.text.toLowerCase().match(/[a-z0-9]+/g) ?? [])];
    rankings.set(query.id, terms.length ? search.all(terms.map((term) => `"${term}"`).join(' OR '), depth) : []);
  }
  db.close();
  return rankings;
}
