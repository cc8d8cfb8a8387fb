// Storage errors name the database file (a disk-full simulated with PRAGMA max_page_count) and lose
// nothing already stored; two indexers of one collection in two processes do the work once (the
// second waits for the first's lease); a lease of a dead process is taken over; a live one makes a
// run that may not wait say which process is indexing.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexReport } from '../../../main/api/contract.js';
import { openDatabase, type Database } from '../../../db/database.js';
import { IndexingService } from '../../../main/ingest/indexing-service.js';
import { MILENS_BIN, REPO_ROOT } from '../../helpers/cli.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { indexInconsistencies } from './index-consistency.js';

const open: Database[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

function words(count: number, seed: number): string {
  const out: string[] = [];
  let state = seed;
  for (let index = 0; index < count; index++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    out.push(`term${state % 50_000}`);
  }
  return out.join(' ');
}

function setup(files: number, wordsPerFile = 200) {
  const root = realpathSync(makeTempFolder());
  const folder = path.join(root, 'notes');
  mkdirSync(folder);
  for (let index = 0; index < files; index++)
    writeFileSync(path.join(folder, `note${index}.txt`), `Note ${index}\n\n${words(wordsPerFile, index + 1)}\n`);
  const databasePath = path.join(root, 'milens.sqlite');
  const db = openDatabase(databasePath);
  open.push(db);
  return { root, folder, databasePath, db };
}

function runIndexProcess(folder: string, databasePath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MILENS_BIN, 'index', folder, '--db', databasePath, '--json'], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('storage errors', () => {
  it('a full database names its file, and what was stored stays', async () => {
    const { folder, databasePath, db } = setup(3);
    const service = new IndexingService(db);
    expect((await service.indexFolder(folder)).added).toBe(3);
    for (let index = 0; index < 40; index++)
      writeFileSync(path.join(folder, `big${index}.txt`), `Big ${index}\n\n${words(20_000, 1000 + index)}\n`);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 20}`);
    const error = await service.indexFolder(folder, { batchSize: 5 }).then(
      () => undefined,
      (caught: unknown) => caught as Error & { code?: string },
    );
    expect(error?.message).toBe(`Database ${databasePath}: database or disk is full (while indexing ${folder}).`);
    expect(error?.code).toBe('UNAVAILABLE');
    // Whole batches or nothing: the first three documents are there and the index agrees with itself.
    const stored = db.prepare('SELECT path FROM documents').pluck().all() as string[];
    expect(stored).toEqual(expect.arrayContaining([0, 1, 2].map((index) => path.join(folder, `note${index}.txt`))));
    expect(indexInconsistencies(db)).toEqual([]);
    // With room again, the next run completes what is missing.
    db.pragma('max_page_count = 1073741823');
    const report = await service.indexFolder(folder);
    expect(db.prepare('SELECT COUNT(*) FROM documents').pluck().get()).toBe(43);
    expect(report.added + report.unchanged).toBe(43);
    expect(indexInconsistencies(db)).toEqual([]);
  });
});

describe('runs of one collection in two processes', () => {
  it('the second waits for the first and redoes nothing', async () => {
    const { folder, databasePath, db } = setup(300, 400);
    // The collection exists before either starts, so both take the same lease.
    await new IndexingService(db).addCollection(folder);
    const [first, second] = await Promise.all([runIndexProcess(folder, databasePath), runIndexProcess(folder, databasePath)]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const reports = [JSON.parse(first.stdout) as IndexReport, JSON.parse(second.stdout) as IndexReport];
    expect(reports.map((report) => report.added).sort((a, b) => a - b)).toEqual([0, 300]);
    expect(reports.map((report) => report.unchanged).sort((a, b) => a - b)).toEqual([0, 300]);
    expect(db.prepare('SELECT COUNT(*) FROM index_leases').pluck().get()).toBe(0);
    expect(indexInconsistencies(db)).toEqual([]);
  });

  it('takes over the lease of a process that died, and names a live holder when it may not wait', async () => {
    const { folder, db } = setup(2);
    const service = new IndexingService(db);
    const collection = await service.addCollection(folder);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const insert = db.prepare(
      "INSERT OR REPLACE INTO index_leases (collection_id, owner, pid, host, started_at, heartbeat_at_ms) VALUES (?, 'other', ?, ?, '2026-01-01T00:00:00.000Z', ?)",
    );
    insert.run(collection.id, Number(dead), os.hostname(), Date.now());
    expect((await service.indexCollection(collection.id)).added).toBe(2);

    // A live process (this one's parent) with a fresh heartbeat: a run that may wait 300 ms gives up, naming it.
    insert.run(collection.id, process.ppid, os.hostname(), Date.now());
    await expect(service.indexCollection(collection.id, { lease: { waitMs: 300 } })).rejects.toThrow(
      new RegExp(`^Another milens run is indexing ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(pid ${process.ppid} on `),
    );
    // The same holder without a heartbeat for longer than the stale limit is taken over.
    insert.run(collection.id, process.ppid, os.hostname(), Date.now() - 120_000);
    expect((await service.indexCollection(collection.id)).unchanged).toBe(2);
  });
});
