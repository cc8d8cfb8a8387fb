#!/usr/bin/env node
// Times `milens select` on a wide table (default 500 columns × 10,000 rows, select 20), whole process.
//   node scripts/bench/mi-select-timing.mjs [--rows 10000] [--columns 500] [--count 20] [--method jmi]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importBuilt, option, repo } from './lib/common.mjs';

const { SeededRandom } = await importBuilt('mi/random.js');
const rows = Number(option('rows', '10000'));
const columns = Number(option('columns', '500'));
const count = option('count', '20');
const methods = option('method', 'mrmr,jmi,cmim').split(',');

const random = new SeededRandom(12345);
const normal = () => random.nextNormal();

const folder = mkdtempSync(path.join(os.tmpdir(), 'milens-select-'));
const csv = path.join(folder, 'wide.csv');
try {
  const lines = [['y', ...Array.from({ length: columns }, (_, j) => `c${j}`)].join(',')];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: columns }, () => normal());
    // Ten informative columns; c10..c19 are noisy copies of c0..c9 (redundant).
    for (let j = 10; j < 20 && j < columns; j++) x[j] = x[j - 10] + 0.1 * normal();
    let y = 0.3 * normal();
    for (let j = 0; j < 10 && j < columns; j++) y += (j % 2 ? Math.sin(x[j]) : x[j]) / (1 + j / 5);
    lines.push([y, ...x].map((v) => v.toPrecision(8)).join(','));
  }
  writeFileSync(csv, `${lines.join('\n')}\n`);
  for (const method of methods) {
    const started = process.hrtime.bigint();
    const result = spawnSync(
      process.execPath,
      [path.join(repo, 'bin', 'milens.js'), 'select', csv, '--target', 'y', '--method', method, '--count', count, '--json'],
      { encoding: 'utf8' },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== 0) throw new Error(result.stderr);
    const names = JSON.parse(result.stdout).selected.map((s) => s.name);
    console.log(
      `${method}: ${columns} columns × ${rows} rows, select ${count}: ${seconds.toFixed(2)} s; first picks ${names.slice(0, 12).join(' ')}`,
    );
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
