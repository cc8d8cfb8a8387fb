// Exit codes over the CLI's commands, as a user runs them (a real child process over the built code):
// 2 for a usage, argument or input-shape problem, with a message naming the argument or column and the
// value; 1 for everything else (a file that cannot be read, storage). And no error quotes a file's
// contents: tables whose first line is a secret fail without echoing it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMilens } from '../helpers/cli.js';

const SECRET = 'root:$6$Zq8sEcReThAsH0123456789:19000:0:99999:7:::';

let folder: string;
let db: string;
const file = (name: string) => path.join(folder, name);

beforeAll(() => {
  // One folder for the whole file (test/helpers/temp.ts removes its folders after each test).
  folder = mkdtempSync(path.join(os.tmpdir(), 'milens-exit-codes-'));
  db = path.join(folder, 'milens.sqlite');
  const files: Record<string, string> = {
    'table.csv': 'x,y\n1,2\n2,4\n3,5\n4,9\n',
    'empty-target.csv': 'x,y\n1,\n2,\n3,\n',
    shadow: `${SECRET}\ndaemon:*:19000:0:99999:7:::\n`,
    'secret-duplicate.csv': `${SECRET},${SECRET}\n1,2\n`,
    'secret-quote.csv': `a,b\n"${SECRET}"x,2\n`,
    'not-a-database.sqlite': `${SECRET}\n`.repeat(200),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(file(name), text);
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface Case {
  label: string;
  args: () => string[];
  code: 1 | 2;
  /** What the message must name. */
  says: () => RegExp;
}

const cases: Case[] = [
  {
    label: 'mi: a target column the table lacks',
    args: () => ['mi', file('table.csv'), '--target', 'nope'],
    code: 2,
    says: () => /Column "nope" not found in .*table\.csv \(its header has 2 columns\)/,
  },
  {
    label: 'mi: an empty target column',
    args: () => ['mi', file('empty-target.csv'), '--target', 'y'],
    code: 2,
    says: () => /Target column "y" of .*empty-target\.csv has 0 rows with a value/,
  },
  {
    label: 'mi: --k not a number',
    args: () => ['mi', file('table.csv'), '--target', 'y', '--k', 'abc'],
    code: 2,
    says: () => /--k .*"abc"/,
  },
  {
    label: 'mi: --permutations negative',
    args: () => ['mi', file('table.csv'), '--target', 'y', '--permutations', '-1'],
    code: 2,
    says: () => /--permutations .*"-1"/,
  },
  {
    label: 'mi: an unknown --unit',
    args: () => ['mi', file('table.csv'), '--target', 'y', '--unit', 'furlongs'],
    code: 2,
    says: () => /"furlongs" for --unit/,
  },
  {
    label: 'mi: --discrete names a missing column',
    args: () => ['mi', file('table.csv'), '--target', 'y', '--discrete', 'zz'],
    code: 2,
    says: () => /Column "zz" not found/,
  },
  {
    label: 'select: --count 0',
    args: () => ['select', file('table.csv'), '--target', 'y', '--method', 'jmi', '--count', '0'],
    code: 2,
    says: () => /--count .*"0"/,
  },
  {
    label: 'serve: --port abc',
    args: () => ['serve', '--port', 'abc', '--db', db],
    code: 2,
    says: () => /Expected --port to be an integer from 0 to 65535 but received "abc"/,
  },
  { label: 'serve: --port 70000', args: () => ['serve', '--port', '70000', '--db', db], code: 2, says: () => /--port .*"70000"/ },
  { label: 'search: --limit 0', args: () => ['search', 'word', '--limit', '0', '--db', db], code: 2, says: () => /--limit .*"0"/ },
  {
    label: 'collections remove: an id that is not one',
    args: () => ['collections', 'remove', 'first', '--db', db],
    code: 2,
    says: () => /collection id .*"first"/,
  },
  {
    label: 'doctor: a --db folder that does not exist',
    args: () => ['doctor', '--db', file('typo/milens.sqlite')],
    code: 2,
    says: () => /--db .*does not exist/,
  },
  { label: 'an unknown command', args: () => ['frobnicate'], code: 2, says: () => /unknown command 'frobnicate'/ },
  {
    label: 'mi: no such file',
    args: () => ['mi', file('missing.csv'), '--target', 'y'],
    code: 1,
    says: () => /Cannot read .*missing\.csv: no such file/,
  },
  {
    label: 'mi: a header naming one column twice',
    args: () => ['mi', file('secret-duplicate.csv'), '--target', 'y'],
    code: 1,
    says: () => /secret-duplicate\.csv: header cells 1 and 2 name the same column/,
  },
  {
    label: 'mi: a broken quoted field',
    args: () => ['mi', file('secret-quote.csv'), '--target', 'b'],
    code: 1,
    says: () => /secret-quote\.csv: a quoted field is followed by something other than a delimiter on line 2/,
  },
  {
    label: 'collections list: a --db that is not a database',
    args: () => ['collections', 'list', '--db', file('not-a-database.sqlite')],
    code: 1,
    says: () => /not-a-database\.sqlite/,
  },
];

describe('milens exit codes', () => {
  it.each(cases)('$label exits $code', { timeout: 60_000 }, async ({ args, code, says }) => {
    const result = await runMilens(args());
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr).toMatch(says());
    expect(result.stderr).not.toContain('Zq8sEcReThAsH');
    expect(result.stderr).not.toMatch(/^\s+at /m); // no stack trace
  });

  it('never quotes a table whose first line is a secret, through mi, select and --json', { timeout: 60_000 }, async () => {
    for (const args of [
      ['mi', file('shadow'), '--target', 'y'],
      ['mi', file('shadow'), '--target', 'y', '--json'],
      ['select', file('shadow'), '--target', 'y', '--method', 'mrmr', '--count', '2'],
    ]) {
      const result = await runMilens(args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/Column "y" not found in .*shadow \(its header has 1 column\)/);
      expect(result.stderr + result.stdout).not.toContain('Zq8sEcReThAsH');
    }
  });
});
