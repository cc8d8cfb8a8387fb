// Table loading: CSV dialects (comma, semicolon, tab, quoted fields, CRLF, BOM), missing values, text
// and boolean columns, Parquet with nulls and row groups, kind inference, and errors naming the file.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NumericColumn, TextColumn } from '../../../main/table/columns.js';
import { inferKind } from '../../../main/table/kinds.js';
import { loadTable } from '../../../main/table/load.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { makeTempFolder } from '../../helpers/temp.js';

function writeTemp(name: string, text: string): string {
  const file = path.join(makeTempFolder(), name);
  writeFileSync(file, text);
  return file;
}

const numbers = (column: unknown) => Array.from((column as NumericColumn).values);
const texts = (column: unknown) =>
  Array.from((column as TextColumn).codes, (code) => (code < 0 ? null : (column as TextColumn).levels[code]));

describe('CSV loading', () => {
  it('reads a plain comma file into typed numeric columns (fast path)', async () => {
    const table = await loadTable(writeTemp('a.csv', 'a,b\n1,2.5\n3,-4e2\n'));
    expect(table.rowCount).toBe(2);
    expect(table.columns[0]).toMatchObject({ name: 'a', type: 'numeric' });
    expect(table.columns[0]!.type === 'numeric' && table.columns[0]!.values).toBeInstanceOf(Float64Array);
    expect(numbers(table.columns[1])).toEqual([2.5, -400]);
  });

  it('detects semicolon and tab delimiters, CRLF line ends and a byte-order mark', async () => {
    const semicolon = await loadTable(writeTemp('s.csv', '\ufeffx;y\r\n1;2\r\n3;4\r\n'));
    expect(semicolon.columns.map((c) => c.name)).toEqual(['x', 'y']);
    expect(numbers(semicolon.columns[1])).toEqual([2, 4]);
    const tab = await loadTable(writeTemp('t.tsv', 'x\ty\n1\t2\n'));
    expect(numbers(tab.columns[0])).toEqual([1]);
  });

  it('detects the delimiter from the first non-blank line on the csv-parse path too', async () => {
    const table = await loadTable(writeTemp('lead.csv', '\na;b;y\n"1";2;3\n4;5;6\n'));
    expect(table.columns.map((c) => c.name)).toEqual(['a', 'b', 'y']);
    expect(numbers(table.columns[0])).toEqual([1, 4]);
    const bom = await loadTable(writeTemp('bom.csv', '\ufeff\r\n\r\nx;"y"\r\n1;2\r\n'));
    expect(bom.columns.map((c) => c.name)).toEqual(['x', 'y']);
    expect(numbers(bom.columns[1])).toEqual([2]);
  });

  it('handles quoted fields with delimiters, quotes and newlines inside (csv-parse path)', async () => {
    const table = await loadTable(writeTemp('q.csv', 'name,"value, in units"\n"Smith, J",1\n"say ""hi""",2\n"two\nlines",3\n'));
    expect(table.columns.map((c) => c.name)).toEqual(['name', 'value, in units']);
    expect(texts(table.columns[0])).toEqual(['Smith, J', 'say "hi"', 'two\nlines']);
    expect(numbers(table.columns[1])).toEqual([1, 2, 3]);
  });

  it('reads missing tokens as missing, text as dictionary codes, and infers kinds', async () => {
    const table = await loadTable(writeTemp('m.csv', 'x,label,flag,code\n1.5,a,true,1\nNA,b,false,2\n,a,TRUE,1\n2.25,,false,3\n'));
    const [x, label, flag, code] = table.columns;
    expect(numbers(x)).toEqual([1.5, NaN, NaN, 2.25]);
    expect(texts(label)).toEqual(['a', 'b', 'a', null]);
    expect(texts(flag)).toEqual(['true', 'false', 'TRUE', 'false']);
    expect(inferKind(x!)).toBe('continuous');
    expect(inferKind(label!)).toBe('discrete');
    expect(inferKind(flag!)).toBe('discrete');
    expect(inferKind(code!)).toBe('continuous'); // 3 distinct integers in 4 rows: too few rows to call them codes
    expect(inferKind({ name: 'codes', type: 'numeric', values: Float64Array.from({ length: 100 }, (_, i) => i % 5) })).toBe('discrete');
    expect(inferKind({ name: 'ids', type: 'numeric', values: Float64Array.from({ length: 100 }, (_, i) => i) })).toBe('continuous');
  });

  it('turns a column that starts numeric and meets text into text', async () => {
    const table = await loadTable(writeTemp('t.csv', 'v\n1\n2\nhigh\n'));
    expect(texts(table.columns[0])).toEqual(['1', '2', 'high']);
  });

  it('reads files larger than one read chunk', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 150_000; i++) lines.push(`${i},${i * 0.5}`);
    const table = await loadTable(writeTemp('big.csv', lines.join('\n')));
    expect(table.rowCount).toBe(150_000);
    expect(numbers(table.columns[1])[149_999]).toBe(149_999 * 0.5);
  });

  it('fails with messages naming the file and the problem', async () => {
    await expect(loadTable('/nonexistent/table.csv')).rejects.toThrow(/Cannot read \/nonexistent\/table.csv: no such file/);
    await expect(loadTable(writeTemp('bad.csv', 'a,b\n1,2,3\n'))).rejects.toThrow(/bad.csv: line 2 has 3 cells but the header has 2/);
    await expect(loadTable(writeTemp('dup.csv', 'a,a\n1,2\n'))).rejects.toThrow(/header cells 1 and 2 name the same column/);
    await expect(loadTable(writeTemp('empty.csv', ''))).rejects.toThrow(/empty/);
    await expect(loadTable(makeTempFolder())).rejects.toThrow(/not a regular file/);
  });
});

