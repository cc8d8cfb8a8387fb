#!/usr/bin/env node
// What a permutation p-value costs: `milens mi --json` whole process on one CSV without permutations and
// with N, and the cost of one permutation relative to the unpermuted run, (T_N − T_0) / N / T_0, with
// every permutation run (--stop-after 0) and with the default Besag–Clifford stop (h = 10), which ends
// the tests of the independent features early. Median of alternating runs.
//
//   node scripts/bench/mi-permutations.mjs [--rows 200000] [--features 12] [--permutations 20] [--runs 3] [--keep]
//
// Needs `npm run build`. The data: y = sin(x0) + Σ 0.3·x_j·[j odd] + noise, x_j standard normal, seeded,
// written at 9 significant digits (as numpy's '%.9g'): half the features depend on y, half do not.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importBuilt, median, option, repo } from './lib/common.mjs';

const { SeededRandom } = await importBuilt('mi/random.js');
const rows = Number(option('rows', '200000'));
const features = Number(option('features', '12'));
const permutations = Number(option('permutations', '20'));
const runs = Number(option('runs', '3'));

function writeCsv(file) {
  const random = new SeededRandom(20250205);
  const lines = [['y', ...Array.from({ length: features }, (_, j) => `x${j}`)].join(',')];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: features }, () => random.nextNormal());
    let y = Math.sin(x[0]) + 0.5 * random.nextNormal();
    for (let j = 1; j < features; j += 2) y += 0.3 * x[j];
    lines.push([y, ...x].map((v) => String(Number(v.toPrecision(9)))).join(','));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

function timedMi(csv, extra) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [path.join(repo, 'bin', 'milens.js'), 'mi', csv, '--target', 'y', '--json', ...extra], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`milens mi ${extra.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return { seconds, report: JSON.parse(result.stdout) };
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'milens-permutations-'));
const csv = path.join(folder, `permutations-${rows}x${features}.csv`);
try {
  writeCsv(csv);
  const variants = [
    { label: 'no permutations', args: [] },
    {
      label: `${permutations} permutations, all run (--stop-after 0)`,
      args: ['--permutations', String(permutations), '--stop-after', '0'],
    },
    { label: `${permutations} permutations, Besag–Clifford stop h = 10`, args: ['--permutations', String(permutations)] },
  ];
  const times = variants.map(() => []);
  const reports = [];
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? variants.keys() : [...variants.keys()].reverse();
    for (const v of order) {
      const { seconds, report } = timedMi(csv, variants[v].args);
      times[v].push(seconds);
      reports[v] = report;
    }
  }
  const base = median(times[0]);
  console.log(`milens mi, ${rows} rows × ${features} features (9 significant digits), whole process, median of ${runs} alternating runs`);
  console.log('| data shape | run | seconds | one permutation / unpermuted run | shuffles run (all features) |');
  console.log('| --- | --- | --- | --- | --- |');
  variants.forEach((variant, v) => {
    const t = median(times[v]);
    const perPermutation = v === 0 ? '—' : `${((t - base) / permutations / base).toFixed(3)}×`;
    const shuffles = v === 0 ? '—' : String(reports[v].features.reduce((sum, f) => sum + (f.permutationsRun ?? 0), 0));
    console.log(`| ${rows} × ${features}, 9 digits | ${variant.label} | ${t.toFixed(3)} | ${perPermutation} | ${shuffles} |`);
  });
  const all = reports[1].features.map((f) => `${f.name} ${f.pValue.toPrecision(2)}`).join(', ');
  const stopped = reports[2].features.map((f) => `${f.name} ${f.pValue.toPrecision(2)} (${f.permutationsRun})`).join(', ');
  console.log(`p-values, all run: ${all}`);
  console.log(`p-values, early stop (shuffles run): ${stopped}`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(folder, { recursive: true, force: true });
  else console.log(`kept ${csv}`);
}
