// Zip containers (DOCX) are checked before anything is inflated: a zip bomb built here (a ~150 KB DOCX
// expanding to 150 MB of XML, like the probe's) is refused with the limit named, as are too many
// entries, too large a total and too high a ratio; an archive that lies about its sizes is stopped
// while inflating. Indexing a folder with the bomb skips it, keeps the rest and what was stored.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../db/database.js';
import { DEFAULT_EXTRACTION_LIMITS, extractText } from '../../../main/ingest/extractors/index.js';
import { readZipContainer } from '../../../main/ingest/extractors/zip-container.js';
import { IndexingService } from '../../../main/ingest/indexing-service.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { makeDeflatedDocx, makeDeflatedZip, makeDocxBomb, repetitiveDocumentXml } from './hostile-fixtures.js';
import { indexInconsistencies } from './index-consistency.js';

const MB = 1024 * 1024;
const open: Database[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

/** Bytes that do not compress (so the ratio check stays out of the way). */
function noise(bytes: number, seed: number): Buffer {
  const data = Buffer.alloc(bytes);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < bytes; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    data[index] = state & 0xff;
  }
  return data;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as Error,
  );
  expect(error, 'expected a refusal').toBeDefined();
  return error!.message;
}

describe('zip containers', () => {
  it('refuses a DOCX zip bomb from its central directory, before inflating', async () => {
    const bomb = makeDocxBomb(150 * MB);
    expect(bomb.length).toBeLessThan(1 * MB);
    expect(await refusal(extractText('docx', bomb))).toBe(
      'DOCX refused before unpacking: entry word/document.xml declares 150 MB uncompressed (limit 64 MB)',
    );
  });

  it('refuses an entry that expands more than the ratio limit', async () => {
    const docx = makeDocxBomb(20 * MB);
    expect(await refusal(extractText('docx', docx))).toMatch(
      /^DOCX refused before unpacking: entry word\/document\.xml expands \d+ times \(limit 200\)$/,
    );
  });

  it('refuses too many entries and too much in total', async () => {
    const many = makeDeflatedZip(
      Array.from({ length: 30 }, (_, index) => ({ name: `part${index}.xml`, data: Buffer.from(`<p>${index}</p>`) })),
    );
    expect(await refusal(readZipContainer(many, { ...DEFAULT_EXTRACTION_LIMITS, zipMaxEntries: 20 }, 'DOCX'))).toBe(
      'DOCX refused before unpacking: 30 entries (limit 20)',
    );
    const heavy = makeDeflatedZip([1, 2, 3].map((seed) => ({ name: `media/${seed}.bin`, data: noise(2 * MB, seed) })));
    expect(await refusal(readZipContainer(heavy, { ...DEFAULT_EXTRACTION_LIMITS, zipMaxTotalBytes: 5 * MB }, 'DOCX'))).toBe(
      'DOCX refused before unpacking: 6 MB uncompressed in total (limit 5 MB)',
    );
  });

  it('stops inflating an entry that holds more than it declares', async () => {
    // The headers claim 1 KB; the stream inflates to 8 MB.
    const liar = makeDocxBomb(8 * MB, 1024);
    expect(await refusal(extractText('docx', liar))).toMatch(
      /^DOCX entry word\/document\.xml is damaged or lies about its size: too many bytes/,
    );
  });

  it('still reads a normal deflated DOCX', async () => {
    const extracted = await extractText('docx', makeDeflatedDocx(['Plum tart', 'Bake the plums for forty minutes.']));
    expect(extracted.text).toContain('Bake the plums for forty minutes.');
    expect(extracted.title).toBe('Plum tart');
    // The repetitive XML that makes the bombs is valid: below every limit it is read like any document.
    const modest = await extractText('docx', makeDeflatedZip([{ name: 'word/document.xml', data: repetitiveDocumentXml(200_000) }]));
    expect(modest.text.split('\n\n').length).toBeGreaterThan(2000);
    expect(modest.title).toBe('all work and no play makes a dull archive');
  });

  it('indexing skips the bomb with the limit named and keeps the rest and what was stored', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'letters');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'plums.docx'), makeDeflatedDocx(['Plum tart', 'Bake the plums.']));
    const db = openDatabase(path.join(root, 'milens.sqlite'));
    open.push(db);
    const service = new IndexingService(db);
    expect((await service.indexFolder(folder)).added).toBe(1);
    writeFileSync(path.join(folder, 'bomb.docx'), makeDocxBomb(150 * MB));
    writeFileSync(path.join(folder, 'pears.txt'), 'Pears\n\nPears ripen off the tree.\n');
    const report = await service.indexFolder(folder);
    expect(report.skipped).toEqual([
      {
        path: path.join(folder, 'bomb.docx'),
        reason: 'DOCX refused before unpacking: entry word/document.xml declares 150 MB uncompressed (limit 64 MB)',
      },
    ]);
    expect(report).toMatchObject({ added: 1, unchanged: 1 });
    expect(db.prepare('SELECT COUNT(*) FROM documents').pluck().get()).toBe(2);
    expect(indexInconsistencies(db)).toEqual([]);
  });
});
