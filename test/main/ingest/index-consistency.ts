// Checks that the text index agrees with itself: what a crash or a bug would break first.
import type { Database } from 'better-sqlite3';
import { decodeTermVector } from '../../../db/repositories/text-index-repository.js';

/** Returns a list of inconsistencies (empty when the index is sound). */
export function indexInconsistencies(db: Database): string[] {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
  const documentLengths = db
    .prepare(
      'SELECT d.id, d.length, COALESCE(SUM(p.length), 0) AS passageLength FROM documents d LEFT JOIN passages p ON p.document_id = d.id GROUP BY d.id',
    )
    .all() as Array<{ id: number; length: number; passageLength: number }>;
  for (const row of documentLengths)
    if (row.length !== row.passageLength)
      problems.push(`document ${row.id}: length ${row.length} but passages sum to ${row.passageLength}`);
  // What the passages' term vectors say, what the postings say, and what the terms table says must agree.
  const fromVectors = new Map<number, { df: number; cf: number }>();
  const vectorSizes = new Map<number, number>();
  let postingsInVectors = 0;
  for (const row of db.prepare('SELECT id, term_vector FROM passages').all() as Array<{ id: number; term_vector: Buffer }>) {
    const pairs = decodeTermVector(row.term_vector);
    postingsInVectors += pairs.length;
    vectorSizes.set(row.id, pairs.length);
    for (const [termId, tf] of pairs) {
      const counts = fromVectors.get(termId) ?? { df: 0, cf: 0 };
      counts.df += 1;
      counts.cf += tf;
      fromVectors.set(termId, counts);
    }
  }
  const perPassage = db.prepare('SELECT passage_id, COUNT(*) FROM postings GROUP BY passage_id').raw().all() as Array<[number, number]>;
  for (const [passageId, count] of perPassage) {
    if (vectorSizes.get(passageId) !== count)
      problems.push(`passage ${passageId}: ${vectorSizes.get(passageId) ?? 'no'} terms in its vector but ${count} postings`);
  }
  const postingRows = perPassage.reduce((sum, [, count]) => sum + count, 0);
  if (postingRows !== postingsInVectors) problems.push(`${postingRows} postings rows but ${postingsInVectors} in term vectors`);
  const fromPostings = new Map(
    (db.prepare('SELECT term_id, COUNT(*), SUM(tf) FROM postings GROUP BY term_id').raw().all() as Array<[number, number, number]>).map(
      ([id, df, cf]) => [id, { df, cf }],
    ),
  );
  for (const term of db.prepare('SELECT id, term, df, cf FROM terms').all() as Array<{
    id: number;
    term: string;
    df: number;
    cf: number;
  }>) {
    const vectors = fromVectors.get(term.id) ?? { df: 0, cf: 0 };
    const postings = fromPostings.get(term.id) ?? { df: 0, cf: 0 };
    if (vectors.df !== term.df || vectors.cf !== term.cf || postings.df !== term.df || postings.cf !== term.cf) {
      problems.push(
        `term ${term.term}: df/cf ${term.df}/${term.cf}, vectors ${vectors.df}/${vectors.cf}, postings ${postings.df}/${postings.cf}`,
      );
    }
    fromVectors.delete(term.id);
    fromPostings.delete(term.id);
  }
  if (fromVectors.size > 0 || fromPostings.size > 0)
    problems.push(`term ids without a terms row: ${fromVectors.size} in vectors, ${fromPostings.size} in postings`);
  const totals = db.prepare('SELECT passages, tokens, postings FROM text_index_totals').get() as {
    passages: number;
    tokens: number;
    postings: number;
  };
  const actual = db.prepare('SELECT COUNT(*) AS passages, COALESCE(SUM(length), 0) AS tokens FROM passages').get() as {
    passages: number;
    tokens: number;
  };
  if (totals.passages !== actual.passages || totals.tokens !== actual.tokens || totals.postings !== postingRows) {
    problems.push(`totals ${JSON.stringify(totals)} but rows say ${JSON.stringify({ ...actual, postings: postingRows })}`);
  }
  return problems;
}
