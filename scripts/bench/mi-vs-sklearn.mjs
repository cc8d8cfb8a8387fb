#!/usr/bin/env node
// Times `milens mi` against scikit-learn's mutual_info_regression on the same CSV, whole process
// against whole process (start-up, CSV parsing and estimation on both sides), alternating runs, and
// prints the median times, their ratio and the largest MI difference.
//
//   node scripts/bench/mi-vs-sklearn.mjs --rows 100000 --features 10 [--runs 3] [--keep]
//   node scripts/bench/mi-vs-sklearn.mjs --rows 1000000 --features 1
//
// Needs `npm run build` and Debian's python3-sklearn + python3-pandas (/usr/bin/python3). The data:
// y = sin(x0) + Σ 0.3·x_j·[j odd] + noise, x_j standard normal, seeded, written with 17 digits.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importBuilt, median, option, repo } from './lib/common.mjs';

const { SeededRandom } = await importBuilt('mi/random.js');
const rows = Number(option('rows', '100000'));
const features = Number(option('features', '10'));
const runs = Number(option('runs', '3'));
const python = option('python', '/usr/bin/python3');

/** Seeded normal draws from milens' own generator (xoshiro128**): the same CSV for the same sizes. */
function* normals(seed) {
  const random = new SeededRandom(seed);
  for (;;) yield random.nextNormal();
}

function writeCsv(file) {
  const draw = normals(20250205);
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
    chunk.push([y, ...x].map((v) => v.toPrecision(17)).join(','));
    if (chunk.length === 10000) flush();
  }
  flush();
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function timed(command, args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return { seconds, stdout: result.stdout };
}

/**
 * Node reads every certificate named by NODE_EXTRA_CA_CERTS before running any script (Python does not
 * read them at start-up). Where it is set, say what that costs each `node` start here: the ratio above
 * includes it, as a user of this machine would see it.
 */
function reportExtraCaCertificates() {
  if (!process.env.NODE_EXTRA_CA_CERTS) return;
  const bareStart = (env) =>
    median(
      Array.from({ length: 5 }, () => {
        const started = process.hrtime.bigint();
        spawnSync(process.execPath, ['-e', ''], { env });
        return Number(process.hrtime.bigint() - started) / 1e9;
      }),
    );
  const withCertificates = bareStart(process.env);
  const { NODE_EXTRA_CA_CERTS: _, ...withoutCertificates } = process.env;
  console.log(
    `note          NODE_EXTRA_CA_CERTS is set here: an empty \`node -e ''\` takes ${withCertificates.toFixed(3)} s with it, ` +
      `${bareStart(withoutCertificates).toFixed(3)} s without (included in the milens times above)`,
  );
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'milens-bench-'));
const csv = path.join(folder, `bench-${rows}x${features}.csv`);
try {
  writeCsv(csv);
  const milensTimes = [],
    sklearnTimes = [],
    sklearnEstimate = [];
  let milensReport, sklearnReport;
  for (let run = 0; run < runs; run++) {
    // Alternate which side goes first, so neither always enjoys a warm page cache.
    const order = run % 2 === 0 ? ['milens', 'sklearn'] : ['sklearn', 'milens'];
    for (const side of order) {
      if (side === 'milens') {
        const { seconds, stdout } = timed(process.execPath, [path.join(repo, 'bin', 'milens.js'), 'mi', csv, '--target', 'y', '--json']);
        milensTimes.push(seconds);
        milensReport = JSON.parse(stdout);
      } else {
        const { seconds, stdout } = timed(python, [path.join(repo, 'scripts', 'bench', 'mi_sklearn.py'), csv, 'y']);
        sklearnTimes.push(seconds);
        sklearnReport = JSON.parse(stdout);
        sklearnEstimate.push(sklearnReport.estimateSeconds);
      }
    }
  }
  let largest = 0;
  for (const feature of milensReport.features) largest = Math.max(largest, Math.abs(feature.mi - sklearnReport.features[feature.name]));
  const m = median(milensTimes),
    s = median(sklearnTimes);
  console.log(`${rows} rows × ${features} features, ${runs} alternating runs each`);
  console.log(`milens        ${m.toFixed(3)} s (whole process; runs: ${milensTimes.map((t) => t.toFixed(3)).join(', ')})`);
  console.log(`scikit-learn  ${s.toFixed(3)} s (whole process; estimation alone ${median(sklearnEstimate).toFixed(3)} s)`);
  console.log(`ratio         ${(s / m).toFixed(1)}× faster`);
  console.log(`largest |Δ MI| ${largest.toExponential(2)} nats`);
  reportExtraCaCertificates();
} finally {
  if (!process.argv.includes('--keep')) rmSync(folder, { recursive: true, force: true });
  else console.log(`kept ${csv}`);
}
