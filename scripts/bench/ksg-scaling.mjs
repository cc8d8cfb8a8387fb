// Benchmark: KSG counts (k = 3, one feature against one target) at 10^4, 10^5 and 10^6 points, and the
// time ratio per decade. O(n log n) predicts 10 × log(10n)/log(n) ≈ 12.5 from 10^4 to 10^5 and ≈ 12.0
// from 10^5 to 10^6; O(n²) would give 100.
// Usage: node scripts/bench/ksg-scaling.mjs [--max N] [--backend cpu|cuda|metal]
import { loadAddon, option } from './lib/common.mjs';

const addon = loadAddon();
const maximum = Number(option('max', 1_000_000));
const backend = option('backend', 'cpu');

function gaussian() {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

const rows = [];
let previous;
for (let n = 10_000; n <= maximum; n *= 10) {
  const target = Float64Array.from({ length: n }, gaussian);
  const feature = Float64Array.from(target, (y) => Math.sin(y) + 0.5 * gaussian());
  await addon.ksgCounts(backend, target.subarray(0, 1000), [feature.subarray(0, 1000)], 3); // warm-up
  const samples = [];
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    await addon.ksgCounts(backend, target, [feature], 3);
    samples.push(performance.now() - start);
  }
  const milliseconds = samples.sort((a, b) => a - b)[1];
  const predicted = previous ? (10 * Math.log(n)) / Math.log(previous.n) : undefined;
  rows.push({
    n,
    'ms (median of 3)': +milliseconds.toFixed(1),
    'ratio to previous decade': previous ? +(milliseconds / previous.milliseconds).toFixed(2) : '',
    'n log n predicts': predicted ? +predicted.toFixed(2) : '',
    'µs per point': +((milliseconds * 1000) / n).toFixed(3),
  });
  previous = { n, milliseconds };
}
console.log(`KSG counts on the ${backend} backend, k = 3, one feature`);
console.table(rows);
