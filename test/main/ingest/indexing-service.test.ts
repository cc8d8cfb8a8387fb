// Collections and incremental indexing on real folders and a real SQLite file.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  realpathSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../db/database.js';
import { IndexingService } from '../../../main/ingest/indexing-service.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { makeDocx, makePdf } from './document-fixtures.js';
import { indexInconsistencies } from './index-consistency.js';

const open: Database[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

function setup() {
  const root = realpathSync(makeTempFolder());
  const folder = path.join(root, 'notes');
  mkdirSync(path.join(folder, 'deep', 'deeper'), { recursive: true });
  writeFileSync(path.join(folder, 'apples.txt'), 'Apple harvest\n\nApples are picked in autumn and stored cold.\n');
  writeFileSync(path.join(folder, 'deep', 'pears.md'), '# Pears\n\nPears ripen off the tree.\n');
  writeFileSync(path.join(folder, 'deep', 'deeper', 'orchard.html'), '<title>Orchard</title><p>Plums and cherries.</p>');
  writeFileSync(path.join(folder, 'deep', 'paper.pdf'), makePdf(['Entropy of orchards'], 'Orchard Entropy'));
  writeFileSync(path.join(folder, 'letter.docx'), makeDocx(['Dear grower', 'The quince season starts soon.']));
  const db = openDatabase(path.join(root, 'milens.sqlite'));
  open.push(db);
  return { root, folder, db, service: new IndexingService(db) };
}

function hashTree(folder: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) hashes[full] = `${createHash('sha256').update(readFileSync(full)).digest('hex')}:${statSync(full).mtimeMs}`;
    }
  };
  walk(folder);
  return hashes;
}

