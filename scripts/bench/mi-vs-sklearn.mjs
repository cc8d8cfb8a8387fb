#!/usr/bin/env node
// Times `milens mi` against scikit-learn's mutual_info_regression on the same CSV, whole process
// against whole process (start-up, CSV parsing and estimation on both sides), alternating runs, for
// several data shapes and sizes in one session, and prints one row per (size, shape): the median
// times, the ratio and the largest MI difference. The ratio is the median of the runs' own ratios
// (each scikit-learn run over the milens run beside it): on a shared machine whose speed drifts
// within a session, a pair measures both tools at the same speed.
//
//   node scripts/bench/mi-vs-sklearn.mjs [--sizes 100000x10,1000000x1] [--shapes digits17,digits9,digits4,integers,missing]
//                                        [--runs 3] [--keep]
//   node scripts/bench/mi-vs-sklearn.mjs --rows 100000 --features 10 --shapes digits17   (one size)
//
// Needs `npm run build` and Debian's python3-sklearn + python3-pandas (/usr/bin/python3). The data:
// y = sin(x0) + Σ 0.3·x_j·[j odd] + noise, x_j standard normal, seeded, written as
// - digits17: 17 significant digits (no ties: the estimates must agree within 1e-6 nats);
// - digits9:  9 significant digits, as numpy's savetxt('%.9g') (a few collisions at 10^5 rows and more);
// - digits4:  4 significant digits (heavy rounding: each value tied with tens to hundreds of rows);
// - integers: features round(30·x_j) (about 200 distinct integers, continuous for both tools), y at 9 digits;
// - missing:  digits9 with 5 % of the cells of every column empty; scikit-learn cannot take NaN, so its
//             side drops each (feature, y) pair's incomplete rows and scores the pairs one by one, as
//             milens does.
// On tied data milens applies its documented tie rule (docs/mi.md) and scikit-learn its 1e-10 noise, so
// the estimates differ there by design; the difference is printed for every shape.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importBuilt, median, option, repo } from './lib/common.mjs';

const { SeededRandom } = await importBuilt('mi/random.js');
const runs = Number(option('runs', '3'));
const python = option('python', '/usr/bin/python3');
const sizes = (option('rows', null) ? `${option('rows')}x${option('features', '10')}` : option('sizes', '100000x10,1000000x1'))
  .split(',')
  .map((size) => size.split('x').map(Number));
const SHAPES = {
  digits17: { label: '17 significant digits, no ties', cell: (v) => v.toPrecision(17) },
  digits9: { label: '9 significant digits (%.9g)', cell: (v) => String(Number(v.toPrecision(9))) },
  digits4: { label: '4 significant digits', cell: (v) => String(Number(v.toPrecision(4))) },
  integers: {
    label: 'integer features round(30x), y at 9 digits',
    cell: (v, column) => (column === 0 ? String(Number(v.toPrecision(9))) : String(Math.round(30 * v))),
  },
  missing: {
    label: '9 digits, 5 % of cells empty',
    cell: (v, _column, random) => (random.nextFloat() < 0.05 ? '' : String(Number(v.toPrecision(9)))),
  },
};
const shapes = option('shapes', Object.keys(SHAPES).join(',')).split(',');
for (const shape of shapes) if (!SHAPES[shape]) throw new Error(`unknown shape "${shape}" (one of ${Object.keys(SHAPES).join(', ')})`);

/** Seeded normal draws from milens' own generator (xoshiro128**): the same CSV for the same sizes. */
function* normals(seed) {
  const random = new SeededRandom(seed);
  for (;;) yield random.nextNormal();
}

function writeCsv(file, rows, features, shape) {
  const draw = normals(20250205);
  const holes = new SeededRandom(7);
  const { cell } = SHAPES[shape];
  const lines = [['y', ...Array.from({ length: features }, (_, j) => `x${j}`)].join(',')];
  const chunk = [];
  const flush = () => {
    lines.push(chunk.join('\n'));
    chunk.length = 0;
  };
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: features }, () => draw.next().value);
    let y = Math.sin(x[0]) + 0.5 * draw.next().value;
    for (let j = 1; j < features; j += 2) y += 0.3 * x[j];
    chunk.push([y, ...x].map((v, column) => cell(v, column, holes)).join(','));
    if (chunk.length === 10000) flush();
  }
  flush();
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function timed(command, args, env = process.env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return { seconds, stdout: result.stdout };
}

/**
 * Node reads every certificate named by NODE_EXTRA_CA_CERTS before running any script (Python does not
 * read them at start-up; `milens mi` opens no connection). Where it is set, milens is also timed without
 * it (the `… no extra CA` columns: a machine where it is not set), and the note says what it costs each
 * `node` start here. The plain columns include it, as a user of this machine would see it.
 */
const { NODE_EXTRA_CA_CERTS: extraCaCertificates, ...environmentWithoutExtraCa } = process.env;

