// Search end to end over a small indexed folder: ranking, bits, snippets, the "no match" rule.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../db/database.js';
import { IndexingService } from '../../../main/ingest/indexing-service.js';
import { DEFAULT_SEARCH_PARAMETERS } from '../../../main/search/parameters.js';
import { SearchService, repeatedWordWeight } from '../../../main/search/search-service.js';
import { makeTempFolder } from '../../helpers/temp.js';

const open: Database[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

const NOTES: Record<string, string> = {
  'cider.txt': 'Cider pressing\n\nApples are crushed and pressed; the juice ferments into cider over weeks.',
  'pie.txt': 'Apple pie\n\nA pie of apples, butter, sugar and cinnamon, baked until golden.',
  'boats.txt': 'Sailing\n\nBoats need wind; a sail turns wind into forward motion.',
  'harbour.md': '# Harbours\n\nBoats shelter in the harbour when storms and strong wind arrive.',
  'bread.txt': 'Bread\n\nFlour, water, salt and yeast, kneaded and baked.',
  'garden.txt': 'Garden\n\nTomatoes, beans and herbs grow in the garden through summer.',
};

async function indexedNotes() {
  const root = realpathSync(makeTempFolder());
  const folder = path.join(root, 'notes');
  mkdirSync(folder);
  for (const [name, text] of Object.entries(NOTES)) writeFileSync(path.join(folder, name), text);
  const db = openDatabase(path.join(root, 'milens.sqlite'));
  open.push(db);
  await new IndexingService(db).indexFolder(folder);
  return { db, folder };
}

describe('SearchService', () => {
  it('lists only the documents of the collections a filter names, with the bits the whole index gives them', async () => {
    const { db, folder } = await indexedNotes();
    const other = path.join(path.dirname(folder), 'more-notes');
    mkdirSync(other);
    writeFileSync(path.join(other, 'orchard.txt'), 'Orchard\n\nApple trees in the orchard give apples for pie and cider.');
    const report = await new IndexingService(db).indexFolder(other);
    const notesId = (db.prepare('SELECT id FROM collections WHERE path = ?').pluck().get(folder) as number) ?? 0;
    const whole = new SearchService(db).search({ query: 'apple pie' });
    expect(whole.results.map((result) => path.basename(result.path))).toContain('orchard.txt');
    const onlyOther = new SearchService(db).search({ query: 'apple pie', filters: { collectionIds: [report.collection.id] } });
    expect(onlyOther.results.map((result) => path.basename(result.path))).toEqual(['orchard.txt']);
    expect(onlyOther.results[0]!.bits).toBe(whole.results.find((result) => result.path.endsWith('orchard.txt'))!.bits);
    const onlyNotes = new SearchService(db).search({ query: 'apple pie', filters: { collectionIds: [notesId] } });
    expect(onlyNotes.results.map((result) => path.basename(result.path))).not.toContain('orchard.txt');
    expect(onlyNotes.results.length).toBe(whole.results.length - 1);
    expect(() => new SearchService(db).search({ query: 'apple', filters: { collectionIds: 'all' as never } })).toThrow(
      /filters\.collectionIds/,
    );
  });

  it('ranks the documents about the query first, with positive bits and a snippet around the match', async () => {
    const { db, folder } = await indexedNotes();
    const response = new SearchService(db).search({ query: 'apple pie' });
    expect(response.noMatch).toBe(false);
    expect(response.results[0]).toMatchObject({ path: path.join(folder, 'pie.txt'), kind: 'text', title: 'Apple pie' });
    expect(response.results[0].bits).toBeGreaterThan(0);
    expect(response.results[0].snippet).toContain('pie');
    expect(response.results.map((result) => path.basename(result.path))).not.toContain('bread.txt');
    const scores = response.results.map((result) => result.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it("orders the list by exactly the bits it shows: log2 p(q'|d)/p(q'|C) of the query it ranks by", async () => {
    const { db } = await indexedNotes();
    const plain = new SearchService(db, { ...DEFAULT_SEARCH_PARAMETERS, expansion: null }).search({ query: 'wind boats' });
    const expanded = new SearchService(db).search({ query: 'wind boats', showWeaker: true });
    for (const response of [plain, expanded]) {
      for (const result of response.results) expect(result.bits).toBeCloseTo(result.score / Math.LN2, 3);
      const bits = response.results.map((result) => result.bits);
      expect([...bits].sort((a, b) => b - a)).toEqual(bits);
    }
    expect(plain.results.map((result) => path.basename(result.path)).sort()).toEqual(['boats.txt', 'harbour.md']);
    // The why names the model and the typed words' own bits.
    const first = plain.results[0]!;
    expect(first.why?.model).toMatch(/query likelihood/);
    expect(first.why?.matchedTerms?.map((term) => term.term).sort()).toEqual(['boat', 'wind']);
  });

  it('lists only positive bits by default; showWeaker lists the weaker documents too', async () => {
    const { db } = await indexedNotes();
    const service = new SearchService(db);
    const query = 'apples baked golden butter harbour';
    const listed = service.search({ query });
    const weaker = service.search({ query, showWeaker: true });
    expect(listed.results.length).toBeGreaterThan(0);
    for (const result of listed.results) expect(result.bits).toBeGreaterThan(0);
    expect(weaker.results.some((result) => result.bits <= 0)).toBe(true);
    expect(weaker.results.slice(0, listed.results.length)).toEqual(listed.results);
  });

  it('a word typed again adds at most 4x its evidence: weight 4c / (3 + c)', async () => {
    const { db } = await indexedNotes();
    const service = new SearchService(db, { ...DEFAULT_SEARCH_PARAMETERS, expansion: null });
    const once = service.search({ query: 'wind' }).results[0]!;
    const twice = service.search({ query: 'wind wind' }).results[0]!;
    const many = service.search({ query: Array.from({ length: 455 }, () => 'wind').join(' ') }).results[0]!;
    expect(repeatedWordWeight(1)).toBe(1);
    expect(repeatedWordWeight(2)).toBeCloseTo(1.6, 12);
    expect(twice.bits / once.bits).toBeCloseTo(1.6, 2);
    expect(many.bits / once.bits).toBeCloseTo(repeatedWordWeight(455), 2);
    expect(many.bits).toBeLessThan(4 * once.bits);
    expect(many.path).toBe(once.path);
  });

  it('says "no match" for words nowhere in the collection and for stop words only', async () => {
    const { db } = await indexedNotes();
    const service = new SearchService(db);
    expect(service.search({ query: 'quantum chromodynamics' })).toMatchObject({
      results: [],
      noMatch: true,
      unknownTerms: ['quantum', 'chromodynam'],
    });
    expect(service.search({ query: 'the and of' })).toMatchObject({ results: [], noMatch: true });
    expect(service.search({ query: 'apple', kind: 'image' })).toMatchObject({ results: [], noMatch: true });
  });

  it('applies a plain bits cut-off on request', async () => {
    const { db } = await indexedNotes();
    const service = new SearchService(db);
    const all = service.search({ query: 'apples baked golden butter harbour', showWeaker: true });
    expect(all.results.some((result) => result.bits <= 0)).toBe(true);
    const strict = service.search({ query: 'apples baked golden butter harbour', minBits: 0 });
    expect(strict.results.length).toBeGreaterThan(0);
    expect(strict.results.length).toBeLessThan(all.results.length);
    for (const result of strict.results) expect(result.bits).toBeGreaterThan(0);
    const impossible = service.search({ query: 'apple', minBits: 1000 });
    expect(impossible).toMatchObject({ results: [], noMatch: true });
  });

  it('honours the limit and rejects bad requests', async () => {
    const { db } = await indexedNotes();
    const service = new SearchService(db);
    expect(service.search({ query: 'wind apples bread garden', limit: 2 }).results).toHaveLength(2);
    expect(() => service.search({ query: 'wind', limit: 0 })).toThrow(RangeError);
    expect(() => service.search({ query: 42 as unknown as string })).toThrow(TypeError);
    expect(() => service.search({ query: 'wind', kind: 'video' as 'text' })).toThrow(/kind/);
  });

  it('answers on an empty index', () => {
    const db = openDatabase(path.join(makeTempFolder(), 'empty.sqlite'));
    open.push(db);
    expect(new SearchService(db).search({ query: 'anything' })).toMatchObject({ results: [], noMatch: true });
  });
});
