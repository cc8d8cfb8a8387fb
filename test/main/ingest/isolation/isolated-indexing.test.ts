// Indexing through the worker pool: a file whose extraction runs out of memory or time is skipped with
// the limit named, the rest of the folder is indexed, what was stored before is kept, and the built
// `milens index` (the CLI bundle) extracts in the pool too: its limits apply and are reported.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexReport } from '../../../../main/api/contract.js';
import { openDatabase, type Database } from '../../../../db/database.js';
import { IndexingService } from '../../../../main/ingest/indexing-service.js';
import { WorkerPool } from '../../../../main/ingest/isolation/worker-pool.js';
import { runMilens } from '../../../helpers/cli.js';
import { makeTempFolder } from '../../../helpers/temp.js';
import { indexInconsistencies } from '../index-consistency.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** ~16 MB of text in one paragraph: far more heap than 32 MB once split into passages and tokenised. */
function heavyText(): string {
  const words: string[] = [];
  for (let index = 0; index < 3_000_000; index++) words.push(`w${(index % 100_000).toString(36)}`);
  return words.join(' ');
}

function setup() {
  const root = realpathSync(makeTempFolder());
  const folder = path.join(root, 'notes');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'apples.txt'), 'Apple harvest\n\nApples are picked in autumn.\n');
  writeFileSync(path.join(folder, 'pears.md'), '# Pears\n\nPears ripen off the tree.\n');
  const databasePath = path.join(root, 'milens.sqlite');
  const db: Database = openDatabase(databasePath);
  cleanups.push(() => db.close());
  return { root, folder, databasePath, db };
}

function documentPaths(db: Database): string[] {
  return (db.prepare('SELECT path FROM documents ORDER BY path').pluck().all() as string[]).map((file) => path.basename(file));
}

describe('indexing with isolated extraction', () => {
  it('skips a file whose extraction runs out of memory, indexes the rest and keeps what was stored', async () => {
    const { folder, db } = setup();
    const pool = new WorkerPool({ size: 1, limits: { heapMb: 32 } });
    cleanups.push(() => pool.close());
    const service = new IndexingService(db);
    expect((await service.indexFolder(folder, { pool })).added).toBe(2);

    writeFileSync(path.join(folder, 'bomb.txt'), heavyText());
    writeFileSync(path.join(folder, 'quince.txt'), 'Quince jelly\n\nQuinces need long cooking.\n');
    const report = await service.indexFolder(folder, { pool });
    expect(report.skipped).toEqual([{ path: path.join(folder, 'bomb.txt'), reason: 'extraction ran out of memory (limit 32 MB)' }]);
    expect(report).toMatchObject({ added: 1, unchanged: 2 });
    expect(documentPaths(db)).toEqual(['apples.txt', 'pears.md', 'quince.txt']);
    expect(indexInconsistencies(db)).toEqual([]);
    expect(pool.stats.workersReplaced).toBe(1);
  });

  it('skips a file whose extraction overruns the per-file time budget', async () => {
    const { folder, db } = setup();
    writeFileSync(path.join(folder, 'long.txt'), heavyText());
    const pool = new WorkerPool({ size: 1 });
    cleanups.push(() => pool.close());
    const report = await new IndexingService(db).indexFolder(folder, { pool, extractionTimeoutMs: 50 });
    expect(report.skipped).toEqual([{ path: path.join(folder, 'long.txt'), reason: 'extraction took longer than 50 ms' }]);
    expect(documentPaths(db)).toEqual(['apples.txt', 'pears.md']);
  });

  it('the built CLI extracts in the pool: its heap limit applies and the run goes on', async () => {
    const { folder, databasePath } = setup();
    writeFileSync(path.join(folder, 'bomb.txt'), heavyText());
    const result = await runMilens(['index', folder, '--db', databasePath, '--json'], { env: { MILENS_WORKER_HEAP_MB: '32' } });
    expect(result.stderr).not.toMatch(/heap out of memory/i);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as IndexReport;
    expect(report.added).toBe(2);
    expect(report.skipped).toEqual([{ path: path.join(folder, 'bomb.txt'), reason: 'extraction ran out of memory (limit 32 MB)' }]);
  });
});
