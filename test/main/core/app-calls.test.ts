// The core calls the app needs (issue 13), on real files and a real SQLite database: folder paths are
// accepted only when absolute (after ~, quotes and file:// are handled), an indexing run with a jobId
// reports progress and stops when cancelled, keeping what it committed; results carry item ids that
// resolve to their files (and nothing outside the collection); describeTable shows a table's columns.
import { mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JobProgressEvent } from '../../../main/api/contract.js';
import { createMilensCore } from '../../../main/core/api.js';
import { indexingServiceOf } from '../../../main/core/collection-calls.js';
import { normaliseFolderInput } from '../../../main/core/folder-path.js';
import { itemFile } from '../../../main/core/item-files.js';
import { makeTempFolder } from '../../helpers/temp.js';

describe('normaliseFolderInput', () => {
  it('expands ~, strips quotes and file://, keeps absolute paths', () => {
    expect(normaliseFolderInput('~')).toBe(os.homedir());
    expect(normaliseFolderInput('~/Notes')).toBe(path.join(os.homedir(), 'Notes'));
    expect(normaliseFolderInput('  "/tmp/with space/"  ')).toBe(path.normalize('/tmp/with space/'));
    expect(normaliseFolderInput("'/tmp/x'")).toBe('/tmp/x');
    expect(normaliseFolderInput(pathToFileURL('/tmp/a b').href)).toBe('/tmp/a b');
  });

  it('refuses a relative path, an empty one, ~user and a non-string, naming the argument', () => {
    expect(() => normaliseFolderInput('docs')).toThrow(/path "docs" is a relative path\. Type the full path/);
    expect(() => normaliseFolderInput('./docs')).toThrow(/relative path/);
    expect(() => normaliseFolderInput('  ')).toThrow(/Expected path to be a folder path/);
    expect(() => normaliseFolderInput('~bob/x')).toThrow(/"~user" paths are not expanded/);
    expect(() => normaliseFolderInput(3)).toThrow(/path/);
    try {
      normaliseFolderInput('docs');
    } catch (error) {
      expect((error as { code?: string }).code).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('collection calls of the app', () => {
  it('refuses a relative folder through the API, before anything is stored', async () => {
    const folder = makeTempFolder();
    const core = createMilensCore({ databasePath: path.join(folder, 'db.sqlite') });
    try {
      await expect(core.api.addCollection('docs')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(core.api.indexCollection('docs')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await core.api.listCollections()).toEqual([]);
    } finally {
      core.close();
    }
  });

  it('cancels an indexing run through its job signal and keeps the committed batches', async () => {
    const folder = makeTempFolder();
    const notes = path.join(folder, 'notes');
    mkdirSync(notes);
    const fileCount = 1500;
    for (let index = 0; index < fileCount; index++)
      writeFileSync(path.join(notes, `n${index}.txt`), `note ${index} about topic ${index % 31}\n`);
    const core = createMilensCore({ databasePath: path.join(folder, 'db.sqlite') });
    try {
      const events: JobProgressEvent[] = [];
      core.context.on('jobProgress', (event) => {
        events.push(event);
        // Cancel once the first batch has been committed.
        if (event.done > 0) void core.api.cancelJob('index-1');
      });
      // The job's own error (its signal's reason), naming the job: the run stopped on the signal.
      await expect(core.api.indexCollection(notes, { jobId: 'index-1' })).rejects.toMatchObject({
        code: 'CANCELLED',
        message: 'The index job index-1 was cancelled.',
        details: { jobId: 'index-1' },
      });
      const [collection] = await core.api.listCollections();
      expect(collection.documentCount).toBeGreaterThan(0);
      expect(collection.documentCount).toBeLessThan(fileCount);
      expect(collection.lastIndexedAt).toBeNull();
      expect(events.every((event) => event.kind === 'index' && event.unit === 'files')).toBe(true);
      expect(events.at(-1)?.finished).toBe(true);
      expect(events.some((event) => event.total === fileCount)).toBe(true);

      // The next run finishes the job.
      const report = await core.api.indexCollection(notes);
      expect(report.collection.documentCount).toBe(fileCount);
    } finally {
      core.close();
    }
  });

  it('flags a collection whose folder disappeared, without emptying it', async () => {
    const folder = makeTempFolder();
    const notes = path.join(folder, 'notes');
    mkdirSync(notes);
    writeFileSync(path.join(notes, 'a.md'), '# A\nalpha beta\n');
    const core = createMilensCore({ databasePath: path.join(folder, 'db.sqlite') });
    try {
      await core.api.indexCollection(notes);
      rmSync(notes, { recursive: true });
      const [collection] = await core.api.listCollections();
      expect(collection).toMatchObject({ folderMissing: true, documentCount: 1 });
      // A background run (the folder watcher's) would have scanned nothing and removed everything: refused.
      await expect(indexingServiceOf(core.context).indexCollection(collection.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await core.api.listCollections())[0]).toMatchObject({ folderMissing: true, documentCount: 1 });
    } finally {
      core.close();
    }
  });

  it('gives results item ids that resolve to their files, and to nothing outside the collection', async () => {
    const folder = makeTempFolder();
    const notes = path.join(folder, 'notes');
    mkdirSync(notes);
    writeFileSync(path.join(notes, 'entropy.md'), '# Entropy\nThe entropy of a source bounds lossless codes.\n');
    writeFileSync(path.join(folder, 'secret.txt'), 'entropy secret outside the collection\n');
    const core = createMilensCore({ databasePath: path.join(folder, 'db.sqlite') });
    try {
      await core.api.indexCollection(notes);
      const { results } = await core.api.search({ query: 'entropy' });
      expect(results).toHaveLength(1);
      const itemId = results[0].itemId!;
      expect(typeof itemId).toBe('number');
      expect(itemFile(core.context.database(), itemId)?.path).toBe(path.join(notes, 'entropy.md'));
      expect(itemFile(core.context.database(), itemId + 1000)).toBeUndefined();
      // The file replaced by a link out of the folder: no longer served.
      rmSync(path.join(notes, 'entropy.md'));
      symlinkSync(path.join(folder, 'secret.txt'), path.join(notes, 'entropy.md'));
      expect(itemFile(core.context.database(), itemId)).toBeUndefined();
    } finally {
      core.close();
    }
  });
});

describe('describeTable', () => {
  it('lists the columns with their inferred kind, missing share and first rows', async () => {
    const folder = makeTempFolder();
    const csv = path.join(folder, 't.csv');
    const lines = ['x,group,label,y'];
    for (let index = 0; index < 40; index++)
      lines.push(`${(index * 0.37).toFixed(2)},${index % 3},${index % 2 ? 'red' : 'blue'},${index % 4 === 0 ? '' : index}`);
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const core = createMilensCore({ databasePath: path.join(folder, 'db.sqlite') });
    try {
      const description = await core.api.describeTable(csv);
      expect(description).toMatchObject({ format: 'csv', rows: 40 });
      expect(description.columns.map((column) => [column.name, column.storage, column.kind])).toEqual([
        ['x', 'numeric', 'continuous'],
        ['group', 'numeric', 'discrete'],
        ['label', 'text', 'discrete'],
        ['y', 'numeric', 'continuous'],
      ]);
      expect(description.columns[3].missingShare).toBeCloseTo(10 / 40);
      expect(description.columns[1].distinct).toBe(3);
      expect(description.preview[0]).toEqual([0, 0, 'blue', null]);
      expect(description.preview).toHaveLength(8);
      await expect(core.api.describeTable(path.join(folder, 'absent.csv'))).rejects.toThrow(/absent\.csv/);
    } finally {
      core.close();
    }
  });
});
