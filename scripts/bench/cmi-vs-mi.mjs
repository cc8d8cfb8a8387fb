#!/usr/bin/env node
// Times conditional MI (`milens mi … --given z`) against plain MI (`milens mi …`) of the same table,
// whole process against whole process, alternating runs, and prints the median times and their ratio,
// one row per data shape (--shapes, default all but rounded2):
// - digits17: 17 significant digits (no ties);
// - digits9:  9 significant digits, as numpy's savetxt('%.9g') (a few collisions);
// - digits4:  4 significant digits (each value tied with tens to hundreds of rows);
// - integers: features round(30·x_j) (about 200 distinct integers, continuous), y and z at 9 digits;
// - missing:  9 digits with 5 % of the cells of every column empty (every triple drops its own rows);
// - rounded2: every value rounded to 2 decimals (heavy ties, as in a spreadsheet export).
// Optionally the same with --permutations N (and --stop-after h, passed to both runs).
//
//   node scripts/bench/cmi-vs-mi.mjs [--rows 100000] [--features 10] [--runs 3] [--shapes digits17,…]
//                                    [--permutations 0] [--stop-after 10] [--keep]
//
// Needs `npm run build` (and the native addon for the kernel path). The data: z standard normal;
// x_j = a_j·z + noise (a_j from 0 to 0.9); y = sin(x0) + 0.5·z + Σ 0.3·x_j·[j odd] + noise; seeded.
// The plain run scores the 10 features and z (11 columns); the conditional run scores the 10 features.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importBuilt, median, option, repo } from './lib/common.mjs';

const { SeededRandom } = await importBuilt('mi/random.js');
const rows = Number(option('rows', '100000'));
const features = Number(option('features', '10'));
const runs = Number(option('runs', '3'));
const permutations = Number(option('permutations', '0'));
const stopAfter = option('stop-after', null);
const nine = (value) => String(Number(value.toPrecision(9)));
const SHAPES = {
  digits17: { label: '17 significant digits, no ties', cell: (value) => value.toPrecision(17) },
  digits9: { label: '9 significant digits (%.9g)', cell: nine },
  digits4: { label: '4 significant digits', cell: (value) => String(Number(value.toPrecision(4))) },
  integers: { label: 'integer features round(30x)', cell: (value, column) => (column < 2 ? nine(value) : String(Math.round(30 * value))) },
  missing: { label: '9 digits, 5 % of cells empty', cell: (value, _column, holes) => (holes.nextFloat() < 0.05 ? '' : nine(value)) },
  rounded2: { label: 'rounded to 2 decimals', cell: (value) => value.toFixed(2) },
};
const shapeNames = option('shapes', 'digits17,digits9,digits4,integers,missing').split(',');
for (const shape of shapeNames) if (!SHAPES[shape]) throw new Error(`unknown shape "${shape}" (one of ${Object.keys(SHAPES).join(', ')})`);

function writeCsv(file, cell) {
  const random = new SeededRandom(20261202);
  const holes = new SeededRandom(7);
  const header = ['y', 'z', ...Array.from({ length: features }, (_, j) => `x${j}`)].join(',');
  const lines = [header];
  for (let i = 0; i < rows; i++) {
    const z = random.nextNormal();
    const x = Array.from({ length: features }, (_, j) => ((j % 10) / 10) * z + random.nextNormal());
    let y = Math.sin(x[0]) + 0.5 * z + 0.5 * random.nextNormal();
    for (let j = 1; j < features; j += 2) y += 0.3 * x[j];
    lines.push([y, z, ...x].map((value, column) => cell(value, column, holes)).join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** GNU time, where present, reports each run's CPU time (user + system, all threads), which other jobs on a loaded machine inflate far less than the wall time. */
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** One whole process: { seconds (wall), cpuSeconds (null without GNU time) }. */
function timed(args, folder) {
  const cpuFile = path.join(folder, 'cpu.txt');
  const command = [process.execPath, path.join(repo, 'bin', 'milens.js'), ...args];
  const started = process.hrtime.bigint();
  const result = gnuTime
    ? spawnSync(gnuTime, ['-f', '%U %S', '-o', cpuFile, ...command], { encoding: 'utf8', maxBuffer: 64 << 20 })
    : spawnSync(command[0], command.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`milens ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  const cpuSeconds = gnuTime
    ? readFileSync(cpuFile, 'utf8')
        .trim()
        .split(/\s+/)
        .reduce((sum, value) => sum + Number(value), 0)
    : null;
  return { seconds, cpuSeconds };
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'milens-cmi-bench-'));
try {
  console.log(
    `${rows} rows × ${features} features + target y + given z (continuous), ${runs} alternating runs each` +
      (permutations > 0 ? `, --permutations ${permutations}` : ''),
  );
  for (const name of shapeNames) {
    const shape = SHAPES[name];
    const csv = path.join(folder, `cmi-${rows}x${features}-${name}.csv`);
    writeCsv(csv, shape.cell);
    const extra = [
      ...(permutations > 0 ? ['--permutations', String(permutations)] : []),
      ...(stopAfter !== null ? ['--stop-after', stopAfter] : []),
    ];
    const plain = [],
      conditional = [];
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? ['plain', 'conditional'] : ['conditional', 'plain'];
      for (const side of order) {
        if (side === 'plain') plain.push(timed(['mi', csv, '--target', 'y', '--json', ...extra], folder));
        else conditional.push(timed(['mi', csv, '--target', 'y', '--given', 'z', '--json', ...extra], folder));
      }
    }
    const p = median(plain.map((run) => run.seconds)),
      c = median(conditional.map((run) => run.seconds));
    const cpu = gnuTime
      ? (() => {
          const pc = median(plain.map((run) => run.cpuSeconds)),
            cc = median(conditional.map((run) => run.cpuSeconds));
          return `; CPU ${pc.toFixed(2)} s vs ${cc.toFixed(2)} s: ratio ${(cc / pc).toFixed(2)}×`;
        })()
      : '';
    console.log(
      `${rows} × ${features}, ${shape.label.padEnd(31)} plain mi ${p.toFixed(3)} s, mi --given z ${c.toFixed(3)} s (whole process; runs ${conditional
        .map((run) => run.seconds.toFixed(3))
        .join(', ')}): ratio ${(c / p).toFixed(2)}×${cpu} (load average ${os.loadavg()[0].toFixed(1)})`,
    );
  }
} finally {
  if (!process.argv.includes('--keep')) rmSync(folder, { recursive: true, force: true });
  else console.log(`kept ${folder}`);
}
