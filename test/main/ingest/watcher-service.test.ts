// The background watcher: a file written into a watched collection is indexed without being asked.
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexReport } from '../../../main/api/contract.js';
import { openDatabase, type Database } from '../../../db/database.js';
import { IndexingService } from '../../../main/ingest/indexing-service.js';
import { WatcherService } from '../../../main/ingest/watcher-service.js';
import { makeTempFolder } from '../../helpers/temp.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Resolves with the first report that satisfies the predicate. */
function nextReport(
  reports: IndexReport[],
  listeners: Array<() => void>,
  predicate: (report: IndexReport) => boolean,
): Promise<IndexReport> {
  return new Promise((resolve) => {
    const check = () => {
      const found = reports.find(predicate);
      if (found) resolve(found);
    };
    listeners.push(check);
    check();
  });
}

describe('WatcherService', () => {
  it('indexes changes made while the app runs, and changes made while it was closed', async () => {
    const root = makeTempFolder();
    const folder = path.join(root, 'notes');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'first.txt'), 'first note about lighthouses');
    const db: Database = openDatabase(path.join(root, 'milens.sqlite'));
    cleanups.push(() => {
      db.close();
    });
    const indexing = new IndexingService(db);
    await indexing.addCollection(folder);

    const reports: IndexReport[] = [];
    const listeners: Array<() => void> = [];
    const watcher = new WatcherService(indexing, {
      debounceMs: 100,
      onIndexed: (report) => {
        reports.push(report);
        for (const listener of listeners) listener();
      },
    });
    cleanups.push(() => watcher.stop());
    await watcher.start();
    // The start-up pass picks up the file that existed before the watcher ran.
    await nextReport(reports, listeners, (report) => report.added === 1);

    writeFileSync(path.join(folder, 'second.txt'), 'second note about harbours');
    await nextReport(reports, listeners, (report) => report.added === 1 && report.unchanged === 1);
    expect(db.prepare("SELECT COUNT(*) FROM terms WHERE term = 'harbour'").pluck().get()).toBe(1);

    unlinkSync(path.join(folder, 'first.txt'));
    await nextReport(reports, listeners, (report) => report.removed === 1);
    expect(db.prepare('SELECT COUNT(*) FROM documents').pluck().get()).toBe(1);
  });
});
