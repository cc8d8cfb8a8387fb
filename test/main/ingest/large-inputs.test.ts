// Per-file limits of large inputs: a PDF over the page cap is refused before any page is read (the
// probe's 20,000-page PDF took 117 s), a long PDF under it is read whole, a 60 MB-class one-paragraph
// text is cut into passages without an array of all its words, and batches commit by bytes of text.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../db/database.js';
import { extractText, DEFAULT_EXTRACTION_LIMITS } from '../../../main/ingest/extractors/index.js';
import { IndexingService } from '../../../main/ingest/indexing-service.js';
import { MAX_PASSAGE_WORDS, splitIntoPassages } from '../../../main/ingest/passages.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { makeLongPdf } from './hostile-fixtures.js';
import { indexInconsistencies } from './index-consistency.js';

const open: Database[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

describe('large inputs', () => {
  it('refuses a PDF over the page cap before reading its pages, and reads one under it', async () => {
    await expect(extractText('pdf', makeLongPdf(5001))).rejects.toThrow('PDF has 5001 pages (limit 5000)');
    const limited = { ...DEFAULT_EXTRACTION_LIMITS, pdfMaxPages: 50 };
    await expect(extractText('pdf', makeLongPdf(51), limited)).rejects.toThrow('PDF has 51 pages (limit 50)');
    const read = await extractText('pdf', makeLongPdf(50), limited);
    expect(read.text).toContain('Page 50 of the long report');
  });

  it('indexing skips the over-long PDF with the cap named, and keeps the rest', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'reports');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'huge.pdf'), makeLongPdf(120));
    writeFileSync(path.join(folder, 'short.pdf'), makeLongPdf(3));
    const db = openDatabase(path.join(root, 'milens.sqlite'));
    open.push(db);
    const report = await new IndexingService(db).indexFolder(folder, { limits: { pdfMaxPages: 100 } });
    expect(report.skipped).toEqual([{ path: path.join(folder, 'huge.pdf'), reason: 'PDF has 120 pages (limit 100)' }]);
    expect(report.added).toBe(1);
  });

  it('cuts a paragraph of a million words into passages of the maximum size', () => {
    const paragraph = Array.from({ length: 1_000_000 }, (_, index) => `w${index % 977}`).join(' ');
    const passages = splitIntoPassages(`Title\n\n${paragraph}\n\nEnd`);
    expect(passages).toHaveLength(2 + 1_000_000 / MAX_PASSAGE_WORDS);
    expect(passages[1].split(' ')).toHaveLength(MAX_PASSAGE_WORDS);
    expect(passages.at(-1)).toBe('End');
  });

  it('commits batches by bytes of prepared text as well as by count', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'dumps');
    mkdirSync(folder);
    const line = 'orchard entropy signal channel apple kernel matrix passage river mountain\n';
    for (let index = 0; index < 6; index++) writeFileSync(path.join(folder, `dump${index}.txt`), `Dump ${index}\n\n${line.repeat(3000)}`);
    const db = openDatabase(path.join(root, 'milens.sqlite'));
    open.push(db);
    const commits: number[] = [];
    // Each progress event after the first follows one committed batch.
    const service = new IndexingService(db, (event) => commits.push(event.processed));
    const report = await service.indexFolder(folder, { batchTextBytes: 300_000 });
    expect(report.added).toBe(6);
    // ~220 KB of text per file: a 300 KB budget commits every second file, never all six at once.
    const sizes = commits.slice(1).map((processed, index) => processed - commits[index]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
    expect(commits.at(-1)).toBe(6);
    expect(indexInconsistencies(db)).toEqual([]);
  });
});