describe('IndexingService', () => {
  it('adds a folder, indexes every format recursively and reports counts', async () => {
    const { folder, db, service } = setup();
    const before = hashTree(folder);
    const report = await service.indexFolder(folder);
    expect(report).toMatchObject({ added: 5, updated: 0, removed: 0, unchanged: 0, skipped: [] });
    expect(report.collection).toMatchObject({ path: folder, name: 'notes', documentCount: 5 });
    expect(report.collection.lastIndexedAt).not.toBeNull();
    const titles = db.prepare('SELECT title FROM documents ORDER BY title').pluck().all();
    expect(titles).toEqual(['Apple harvest', 'Dear grower', 'Orchard', 'Orchard Entropy', 'Pears']);
    expect(indexInconsistencies(db)).toEqual([]);
    expect(hashTree(folder)).toEqual(before); // the originals are only read
    expect(service.listCollections()).toHaveLength(1);
  });

  it('re-indexes only what changed: new, edited, touched-but-identical and deleted files', async () => {
    const { folder, db, service } = setup();
    await service.indexFolder(folder);
    const again = await service.indexFolder(folder);
    expect(again).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 5 });

    writeFileSync(path.join(folder, 'apples.txt'), 'Apple harvest\n\nApples are picked in autumn, pressed into cider.\n');
    const future = new Date(Date.now() + 60_000);
    utimesSync(path.join(folder, 'deep', 'pears.md'), future, future); // same bytes, new mtime
    unlinkSync(path.join(folder, 'letter.docx'));
    writeFileSync(path.join(folder, 'new.txt'), 'Fresh note about cider vinegar.\n');
    const report = await service.indexFolder(folder);
    expect(report).toMatchObject({ added: 1, updated: 1, removed: 1, unchanged: 3 });
    expect(db.prepare('SELECT COUNT(*) FROM documents').pluck().get()).toBe(5);
    expect(db.prepare("SELECT COUNT(*) FROM terms WHERE term = 'quinc'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT df FROM terms WHERE term = 'cider'").pluck().get()).toBe(2);
    expect(indexInconsistencies(db)).toEqual([]);
    const pears = db.prepare('SELECT mtime_ms FROM documents WHERE path LIKE ?').pluck().get('%pears.md') as number;
    expect(pears).toBe(statSync(path.join(folder, 'deep', 'pears.md')).mtimeMs);
  });

  it('skips what it cannot read and records why', async () => {
    const { folder, db, service } = setup();
    writeFileSync(path.join(folder, 'binary.txt'), Buffer.from([1, 2, 0, 3, 4]));
    writeFileSync(path.join(folder, 'latin1.txt'), Buffer.from('caf\xe9 au lait', 'latin1'));
    writeFileSync(path.join(folder, 'huge.txt'), 'x'.repeat(5000));
    writeFileSync(path.join(folder, 'broken.pdf'), 'not a pdf');
    symlinkSync(folder, path.join(folder, 'deep', 'loop'));
    symlinkSync(path.join(folder, 'missing.txt'), path.join(folder, 'dangling.txt'));
    const locked = path.join(folder, 'locked.txt');
    writeFileSync(locked, 'secret');
    chmodSync(locked, 0o000);
    const report = await service.indexCollection((await service.addCollection(folder)).id, { maxFileBytes: 4096 });
    const reasons = Object.fromEntries(report.skipped.map((entry) => [path.relative(folder, entry.path), entry.reason]));
    expect(reasons['binary.txt']).toBe('binary file');
    expect(reasons['latin1.txt']).toBe('invalid UTF-8 encoding');
    expect(reasons['huge.txt']).toMatch(/^file too large \(5000 bytes, limit 4096\)/);
    expect(reasons['broken.pdf']).toMatch(/^unreadable PDF/);
    expect(reasons[path.join('deep', 'loop')]).toMatch(/^symbolic link loop \(back to /);
    expect(reasons['dangling.txt']).toMatch(/broken symbolic link/);
    // root reads anything, so permissions can only be tested as an ordinary user.
    if (process.getuid?.() !== 0) expect(reasons['locked.txt']).toBe('permission denied');
    expect(report.added).toBe(5 + (process.getuid?.() === 0 ? 1 : 0));
    const stored = db.prepare('SELECT COUNT(*) FROM skipped_files').pluck().get() as number;
    expect(stored).toBe(report.skipped.length);
    chmodSync(locked, 0o600);
  });

  it('removes a collection and its index, leaving other collections and the files alone', async () => {
    const { root, folder, db, service } = setup();
    const other = path.join(root, 'other');
    mkdirSync(other);
    writeFileSync(path.join(other, 'a.txt'), 'apples and oranges');
    const first = await service.indexFolder(folder);
    await service.indexFolder(other);
    await service.removeCollection(first.collection.id);
    expect(service.listCollections().map((collection) => collection.path)).toEqual([other]);
    expect(db.prepare('SELECT COUNT(*) FROM documents').pluck().get()).toBe(1);
    expect(db.prepare("SELECT df FROM terms WHERE term = 'appl'").pluck().get()).toBe(1);
    expect(indexInconsistencies(db)).toEqual([]);
    expect(readdirSync(folder)).toContain('apples.txt');
    await expect(service.removeCollection(first.collection.id)).rejects.toThrow(/No collection/);
  });

  it('refuses nested collections and folders that do not exist', async () => {
    const { folder, service } = setup();
    await service.addCollection(folder);
    await expect(service.addCollection(path.join(folder, 'deep'))).rejects.toThrow(/overlaps/);
    await expect(service.addCollection(path.join(folder, 'nope'))).rejects.toThrow(/Cannot index/);
    await expect(service.addCollection(path.join(folder, 'apples.txt'))).rejects.toThrow(/not a folder/);
    expect((await service.addCollection(folder)).path).toBe(folder); // adding again is idempotent
  });

  it('refuses a folder whose name starts with ".." inside a collection, and accepts a sibling', async () => {
    const { root, folder, service } = setup();
    await service.addCollection(folder);
    const dotted = path.join(folder, '..notes');
    mkdirSync(dotted);
    await expect(service.addCollection(dotted)).rejects.toMatchObject({ code: 'CONFLICT' });
    const sibling = path.join(root, `${path.basename(folder)}2`);
    mkdirSync(sibling);
    expect((await service.addCollection(sibling)).path).toBe(sibling);
  });

  it('stops and awaits a run in progress before removing its collection, which writes nothing afterwards', async () => {
    const { root, db } = setup();
    const big = path.join(root, 'big');
    mkdirSync(big);
    for (let index = 0; index < 40; index++) writeFileSync(path.join(big, `note-${index}.txt`), `note ${index} about apples and pears`);
    let removal: Promise<void> | undefined;
    const service: IndexingService = new IndexingService(db, (event) => {
      // Ask for removal as soon as the first batch is committed: the run is still going.
      if (event.processed > 0 && !removal) removal = service.removeCollection(event.collectionId);
    });
    const id = (await service.addCollection(big)).id;
    const run = service.indexCollection(id, { batchSize: 5 });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    await removal;
    expect(service.listCollections()).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM documents').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM skipped_files').pluck().get()).toBe(0);
    expect(indexInconsistencies(db)).toEqual([]);
    // A new collection never gets the removed one's id.
    expect((await service.addCollection(big)).id).toBeGreaterThan(id);
  });

  it('serialises concurrent runs of one collection without duplicating documents', async () => {
    const { folder, db, service } = setup();
    const id = (await service.addCollection(folder)).id;
    const [a, b] = await Promise.all([service.indexCollection(id), service.indexCollection(id)]);
    expect(a.added + b.added).toBe(5);
    expect(db.prepare('SELECT COUNT(*) FROM documents').pluck().get()).toBe(5);
    expect(indexInconsistencies(db)).toEqual([]);
  });

  it('emits progress events', async () => {
    const { folder, db } = setup();
    const events: Array<{ processed: number; total: number | null }> = [];
    await new IndexingService(db, (event) => events.push(event)).indexFolder(folder);
    expect(events.at(-1)).toMatchObject({ processed: 5, total: 5 });
  });
});
