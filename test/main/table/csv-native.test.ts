// The native all-numbers CSV path against the TypeScript reader: the same table (values bit for bit,
// −0 included) whenever the native parser accepts a file, and a decline (null) for every file outside
// its grammar, which the TypeScript reader then handles as before. The addon reads the file itself in
// parts cut at byte offsets (each part owns the lines that start in its range), so the cuts are tested
// at every position of small files: a line straddling a cut, starting exactly at one, a CRLF split.
// Missing cells (empty, or a missing word in any casing) read as NaN on both paths, and each column
// carries the same count of them from both; the same words with spaces around them are declined.
import { appendFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../../main/compute/native.js';
import type { Table } from '../../../main/table/columns.js';
import { loadCsv, loadCsvInTypeScript, loadNumericCsvNatively } from '../../../main/table/csv.js';
import { makeTempFolder } from '../../helpers/temp.js';

const loaded = loadAddon();
const addonLoaded = !('error' in loaded);

function writeTemp(name: string, text: string): string {
  const file = path.join(makeTempFolder(), name);
  writeFileSync(file, text);
  return file;
}

/** Values as strings, so that toEqual tells −0 from 0 and compares NaN. */
function snapshot(table: Table): unknown {
  return {
    ...table,
    columns: table.columns.map((column) =>
      column.type === 'numeric' ? { ...column, values: Array.from(column.values, (v) => (Object.is(v, -0) ? '-0' : String(v))) } : column,
    ),
  };
}

/** isMissingToken's words (and the empty cell) in several casings. */
const MISSING_SPELLINGS = [
  ...['', 'na', 'n/a', '#n/a', 'nan', 'null', 'none', 'nil', 'missing', '?', '-', '--', '.'],
  ...['NA', 'Na', 'nA', 'N/A', 'n/A', '#N/A', 'NaN', 'NAN', 'nAn', 'NULL', 'Null', 'NONE', 'None', 'NIL', 'Nil', 'MISSING', 'Missing'],
];

const accepted: Array<[string, string]> = [
  ['plain commas', 'a,b\n1,2\n3.5,-4e3\n'],
  ['CRLF, semicolons, a blank line, signs and bare points', 'a;b\r\n1;2\r\n\r\n+3.;.5E-2\r\n'],
  ['tabs, a BOM and no final newline', '\ufeffa\tb\n1\t2\n3\t4'],
  ['blank lines before the header', '\n\nx,y\n0.1,0.2\n'],
  ['−0, a subnormal and 17 digits', 'a\n-0\n0\n1e-320\n0.12345678901234567\n'],
  ['a header and no rows', 'a,b\n'],
  ['a header without a newline', 'a,b'],
  ['a header and blank lines only', 'a,b\n\n\r\n\n'],
  ['one row', 'a,b\n1,2\n'],
  ['one row without a newline', 'a,b\n1,2'],
  ['one row ending in a bare CR', 'a,b\n1,2\r'],
  ['empty cells at the start, middle and end of lines', 'a,b,c\n,2,3\n1,,3\n1,2,\n,,\n4,5,6\n'],
  ['an empty last cell without a final newline', 'a,b\n1,2\n3,'],
  ['CRLF with an empty last cell', 'a,b\r\n1,\r\n2,3\r\n,\r\n'],
  ['a column that is entirely missing', 'a,b\n1,\n2,NA\n3,-\n4,.\n'],
  ['every column entirely missing', 'a,b\n,\nna,N/A\n'],
  ['semicolons with missing cells', 'a;b;c\n;1;NA\r\n2;;.\n3.5;-;\n'],
  ['tabs with missing cells', 'a\tb\n\t1\nnull\t\n2\t?\n'],
  ['a one-column file with missing words and blank lines', 'a\n1\n\nNA\n\r\n.\n-\n\n2\n'],
  ['a lone point, dashes and a question mark', 'a\n1\n.\n-\n--\n?\n'],
  ['missing words in several casings', `a,b\n${MISSING_SPELLINGS.map((word, i) => `${i},${word}`).join('\n')}\n`],
];
const declined: Array<[string, string]> = [
  ['text', 'a,b\n1,x\n3,4\n'],
  ['spaces around a number', 'a,b\n 1,2\n'],
  ['a space after a number', 'a,b\n1 ,2\n'],
  ['a missing word with a space after it', 'a,b\n1,NA \n'],
  ['a missing word with a space before it', 'a,b\n1, na\n'],
  ['a missing word with a tab after it in a comma file', 'a,b\n1,NA\t\n'],
  ['a blank cell of spaces', 'a,b\n1,  \n'],
  ['a missing word split by a space', 'a,b\n1,n a\n'],
  ['a missing word followed by a CR inside the line', 'a,b\nNA\r,2\n'],
  ['an empty cell followed by two CRs', 'a\n1\n\r\r\n'],
  ['a missing word with one letter more', 'a\n1\nnulls\n'],
  ['a word longer than any missing word', 'a\n1\nmissingx\n'],
  ['a near miss of a missing word', 'a\n1\n#na\n'],
  ['a sign and a point', 'a\n1\n-.\n'],
  ['a non-ASCII letter in a missing word', 'a\n1\nN\u00c0\n'],
  ['a missing cell next to a decimal comma', 'a;b\nNA;1,5\n'],
  ['Infinity', 'a\n1\n-Infinity\n'],
  ['too many cells', 'a,b\n1,2,3\n'],
  ['too few cells', 'a,b\n1\n'],
  ['a number beyond float64', 'a\n1e400\n'],
  ['hexadecimal', 'a\n0x10\n'],
  ['an empty file', ''],
  ['a decimal comma', 'a;b\n1,5;2\n'],
  ['a quoted field', 'a,b\n"1",2\n'],
  ['infinity', 'a\n1\ninf\n'],
  ['a sign after a plus', 'a\n+-1\n'],
  ['an exponent without digits', 'a\n1e\n'],
  ['a CR inside a line', 'a,b\n1\r,2\n'],
  ['two CRs before the newline', 'a\n1\r\r\n'],
  ['a quote in the header', 'a,"b"\n1,2\n'],
];

/** Small files whose every byte offset is tried as a cut (blank lines, CRLF and no final newline among them). */
const cutTexts: Array<[string, string]> = [
  ['LF lines', 'a,b\n1,2\n33,44\n555,666\n7,8\n'],
  ['CRLF lines', 'a;b\r\n1;2\r\n33;44\r\n555;666\r\n'],
  ['blank lines between rows', 'a\n\n1\n\n\n22\n\r\n333\n\r\n'],
  ['no final newline', 'x\ty\n1\t2\n3\t4'],
  ['no final newline after CR', 'x\n1\n2\r'],
  ['missing cells', 'a,b\n1,\n,NA\r\nnan,-\n--,3\n'],
  ['an empty last cell without a final newline', 'x;y\nN/A;2\n3;'],
  ['one column with missing words and blank lines', 'a\n\nNA\n\r\n.\n1\n\n?'],
];

/** A seeded generator of numbers with many digits and exponents, written in every accepted form. */
function numberWriter(seed: number): () => string {
  let state = seed;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 10 ** ((state >>> 7) % 9);
  const forms = [
    (v: number) => v.toPrecision(17),
    (v: number) => String(v),
    (v: number) => v.toExponential(5),
    (v: number) => `+${Math.abs(v)}`,
  ];
  let form = 0;
  return () => forms[form++ % forms.length]!(next());
}

function generatedRows(rows: number, columns: number, seed: number, lineEnd = '\n'): string[] {
  const write = numberWriter(seed);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(Array.from({ length: columns }, write).join(',') + lineEnd);
  return lines;
}

/** Like generatedRows, with about one cell in `every` replaced by a missing spelling. */
function rowsWithMissingCells(rows: number, columns: number, seed: number, every: number, lineEnd = '\n'): string[] {
  const write = numberWriter(seed);
  let state = seed ^ 0x5bd1e995;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const cells = Array.from({ length: columns }, () => {
      const value = write();
      return next() % every === 0 ? MISSING_SPELLINGS[next() % MISSING_SPELLINGS.length]! : value;
    });
    lines.push(cells.join(',') + lineEnd);
  }
  return lines;
}

