// Crash safety with a real process: `milens index` is killed with SIGKILL in the middle of indexing a
// folder into a real SQLite file. Everything committed before the kill must still be there, no row may
// be half-written, and the next run must finish the job without duplicates. Requires `npm run build`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../db/database.js';
import { MILENS_BIN, REPO_ROOT, runMilens } from '../../helpers/cli.js';
import { makeTempFolder } from '../../helpers/temp.js';
import { indexInconsistencies } from './index-consistency.js';

const FILES = 4000;
const WORDS = [
  'entropy',
  'orchard',
  'signal',
  'channel',
  'apple',
  'bayes',
  'prior',
  'kernel',
  'matrix',
  'passage',
  'river',
  'mountain',
  'lattice',
  'vector',
];

function writeCorpus(folder: string): void {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let index = 0; index < FILES; index++) {
    const sub = path.join(folder, `part${index % 20}`);
    if (index < 20) mkdirSync(sub, { recursive: true });
    const words = Array.from({ length: 300 }, () => `${WORDS[Math.floor(random() * WORDS.length)]}${Math.floor(random() * 50)}`);
    writeFileSync(path.join(sub, `note${index}.txt`), `Note ${index}\n\n${words.join(' ')}\n`);
  }
}

/** Documents committed so far, read by another connection; 0 until the schema exists. */
function documentCount(file: string): number {
  // Readers only stop blocking the writer once the file is in WAL mode; before that, stay away.
  if (!existsSync(`${file}-wal`)) return 0;
  try {
    const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 1000 });
    try {
      return db.prepare('SELECT COUNT(*) FROM documents').pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not migrated yet
  }
}

describe('indexing survives kill -9', () => {
  it('keeps what was committed, has no half-written rows, and the next run completes without duplicates', async () => {
    const root = makeTempFolder();
    const folder = path.join(root, 'corpus');
    const dbFile = path.join(root, 'milens.sqlite');
    writeCorpus(folder);

    const child = spawn(process.execPath, [MILENS_BIN, 'index', folder, '--db', dbFile, '--json'], { cwd: REPO_ROOT, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let committedBeforeKill = 0;
    // Kill as soon as a first batch is visible to another connection, i.e. committed.
    while (committedBeforeKill === 0 && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      committedBeforeKill = documentCount(dbFile);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(committedBeforeKill, 'the child finished before it could be killed; make the corpus larger').toBeGreaterThan(0);

    const afterKill = openDatabase(dbFile);
    const survived = afterKill.prepare('SELECT COUNT(*) FROM documents').pluck().get() as number;
    expect(survived).toBeGreaterThanOrEqual(committedBeforeKill);
    expect(survived).toBeLessThan(FILES);
    expect(indexInconsistencies(afterKill)).toEqual([]);
    expect(
      afterKill
        .prepare('SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.document_id = d.id)')
        .pluck()
        .get(),
    ).toBe(0);
    afterKill.close();

    const rerun = await runMilens(['index', folder, '--db', dbFile, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout) as { added: number; updated: number; unchanged: number; removed: number };
    expect(report.added + report.unchanged).toBe(FILES);
    expect(report.added).toBe(FILES - survived);
    expect(report.updated + report.removed).toBe(0);

    const finished = openDatabase(dbFile);
    expect(finished.prepare('SELECT COUNT(*), COUNT(DISTINCT path) FROM documents').raw().get()).toEqual([FILES, FILES]);
    expect(indexInconsistencies(finished)).toEqual([]);
    finished.close();
  }, 180_000); // two CLI runs over 4,000 files on a shared machine
});
