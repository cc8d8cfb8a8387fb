// Only regular files are read: a FIFO, a socket, a device link and a link out of the collection, each
// swapped in for a file after the scan saw a regular file there (mid-run), are skipped with their own
// reason at once instead of blocking the run; the rest is indexed and what was stored stays. FIFOs and
// sockets already there when the folder is scanned are listed among the skipped files (the report and the
// database's skipped_files), never opened.
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IndexReport } from '../../../main/api/contract.js';
import { openDatabase, type Database } from '../../../db/database.js';
import { IndexingService } from '../../../main/ingest/indexing-service.js';
import { ReadRefused, readRegularFile } from '../../../main/ingest/safe-read.js';
import { SearchService } from '../../../main/search/search-service.js';
import { makeTempFolder } from '../../helpers/temp.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const posix = process.platform !== 'win32';

function withinSeconds<T>(seconds: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still running after ${seconds} s: it blocked`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function listeningSocket(file: string): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(file, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return server;
}

describe.skipIf(!posix)('special files swapped in during a run', () => {
  it('readRegularFile refuses a FIFO without waiting for a writer', async () => {
    const root = makeTempFolder();
    const fifo = path.join(root, 'pipe.txt');
    execFileSync('mkfifo', [fifo]);
    const error = await withinSeconds(
      5,
      'reading a FIFO',
      readRegularFile(fifo, { maxBytes: 1024 }).catch((caught: unknown) => caught),
    );
    expect(error).toBeInstanceOf(ReadRefused);
    expect((error as ReadRefused).reason).toBe('not a regular file (FIFO)');
  });

  it('skips a FIFO, a socket, a device and a link out, swapped in mid-run, and indexes the rest', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'notes');
    const spare = path.join(root, 'spare');
    mkdirSync(folder);
    mkdirSync(spare);
    writeFileSync(path.join(folder, 'kept.txt'), 'Kept notes\n\nThe cellar holds apples through winter.\n');
    const db: Database = openDatabase(path.join(root, 'milens.sqlite'));
    cleanups.push(() => db.close());
    expect((await new IndexingService(db).indexFolder(folder)).added).toBe(1);

    const names = ['fifo.txt', 'socket.txt', 'device.txt', 'outside.txt', 'regular.txt'];
    for (const name of names) writeFileSync(path.join(folder, name), `Ordinary text of ${name} about pears.\n`);
    execFileSync('mkfifo', [path.join(spare, 'fifo')]);
    await listeningSocket(path.join(spare, 'socket'));
    writeFileSync(path.join(root, 'secret.txt'), 'Secret outside the collection.\n');
    let swapped = false;
    const swap = () => {
      // After the scan listed five regular files, before any is read.
      swapped = true;
      renameSync(path.join(spare, 'fifo'), path.join(folder, 'fifo.txt'));
      renameSync(path.join(spare, 'socket'), path.join(folder, 'socket.txt'));
      unlinkSync(path.join(folder, 'device.txt'));
      symlinkSync('/dev/zero', path.join(folder, 'device.txt'));
      unlinkSync(path.join(folder, 'outside.txt'));
      symlinkSync(path.join(root, 'secret.txt'), path.join(folder, 'outside.txt'));
    };
    const service = new IndexingService(db, (event) => {
      if (!swapped && event.processed === 0 && event.total === names.length) swap();
    });
    const report: IndexReport = await withinSeconds(30, 'indexing', service.indexFolder(folder));
    expect(swapped).toBe(true);
    expect(report.skipped).toEqual([
      { path: path.join(folder, 'device.txt'), reason: 'not a regular file (character device)' },
      { path: path.join(folder, 'fifo.txt'), reason: 'not a regular file (FIFO)' },
      { path: path.join(folder, 'outside.txt'), reason: `symbolic link leads outside the collection (${path.join(root, 'secret.txt')})` },
      { path: path.join(folder, 'socket.txt'), reason: 'not a regular file (socket)' },
    ]);
    expect(report).toMatchObject({ added: 1, unchanged: 1 });
    const paths = db.prepare('SELECT path FROM documents ORDER BY path').pluck().all() as string[];
    expect(paths.map((file) => path.basename(file))).toEqual(['kept.txt', 'regular.txt']);
    const hits = new SearchService(db).search({ query: 'cellar apples winter' }).results;
    expect(hits.map((hit) => path.basename(hit.path))).toContain('kept.txt');
  });

  it('lists FIFOs and sockets present at scan time among the skipped files, in the report and the database', async () => {
    const root = realpathSync(makeTempFolder());
    const folder = path.join(root, 'notes');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'kept.txt'), 'Kept notes\n\nThe cellar holds apples through winter.\n');
    execFileSync('mkfifo', [path.join(folder, 'pipe.txt')]);
    execFileSync('mkfifo', [path.join(folder, 'named-pipe')]); // no extension: still a special file worth naming
    await listeningSocket(path.join(folder, 'socket.md'));
    symlinkSync(path.join(folder, 'pipe.txt'), path.join(folder, 'link-to-pipe.txt'));
    const db: Database = openDatabase(path.join(root, 'milens.sqlite'));
    cleanups.push(() => db.close());
    const service = new IndexingService(db);
    const report: IndexReport = await withinSeconds(30, 'indexing', service.indexFolder(folder));
    const expected = [
      { path: path.join(folder, 'link-to-pipe.txt'), reason: 'not a regular file (FIFO)' },
      { path: path.join(folder, 'named-pipe'), reason: 'not a regular file (FIFO)' },
      { path: path.join(folder, 'pipe.txt'), reason: 'not a regular file (FIFO)' },
      { path: path.join(folder, 'socket.md'), reason: 'not a regular file (socket)' },
    ];
    expect([...report.skipped].sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual(expected);
    expect(report.added).toBe(1);
    const stored = db.prepare('SELECT path, reason FROM skipped_files ORDER BY path').all();
    expect(stored).toEqual(expected);
    const paths = db.prepare('SELECT path FROM documents').pluck().all() as string[];
    expect(paths).toEqual([path.join(folder, 'kept.txt')]);
  });
});
