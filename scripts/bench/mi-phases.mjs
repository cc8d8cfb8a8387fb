#!/usr/bin/env node
// Where `milens mi` spends its time inside the process (CLI start-up excluded): CSV loading, then the
// estimation, with the start and end of each native kernel call (KSG counts, correlations) relative to
// the start, and the process's CPU time (all threads) against its wall time.
//
//   node scripts/bench/mi-phases.mjs data.csv --target y [--runs 3] [--no-correlations]
//
// Needs `npm run build`. Pair it with `node scripts/bench/mi-vs-sklearn.mjs … --keep` to get the CSV.
import { importBuilt, option } from './lib/common.mjs';

const file = process.argv[2];
if (!file || file.startsWith('--')) {
  console.error('usage: node scripts/bench/mi-phases.mjs data.csv --target y [--runs 3] [--no-correlations]');
  process.exit(2);
}
const target = option('target', 'y');
const runs = Number(option('runs', '3'));

const { loadTable } = await importBuilt('table/load.js');
const { estimateMutualInformation } = await importBuilt('mi/estimate.js');
const { getCompute } = await importBuilt('compute/index.js');
const backend = await getCompute();

for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const events = [];
  // The backend with its kernel calls timed; everything else passes through.
  const timed = Object.create(backend);
  for (const kernel of ['ksgCounts', 'ksgCountsOnCompleteRows', 'rossCounts', 'correlations', 'correlationsOnCompleteRows']) {
    if (typeof backend[kernel] !== 'function') continue; // a build without this kernel
    timed[kernel] = async (...args) => {
      const from = performance.now() - started;
      const result = await backend[kernel](...args);
      events.push(`${kernel} ${from.toFixed(0)}–${(performance.now() - started).toFixed(0)} ms`);
      return result;
    };
  }
  const table = await loadTable(file);
  const loaded = performance.now() - started;
  await estimateMutualInformation(timed, table, target, { correlations: !process.argv.includes('--no-correlations') });
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  console.log(
    `run ${run + 1}: load ${loaded.toFixed(0)} ms, done at ${wall.toFixed(0)} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms); ${events.join(', ')}`,
  );
}
