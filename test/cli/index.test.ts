// `milens index` as a user runs it: the built CLI over a real folder and database.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IndexReport } from '../../main/api/contract.js';
import { runMilens } from '../helpers/cli.js';
import { makeTempFolder } from '../helpers/temp.js';

function notes() {
  const root = realpathSync(makeTempFolder());
  const folder = path.join(root, 'notes');
  mkdirSync(path.join(folder, 'sub'), { recursive: true });
  writeFileSync(path.join(folder, 'a.txt'), 'Lighthouse keepers\n\nThe lamp turns all night.');
  writeFileSync(path.join(folder, 'sub', 'b.md'), '# Tides\n\nThe moon pulls the sea.');
  writeFileSync(path.join(folder, 'sub', 'c.txt'), Buffer.from([0, 1, 2, 3]));
  return { folder, db: path.join(root, 'milens.sqlite') };
}

describe('milens index', () => {
  it('adds the folder, indexes it and reports counts and skipped files as JSON', async () => {
    const { folder, db } = notes();
    const first = await runMilens(['index', folder, '--db', db, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as IndexReport;
    expect(report).toMatchObject({ added: 2, updated: 0, removed: 0, unchanged: 0 });
    expect(report.skipped).toEqual([{ path: path.join(folder, 'sub', 'c.txt'), reason: 'binary file' }]);
    expect(report.collection).toMatchObject({ path: folder, documentCount: 2 });

    writeFileSync(path.join(folder, 'a.txt'), 'Lighthouse keepers\n\nThe lamp turns all night, every night.');
    const second = JSON.parse((await runMilens(['index', folder, '--db', db, '--json'])).stdout) as IndexReport;
    expect(second).toMatchObject({ added: 0, updated: 1, removed: 0, unchanged: 1 });
    expect(second.collection.id).toBe(report.collection.id);
  });

  it('prints a readable summary and lists collections; remove forgets one', async () => {
    const { folder, db } = notes();
    const result = await runMilens(['index', folder, '--db', db]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/added\s+updated\s+removed\s+unchanged\s+skipped/);
    expect(result.stdout).toContain('binary file');
    const list = await runMilens(['collections', 'list', '--db', db, '--json']);
    const collections = JSON.parse(list.stdout) as Array<{ id: number; path: string }>;
    expect(collections.map((collection) => collection.path)).toEqual([folder]);
    const removed = await runMilens(['collections', 'remove', String(collections[0].id), '--db', db]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse((await runMilens(['collections', 'list', '--db', db, '--json'])).stdout)).toEqual([]);
  });

  it('fails with a message naming a missing folder', async () => {
    const { db } = notes();
    const result = await runMilens(['index', '/definitely/not/here', '--db', db]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/definitely/not/here');
  });
});
