// The scan's rules on real folders: links are followed only inside the collection, every real folder
// is scanned once (a fan-out of links that multiplied one file 32,767 times lists it once, and loops
// end), real paths win over links, and names that are not UTF-8 get their own reason.
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanFolder } from '../../../main/ingest/scanner.js';
import { makeTempFolder } from '../../helpers/temp.js';

const posix = process.platform !== 'win32';
const LIMIT = { maxFileBytes: 1024 * 1024 };

function reasonsOf(folder: string, skipped: Array<{ path: string; reason: string }>): Record<string, string> {
  return Object.fromEntries(skipped.map((entry) => [path.relative(folder, entry.path), entry.reason]));
}

/**
 * `levels` folders in a hidden store, each holding one file and two links to the next; the collection
 * holds two links to the first. Followed naively that is 2^(levels+1) - 1 copies of the files.
 */
function fanOut(levels: number): string {
  const root = realpathSync(makeTempFolder());
  const store = path.join(root, '.store');
  for (let level = 0; level <= levels; level++) {
    const folder = path.join(store, `level${level}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `note${level}.txt`), `note at level ${level}\n`);
  }
  for (let level = 0; level < levels; level++) {
    const next = path.join(store, `level${level + 1}`);
    symlinkSync(next, path.join(store, `level${level}`, 'a'));
    symlinkSync(next, path.join(store, `level${level}`, 'b'));
  }
  symlinkSync(path.join(store, 'level0'), path.join(root, 'a'));
  symlinkSync(path.join(store, 'level0'), path.join(root, 'b'));
  return root;
}

describe.skipIf(!posix)('scanFolder', () => {
  it('does not follow links out of the collection, and names where they lead', async () => {
    const base = realpathSync(makeTempFolder());
    const folder = path.join(base, 'notes');
    const outside = path.join(base, 'elsewhere');
    mkdirSync(folder);
    mkdirSync(outside);
    writeFileSync(path.join(folder, 'mine.txt'), 'mine\n');
    writeFileSync(path.join(outside, 'passwd.txt'), 'not yours\n');
    writeFileSync(path.join(outside, 'hosts.txt'), 'not yours either\n');
    symlinkSync(outside, path.join(folder, 'etc'));
    symlinkSync(path.join(outside, 'passwd.txt'), path.join(folder, 'passwd.txt'));
    const scan = await scanFolder(folder, LIMIT);
    expect(scan.files.map((file) => path.relative(folder, file.path))).toEqual(['mine.txt']);
    expect(reasonsOf(folder, scan.skipped)).toEqual({
      etc: `symbolic link leads outside the collection (${outside})`,
      'passwd.txt': `symbolic link leads outside the collection (${path.join(outside, 'passwd.txt')})`,
    });
    // The documented option follows them (each real folder still once).
    const anywhere = await scanFolder(folder, { ...LIMIT, followLinks: 'anywhere' });
    expect(anywhere.files.map((file) => path.relative(folder, file.path)).sort()).toEqual([
      path.join('etc', 'hosts.txt'),
      path.join('etc', 'passwd.txt'),
      'mine.txt',
    ]);
    expect(reasonsOf(folder, anywhere.skipped)).toEqual({ 'passwd.txt': `same file as ${path.join(folder, 'etc', 'passwd.txt')}` });
  });

  it('lists each file of a 14-level fan-out of links once', async () => {
    const root = fanOut(14);
    const scan = await scanFolder(root, LIMIT);
    const names = scan.files.map((file) => path.basename(file.path)).sort();
    expect(names).toEqual(Array.from({ length: 15 }, (_, level) => `note${level}.txt`).sort());
    // Followed breadth first through the first link of each level: a/a/…/noteN.txt.
    expect(scan.files.find((file) => file.path.endsWith('note3.txt'))!.path).toBe(path.join(root, 'a', 'a', 'a', 'a', 'note3.txt'));
    // One second link per level was not entered, and says why.
    const second = scan.skipped.filter((entry) => entry.reason.startsWith('symbolic link to a folder already scanned'));
    expect(second).toHaveLength(15);
    expect(reasonsOf(root, scan.skipped).b).toBe(`symbolic link to a folder already scanned (${path.join(root, 'a')})`);
  });

  it('an 18-level fan-out scans the same way (2^19 paths, 19 files)', async () => {
    const scan = await scanFolder(fanOut(18), LIMIT);
    expect(scan.files).toHaveLength(19);
  });

  it('ends loops and prefers real paths to links', async () => {
    const root = realpathSync(makeTempFolder());
    mkdirSync(path.join(root, 'x', 'deep'), { recursive: true });
    mkdirSync(path.join(root, 'z-real'));
    writeFileSync(path.join(root, 'x', 'deep', 'one.txt'), 'one\n');
    writeFileSync(path.join(root, 'z-real', 'two.txt'), 'two\n');
    symlinkSync(root, path.join(root, 'x', 'deep', 'to-root'));
    symlinkSync(path.join(root, 'x'), path.join(root, 'x', 'deep', 'to-parent'));
    symlinkSync(path.join(root, 'z-real'), path.join(root, 'a-link'));
    symlinkSync(path.join(root, 'z-real', 'two.txt'), path.join(root, 'x', 'two-again.txt'));
    const scan = await scanFolder(root, LIMIT);
    expect(scan.files.map((file) => path.relative(root, file.path))).toEqual([
      path.join('x', 'deep', 'one.txt'),
      path.join('z-real', 'two.txt'),
    ]);
    expect(reasonsOf(root, scan.skipped)).toEqual({
      'a-link': `symbolic link to a folder already scanned (${path.join(root, 'z-real')})`,
      [path.join('x', 'deep', 'to-root')]: `symbolic link loop (back to ${root})`,
      [path.join('x', 'deep', 'to-parent')]: `symbolic link loop (back to ${path.join(root, 'x')})`,
      [path.join('x', 'two-again.txt')]: `same file as ${path.join(root, 'z-real', 'two.txt')}`,
    });
  });

  it('gives names that are not valid UTF-8 their own reason', async () => {
    const root = realpathSync(makeTempFolder());
    writeFileSync(path.join(root, 'fine.txt'), 'fine\n');
    // "caf\xe9.txt": Latin-1 bytes, as old archives and other systems leave them.
    writeFileSync(Buffer.concat([Buffer.from(root + path.sep), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x74, 0x78, 0x74])]), 'latin\n');
    const scan = await scanFolder(root, LIMIT);
    expect(scan.files.map((file) => path.basename(file.path))).toEqual(['fine.txt']);
    expect(scan.skipped).toEqual([{ path: path.join(root, 'caf\ufffd.txt'), reason: 'file name is not valid UTF-8' }]);
  });
});
