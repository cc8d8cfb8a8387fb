// The text index writer holds a transaction's postings and inserts them at flush, sorted by term, many
// rows a statement. What it writes must be exactly what the passages' term vectors say, for documents of
// every size (fewer postings than one multi-row insert, many inserts' worth, a remainder), when a
// document is replaced, and when a document added in a transaction is removed again before the flush.
import { realpathSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../db/database.js';
import { decodeTermVector, TextIndexWriter } from '../../db/repositories/text-index-repository.js';
import { IndexingService } from '../../main/ingest/indexing-service.js';
import { makeTempFolder } from '../helpers/temp.js';
import { indexInconsistencies } from '../main/ingest/index-consistency.js';

const open: Database[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

/** Seeded prose: `words` words from a vocabulary of `vocabulary`, paragraphs of 40 words. */
function prose(words: number, vocabulary: number, seed: number): string {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648);
  const lines: string[] = [];
  for (let w = 0; w < words; w++) lines.push(`w${next() % vocabulary}${w % 40 === 39 ? '\n\n' : ''}`);
  return lines.join(' ');
}

/** Every posting as "term passage tf", from the postings table and from the passages' term vectors. */
function postingsBothWays(db: Database): { table: string[]; vectors: string[] } {
  const table = (db.prepare('SELECT term_id, passage_id, tf FROM postings').raw().all() as number[][]).map((row) => row.join(' '));
  const vectors: string[] = [];
  for (const row of db.prepare('SELECT id, term_vector FROM passages').all() as Array<{ id: number; term_vector: Buffer }>)
    for (const [term, tf] of decodeTermVector(row.term_vector)) vectors.push(`${term} ${row.id} ${tf}`);
  return { table: table.sort(), vectors: vectors.sort() };
}

describe('TextIndexWriter', () => {
  it('writes the postings the term vectors say, for small and large documents and after replacing one', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'notes');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'tiny.txt'), 'one small note');
    writeFileSync(path.join(folder, 'large.txt'), prose(30_000, 3000, 1));
    writeFileSync(path.join(folder, 'medium.txt'), prose(777, 500, 2));
    const db = openDatabase(path.join(root, 'milens.sqlite'));
    open.push(db);
    const service = new IndexingService(db);
    await service.indexFolder(folder);
    let { table, vectors } = postingsBothWays(db);
    expect(table.length).toBeGreaterThan(10_000);
    expect(table).toEqual(vectors);
    expect(indexInconsistencies(db)).toEqual([]);

    writeFileSync(path.join(folder, 'large.txt'), prose(20_000, 2000, 3));
    await service.indexFolder(folder);
    ({ table, vectors } = postingsBothWays(db));
    expect(table).toEqual(vectors);
    expect(indexInconsistencies(db)).toEqual([]);
  });

  it('writes the same postings when it must write them in parts (more pending than it holds)', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'notes');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'note.txt'), 'a note');
    const db = openDatabase(path.join(root, 'milens.sqlite'));
    open.push(db);
    await new IndexingService(db).indexFolder(folder);
    const documentId = (db.prepare('SELECT id FROM documents').pluck().get() as number)!;
    const passages = Array.from({ length: 300 }, (_, p) => {
      const termCounts = new Map(
        Array.from({ length: 1 + (p % 17) }, (__, t) => [`t${(p * 7 + t * 13) % 401}`, 1 + ((p + t) % 3)] as const),
      );
      return { text: `passage ${p}`, termCounts, length: [...termCounts.values()].reduce((a, b) => a + b, 0) };
    });
    db.transaction(() => {
      const writer = new TextIndexWriter(db, 100); // 100 postings held at most: written in ~27 parts
      writer.removeDocumentText(documentId);
      writer.addPassages(documentId, passages);
      writer.flush();
    })();
    const { table, vectors } = postingsBothWays(db);
    expect(table.length).toBe(passages.reduce((sum, passage) => sum + passage.termCounts.size, 0));
    expect(table).toEqual(vectors);
  });

  it('finds a document added earlier in the same transaction when it is removed before the flush', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'notes');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'note.txt'), prose(500, 200, 4));
    const db = openDatabase(path.join(root, 'milens.sqlite'));
    open.push(db);
    await new IndexingService(db).indexFolder(folder);
    const documentId = (db.prepare('SELECT id FROM documents').pluck().get() as number)!;
    db.transaction(() => {
      const writer = new TextIndexWriter(db);
      writer.removeDocumentText(documentId);
      writer.addPassages(documentId, [
        {
          text: 'pears ripen',
          termCounts: new Map([
            ['pear', 1],
            ['ripen', 1],
          ]),
          length: 2,
        },
      ]);
      writer.removeDocumentText(documentId); // the pending postings of the passage just added must go too
      writer.flush();
    })();
    expect(db.prepare('SELECT COUNT(*) FROM postings').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM passages').pluck().get()).toBe(0);
  });
});
