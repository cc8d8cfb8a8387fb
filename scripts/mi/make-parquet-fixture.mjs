// Writes test/fixtures/mi/mixed.parquet, the Parquet fixture of the table loader tests: numbers with
// nulls, 64-bit integers, strings, booleans, in three row groups. hyparquet-writer is not a milens
// dependency; install it outside the repository and pass its folder:
//   npm install --prefix /tmp/pqw hyparquet-writer && node scripts/mi/make-parquet-fixture.mjs /tmp/pqw
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const prefix = process.argv[2];
if (!prefix) throw new Error('usage: node scripts/mi/make-parquet-fixture.mjs <folder where hyparquet-writer is installed>');
const { parquetWriteFile } = await import(pathToFileURL(path.join(prefix, 'node_modules', 'hyparquet-writer', 'src', 'node.js')).href);

const rows = 300;
const x = [],
  y = [],
  count = [],
  colour = [],
  flag = [];
for (let i = 0; i < rows; i++) {
  const value = Math.sin(i * 0.37) * 2;
  x.push(i % 50 === 7 ? null : value);
  y.push(value * 0.5 + Math.cos(i * 1.3));
  count.push(BigInt(i % 4));
  colour.push(i % 3 === 0 ? 'red' : i % 3 === 1 ? 'green' : null);
  flag.push(i % 2 === 0);
}
const filename = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'mi', 'mixed.parquet');
parquetWriteFile({
  filename,
  rowGroupSize: 128,
  columnData: [
    { name: 'x', data: x, type: 'DOUBLE' },
    { name: 'y', data: y, type: 'DOUBLE' },
    { name: 'count', data: count, type: 'INT64' },
    { name: 'colour', data: colour, type: 'STRING' },
    { name: 'flag', data: flag, type: 'BOOLEAN' },
  ],
});
console.log(`wrote ${filename}`);