describe('Parquet loading', () => {
  it('reads numbers, nulls, 64-bit integers, strings and booleans across row groups', async () => {
    const table = await loadTable(path.join(REPO_ROOT, 'test', 'fixtures', 'mi', 'mixed.parquet'));
    expect(table.format).toBe('parquet');
    expect(table.rowCount).toBe(300);
    const byName = Object.fromEntries(table.columns.map((c) => [c.name, c]));
    expect(byName.x!.type).toBe('numeric');
    const x = numbers(byName.x);
    expect(x[7]).toBeNaN();
    expect(x[1]).toBeCloseTo(Math.sin(0.37) * 2, 12);
    expect(numbers(byName.y)[299]).toBeCloseTo(Math.sin(299 * 0.37) + Math.cos(299 * 1.3), 12);
    expect(numbers(byName.count).slice(0, 5)).toEqual([0, 1, 2, 3, 0]);
    expect(texts(byName.colour).slice(0, 4)).toEqual(['red', 'green', null, 'red']);
    expect(texts(byName.flag).slice(0, 2)).toEqual(['true', 'false']);
    expect(inferKind(byName.count!)).toBe('discrete');
  });

  it('reports a corrupt Parquet file as unreadable', async () => {
    await expect(loadTable(writeTemp('bad.parquet', 'PAR1 not really'))).rejects.toThrow(/bad.parquet: not a readable Parquet file/);
  });
});

describe('decimal commas', () => {
  it('reads "1,5" as 1.5 in semicolon-separated files, quoted or not', async () => {
    const plain = await loadTable(writeTemp('eu.csv', 'a;b\n1,5;2\n-0,25;3\n'));
    expect(numbers(plain.columns[0])).toEqual([1.5, -0.25]);
    const quoted = await loadTable(writeTemp('euq.csv', 'a;"b"\n"1,5";x\n2;y\n'));
    expect(numbers(quoted.columns[0])).toEqual([1.5, 2]);
    const comma = await loadTable(writeTemp('us.csv', 'a,b\n"1,5",2\n'));
    expect(texts(comma.columns[0])).toEqual(['1,5']);
  });
});

describe('missing tokens', () => {
  it('keeps a numeric column numeric when it holds n/a, -, missing or NULL in any case', async () => {
    const table = await loadTable(writeTemp('na.csv', 'x,label\n1.5,a\nn/a,b\n-,c\nMissing,-\nnull,\n2,NA\n'));
    expect(numbers(table.columns[0])).toEqual([1.5, NaN, NaN, NaN, NaN, 2]);
    expect(texts(table.columns[1])).toEqual(['a', 'b', 'c', null, null, null]);
  });
});
