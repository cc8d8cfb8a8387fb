#!/usr/bin/env node
// Times conditional MI (`milens mi … --given z`) against plain MI (`milens mi …`) of the same table,
// whole process against whole process, alternating runs, and prints the median times and their ratio,
// for two data shapes: tie-free values (17 significant digits) and the same values rounded to 2
// decimals (heavy ties, as in a spreadsheet export). Optionally the same with --permutations N.
//
//   node scripts/bench/cmi-vs-mi.mjs [--rows 100000] [--features 10] [--runs 3] [--permutations 0] [--keep]
//
// Needs `npm run build` (and the native addon for the kernel path). The data: z standard normal;
// x_j = a_j·z + noise (a_j from 0 to 0.9); y = sin(x0) + 0.5·z + Σ 0.3·x_j·[j odd] + noise; seeded.
// The plain run scores the 10 features and z (11 columns); the conditional run scores the 10 features.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importBuilt, median, option, repo } from './lib/common.mjs';

const { SeededRandom } = await importBuilt('mi/random.js');
const rows = Number(option('rows', '100000'));
const features = Number(option('features', '10'));
const runs = Number(option('runs', '3'));
const permutations = Number(option('permutations', '0'));

function writeCsv(file, format) {
  const random = new SeededRandom(20261202);
  const header = ['y', 'z', ...Array.from({ length: features }, (_, j) => `x${j}`)].join(',');
  const lines = [header];
  for (let i = 0; i < rows; i++) {
    const z = random.nextNormal();
    const x = Array.from({ length: features }, (_, j) => ((j % 10) / 10) * z + random.nextNormal());
    let y = Math.sin(x[0]) + 0.5 * z + 0.5 * random.nextNormal();
    for (let j = 1; j < features; j += 2) y += 0.3 * x[j];
    lines.push([y, z, ...x].map(format).join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function timed(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [path.join(repo, 'bin', 'milens.js'), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`milens ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return seconds;
}

const shapes = [
  { name: 'tie-free (17 digits)', format: (value) => value.toPrecision(17) },
  { name: 'rounded (2 decimals)', format: (value) => value.toFixed(2) },
];
const folder = mkdtempSync(path.join(os.tmpdir(), 'milens-cmi-bench-'));
try {
  console.log(
    `${rows} rows × ${features} features + target y + given z (continuous), ${runs} alternating runs each` +
      (permutations > 0 ? `, --permutations ${permutations}` : ''),
  );
  for (const shape of shapes) {
    const csv = path.join(folder, `cmi-${rows}x${features}-${shape.name.split(' ')[0]}.csv`);
    writeCsv(csv, shape.format);
    const extra = permutations > 0 ? ['--permutations', String(permutations)] : [];
    const plain = [],
      conditional = [];
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? ['plain', 'conditional'] : ['conditional', 'plain'];
      for (const side of order) {
        if (side === 'plain') plain.push(timed(['mi', csv, '--target', 'y', '--json', ...extra]));
        else conditional.push(timed(['mi', csv, '--target', 'y', '--given', 'z', '--json', ...extra]));
      }
    }
    const p = median(plain),
      c = median(conditional);
    console.log(
      `${shape.name.padEnd(22)} plain mi ${p.toFixed(3)} s, mi --given z ${c.toFixed(3)} s (whole process; runs ${conditional
        .map((t) => t.toFixed(3))
        .join(', ')}): ratio ${(c / p).toFixed(2)}×`,
    );
  }
} finally {
  if (!process.argv.includes('--keep')) rmSync(folder, { recursive: true, force: true });
  else console.log(`kept ${folder}`);
}