/** The note on NODE_EXTRA_CA_CERTS, where it is set. */
function reportExtraCaCertificates() {
  if (!extraCaCertificates) return;
  const bareStart = (env) =>
    median(
      Array.from({ length: 5 }, () => {
        const started = process.hrtime.bigint();
        spawnSync(process.execPath, ['-e', ''], { env });
        return Number(process.hrtime.bigint() - started) / 1e9;
      }),
    );
  const withCertificates = bareStart(process.env);
  console.log(
    `note          NODE_EXTRA_CA_CERTS is set here: an empty \`node -e ''\` takes ${withCertificates.toFixed(3)} s with it, ` +
      `${bareStart(environmentWithoutExtraCa).toFixed(3)} s without (in the plain milens times above, not in the "no extra CA" ones)`,
  );
}

/** The median over runs of slower[run] / faster[run]: each run's pair timed side by side. */
function pairedRatio(slower, faster) {
  return median(slower.map((seconds, run) => seconds / faster[run]));
}

/** One (size, shape): alternating runs of both tools on the same file; returns the row to print. */
function measure(folder, rows, features, shape) {
  const csv = path.join(folder, `bench-${rows}x${features}-${shape}.csv`);
  writeCsv(csv, rows, features, shape);
  const milensTimes = [],
    milensTimesWithoutExtraCa = [],
    sklearnTimes = [],
    sklearnEstimate = [];
  let milensReport, sklearnReport;
  const sklearnArgs = [
    path.join(repo, 'scripts', 'bench', 'mi_sklearn.py'),
    csv,
    'y',
    ...(shape === 'missing' ? ['--pairwise-complete'] : []),
  ];
  for (let run = 0; run < runs; run++) {
    // Alternate which side goes first, so neither always enjoys a warm page cache.
    const order = run % 2 === 0 ? ['milens', 'sklearn'] : ['sklearn', 'milens'];
    const milensArgs = [
      path.join(repo, 'bin', 'milens.js'),
      'mi',
      csv,
      '--target',
      'y',
      '--continuous',
      Array.from({ length: features }, (_, j) => `x${j}`).join(','),
      '--json',
    ];
    for (const side of order) {
      if (side === 'milens') {
        const { seconds, stdout } = timed(process.execPath, milensArgs);
        milensTimes.push(seconds);
        milensReport = JSON.parse(stdout);
        if (extraCaCertificates) milensTimesWithoutExtraCa.push(timed(process.execPath, milensArgs, environmentWithoutExtraCa).seconds);
      } else {
        const { seconds, stdout } = timed(python, sklearnArgs);
        sklearnTimes.push(seconds);
        sklearnReport = JSON.parse(stdout);
        sklearnEstimate.push(sklearnReport.estimateSeconds);
      }
    }
  }
  let largest = 0;
  for (const feature of milensReport.features) largest = Math.max(largest, Math.abs(feature.mi - sklearnReport.features[feature.name]));
  if (!process.argv.includes('--keep')) rmSync(csv, { force: true });
  const m = median(milensTimes),
    s = median(sklearnTimes);
  const withoutExtraCa = extraCaCertificates ? median(milensTimesWithoutExtraCa) : null;
  return {
    size: `${rows} × ${features}`,
    shape: SHAPES[shape].label,
    milens: m.toFixed(3),
    milensRuns: milensTimes.map((t) => t.toFixed(3)).join(' '),
    sklearn: s.toFixed(3),
    sklearnEstimate: median(sklearnEstimate).toFixed(3),
    ratio: `${pairedRatio(sklearnTimes, milensTimes).toFixed(1)}×`,
    ...(withoutExtraCa !== null
      ? {
          milensWithoutExtraCa: withoutExtraCa.toFixed(3),
          ratioWithoutExtraCa: `${pairedRatio(sklearnTimes, milensTimesWithoutExtraCa).toFixed(1)}×`,
        }
      : {}),
    largestDifference: largest.toExponential(1),
  };
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'milens-bench-'));
try {
  console.log(`milens mi vs scikit-learn mutual_info_regression, whole process, median of ${runs} alternating runs each`);
  const header = [
    'rows × features',
    'data shape',
    'milens s',
    'milens runs',
    'sklearn s',
    'sklearn estimate s',
    'ratio',
    ...(extraCaCertificates ? ['milens s, no extra CA', 'ratio, no extra CA'] : []),
    'max |Δ MI| nats',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => ' --- ').join('|')}|`);
  for (const [rows, features] of sizes) {
    for (const shape of shapes) {
      const row = measure(folder, rows, features, shape);
      console.log(`| ${Object.values(row).join(' | ')} |`);
    }
  }
  reportExtraCaCertificates();
} finally {
  if (!process.argv.includes('--keep')) rmSync(folder, { recursive: true, force: true });
  else console.log(`kept the CSV files in ${folder}`);
}