describe.skipIf(!addonLoaded)('native all-numbers CSV path', () => {
  it.each(accepted)('reads %s exactly as the TypeScript reader', async (_, text) => {
    const file = writeTemp('accepted.csv', text);
    const native = await loadNumericCsvNatively(file);
    expect(native).not.toBeNull();
    expect(snapshot(native!)).toEqual(snapshot(await loadCsvInTypeScript(file)));
  });

  it.each(declined)('declines %s, and loadCsv still gives the TypeScript result', async (_, text) => {
    const file = writeTemp('declined.csv', text);
    expect(await loadNumericCsvNatively(file)).toBeNull();
    const viaLoad = await loadCsv(file).then(snapshot, (error: Error) => error.message);
    const reference = await loadCsvInTypeScript(file).then(snapshot, (error: Error) => error.message);
    expect(viaLoad).toEqual(reference);
  });

  it.each(cutTexts)('reads %s identically with a cut at every byte', async (_, text) => {
    const file = writeTemp('cuts.csv', text);
    const reference = snapshot(await loadCsvInTypeScript(file));
    // Cuts fall at offset + data·k/parts: every parts count up to the data length puts one on each byte.
    for (let parts = 1; parts <= text.length + 3; parts++) {
      const native = await loadNumericCsvNatively(file, parts);
      expect(native, `parts ${parts}`).not.toBeNull();
      expect(snapshot(native!), `parts ${parts}`).toEqual(reference);
    }
  });

  it('reads a line that straddles a cut, one that starts exactly at it, and a CRLF split by it', async () => {
    // Header "a\r\n" (3 bytes), data "10\r\n2\r\n" (7 bytes): with 7 parts a cut falls on every data byte.
    const file = writeTemp('cut-positions.csv', 'a\r\n10\r\n2\r\n');
    const reference = snapshot(await loadCsvInTypeScript(file));
    for (const parts of [2, 3, 4, 7]) expect(snapshot((await loadNumericCsvNatively(file, parts))!)).toEqual(reference);
  });

  it('cuts a file into more parts than it has lines', async () => {
    const file = writeTemp('few-lines.csv', 'a,b\n1,2\n3,4\n');
    expect(snapshot((await loadNumericCsvNatively(file, 4096))!)).toEqual(snapshot(await loadCsvInTypeScript(file)));
  });

  it('reads a header wider than the first read', async () => {
    const names = Array.from({ length: 4000 }, (_, index) => `feature_${String(index).padStart(12, '0')}`); // 84 kB
    const file = writeTemp('wide.csv', `${names.join(',')}\n${generatedRows(2, names.length, 7).join('')}`);
    const native = await loadNumericCsvNatively(file);
    expect(native?.columns.length).toBe(4000);
    expect(snapshot(native!)).toEqual(snapshot(await loadCsvInTypeScript(file)));
  });

  it('reads a line longer than one read, and declines one longer than its buffer (1 MB)', async () => {
    const longOne = `1.${'0'.repeat(600_000)}`;
    const accepted = writeTemp('long-line.csv', `a,b\n1,2\n${longOne},3\n4,5\n`);
    expect(snapshot((await loadNumericCsvNatively(accepted, 2))!)).toEqual(snapshot(await loadCsvInTypeScript(accepted)));
    const tooLong = writeTemp('too-long-line.csv', `a,b\n1,2\n1.${'0'.repeat(1_100_000)},3\n4,5\n`);
    expect(await loadNumericCsvNatively(tooLong)).toBeNull();
    expect(snapshot(await loadCsv(tooLong))).toEqual(snapshot(await loadCsvInTypeScript(tooLong)));
  });

  it.each([
    ['a quote', '"1"'],
    ['text', 'x'],
  ])('declines %s in the middle of a multi-megabyte file', async (_, cell) => {
    const lines = generatedRows(120_000, 2, 99);
    lines[60_000] = `${cell},1\n`;
    const file = writeTemp('late-decline.csv', `a,b\n${lines.join('')}`);
    expect(await loadNumericCsvNatively(file)).toBeNull();
    expect(snapshot(await loadCsv(file))).toEqual(snapshot(await loadCsvInTypeScript(file)));
  });

  it('declines when the file changes between counting and parsing', async () => {
    const { addon } = loaded as Exclude<typeof loaded, { error: unknown }>;
    const text = `a,b\n${generatedRows(1000, 2, 3).join('')}`;
    for (const change of [(file: string) => appendFileSync(file, '1,2\n'), (file: string) => truncateSync(file, text.length - 10)]) {
      const file = writeTemp('changing.csv', text);
      const plan = (await addon.scanNumericCsv!(file, 4, 0, 1 << 30))!;
      expect(plan.rows.reduce((sum, rows) => sum + rows, 0)).toBe(1000);
      change(file);
      const columns = [new Float64Array(1000), new Float64Array(1000)];
      expect(await addon.parseNumericCsvFile!(file, plan, columns, ',')).toBeNull();
    }
  });

  it("counts each column's missing cells", async () => {
    const { addon } = loaded as Exclude<typeof loaded, { error: unknown }>;
    const file = writeTemp('flags.csv', 'a,b,c,d\n1,,3,4\n5,6,7,NA\n8,9,10,?\n');
    const plan = (await addon.scanNumericCsv!(file, 8, 0, 1 << 30))!;
    const columns = Array.from({ length: 4 }, () => new Float64Array(3));
    expect(Array.from((await addon.parseNumericCsvFile!(file, plan, columns, ','))!)).toEqual([0, 1, 0, 2]);
    expect(Array.from(columns[1]!)).toEqual([Number.NaN, 6, 9]);
    const native = (await loadNumericCsvNatively(file))!;
    expect(native.columns.map((column) => column.type === 'numeric' && column.nonFiniteRows)).toEqual([0, 1, 0, 2]);
    expect(snapshot(native)).toEqual(snapshot(await loadCsvInTypeScript(file)));
  });

  it('rejects a plan that does not describe the file it came from', async () => {
    const { addon } = loaded as Exclude<typeof loaded, { error: unknown }>;
    const file = writeTemp('plan.csv', 'a\n1\n2\n');
    const plan = (await addon.scanNumericCsv!(file, 2, 2, 1 << 30))!;
    expect(Array.from(plan.cuts)).toEqual([2, 4, 6]);
    expect(Array.from(plan.rows)).toEqual([1, 1]);
    expect(() => addon.parseNumericCsvFile!(file, plan, [new Float64Array(3)], ',')).toThrow(RangeError);
    expect(() => addon.parseNumericCsvFile!(file, { ...plan, cuts: new Float64Array([4, 2, 6]) }, [new Float64Array(2)], ',')).toThrow(
      RangeError,
    );
    expect(await addon.scanNumericCsv!(file, 2, 0, 5)).toBeNull(); // over maxBytes
    expect(await addon.scanNumericCsv!(writeTemp('quote.csv', 'a\n1\n2"\n'), 2, 0, 1 << 30)).toBeNull(); // the count finds quotes
    expect(await addon.scanNumericCsv!(path.join(makeTempFolder(), 'missing.csv'), 2, 0, 1 << 30)).toBeNull();
  });

  it('reads 150,000 generated rows with CRLF and blank lines exactly as the TypeScript reader, however cut', async () => {
    const lines = generatedRows(150_000, 4, 2024, '\r\n');
    for (let i = 0; i < lines.length; i += 9973) lines.splice(i, 0, '\r\n');
    const file = writeTemp('generated.csv', `\ufeffw,x,y,z\r\n${lines.join('')}`);
    const reference = snapshot(await loadCsvInTypeScript(file));
    for (const parts of [0, 1, 7, 64]) {
      const native = await loadNumericCsvNatively(file, parts);
      expect(native?.rowCount).toBe(150_000);
      expect(snapshot(native!)).toEqual(reference);
    }
  });

  it('reads 100,000 rows with random missing cells exactly as the TypeScript reader, however cut', async () => {
    const lines = rowsWithMissingCells(100_000, 5, 77, 400);
    lines[0] = lines[0]!.slice(lines[0]!.indexOf(',')); // a missing cell at the very start of the data
    for (let i = 5000; i < lines.length; i += 7919) lines.splice(i, 0, '\n');
    const file = writeTemp('missing.csv', `a,b,c,d,e\n${lines.join('')}`);
    const reference = snapshot(await loadCsvInTypeScript(file));
    for (const parts of [0, 1, 7, 64]) {
      const native = await loadNumericCsvNatively(file, parts);
      expect(native?.rowCount).toBe(100_000);
      expect(native!.columns.every((column) => column.type === 'numeric' && column.nonFiniteRows! > 0)).toBe(true); // and equal to the reference's
      expect(snapshot(native!)).toEqual(reference);
    }
  });

  it('declines a missing word with a space after it in the middle of a multi-megabyte file with missing cells', async () => {
    const lines = rowsWithMissingCells(120_000, 2, 5, 300);
    lines[70_000] = '1,NA \n';
    const file = writeTemp('late-missing-decline.csv', `a,b\n${lines.join('')}`);
    expect(await loadNumericCsvNatively(file)).toBeNull();
    expect(snapshot(await loadCsv(file))).toEqual(snapshot(await loadCsvInTypeScript(file)));
  });

  it('splits a multi-megabyte file across threads with the same values', async () => {
    const lines = ['x,y,z'];
    let state = 12345;
    const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 10 ** ((state >>> 7) % 9);
    for (let i = 0; i < 200_000; i++) lines.push(`${next().toPrecision(17)},${next()},${next().toExponential(5)}`);
    const file = writeTemp('large.csv', `${lines.join('\n')}\n`);
    const native = await loadNumericCsvNatively(file);
    expect(native?.rowCount).toBe(200_000);
    expect(snapshot(native!)).toEqual(snapshot(await loadCsvInTypeScript(file)));
  });
});
