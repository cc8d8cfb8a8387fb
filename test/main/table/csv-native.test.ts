// The native all-numbers CSV path against the TypeScript reader: the same table (values bit for bit,
// −0 included) whenever the native parser accepts a file, and a decline (null) for every file outside
// its grammar, which the TypeScript reader then handles as before.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../../main/compute/native.js';
import type { Table } from '../../../main/table/columns.js';
import { loadCsv, loadCsvInTypeScript, loadNumericCsvNatively } from '../../../main/table/csv.js';
import { makeTempFolder } from '../../helpers/temp.js';

const addonLoaded = !('error' in loadAddon());

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

const accepted: Array<[string, string]> = [
  ['plain commas', 'a,b\n1,2\n3.5,-4e3\n'],
  ['CRLF, semicolons, a blank line, signs and bare points', 'a;b\r\n1;2\r\n\r\n+3.;.5E-2\r\n'],
  ['tabs, a BOM and no final newline', '\ufeffa\tb\n1\t2\n3\t4'],
  ['blank lines before the header', '\n\nx,y\n0.1,0.2\n'],
  ['−0, a subnormal and 17 digits', 'a\n-0\n0\n1e-320\n0.12345678901234567\n'],
  ['a header and no rows', 'a,b\n'],
];
const declined: Array<[string, string]> = [
  ['an empty cell', 'a,b\n1,\n3,4\n'],
  ['text', 'a,b\n1,x\n3,4\n'],
  ['spaces around a number', 'a,b\n 1,2\n'],
  ['too many cells', 'a,b\n1,2,3\n'],
  ['too few cells', 'a,b\n1\n'],
  ['a number beyond float64', 'a\n1e400\n'],
  ['hexadecimal', 'a\n0x10\n'],
  ['an empty file', ''],
  ['a decimal comma', 'a;b\n1,5;2\n'],
  ['a quoted field', 'a,b\n"1",2\n'],
  ['a missing token', 'a\nNA\n1\n'],
];

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
