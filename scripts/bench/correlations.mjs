// Benchmark: the `correlations` kernel (Pearson, Spearman, distance correlation) on seeded data, 1 target
// + 10 features at 10^5 rows (one feature per thread) and 1 + 1 at 10^6 (the single-feature path), with
// the median wall time per call and the median process CPU time per call (user + system, all threads):
// on a shared machine the wall time moves with other load, the CPU time much less.
// Usage: node scripts/bench/correlations.mjs [--runs 7] [--addon path/to/milens_compute.node]
//   --addon loads another build of the addon (e.g. a copy of the previous one) to compare builds.
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadAddon, median, option } from './lib/common.mjs';

const addonPath = option('addon', undefined);
const addon = addonPath ? createRequire(import.meta.url)(path.resolve(addonPath)) : loadAddon();
const runs = Number(option('runs', '7'));

/** Seeded standard normals (xorshift32 + Box–Muller), so every run and every build sees the same data. */
function gaussians(n, seed) {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  return Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

/** The target and `count` features related to it in different ways (one with many ties). */
function makeData(n, count) {
  const target = gaussians(n, 1);
  const features = Array.from({ length: count }, (_, f) => {
    const noise = gaussians(n, 100 + f);
    if (f % 3 === 1) return Float64Array.from(noise, (e, i) => Math.round(target[i] + e)); // ties
    return Float64Array.from(noise, (e, i) => Math.sin((f + 1) * target[i]) + 0.5 * e);
  });
  return { target, features };
}

const rows = [];
for (const [n, count] of [
  [100_000, 10],
  [1_000_000, 1],
]) {
  const { target, features } = makeData(n, count);
  await addon.correlations('cpu', target, features); // warm-up
  const wall = [],
    cpu = [];
  let measures;
  for (let run = 0; run < runs; run++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    measures = await addon.correlations('cpu', target, features);
    wall.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  rows.push({
    rows: n,
    features: count,
    [`wall ms (median of ${runs})`]: +median(wall).toFixed(1),
    'wall ms min': +Math.min(...wall).toFixed(1),
    'CPU ms (median)': +median(cpu).toFixed(1),
    'dcor[0]': measures[2],
  });
}
console.log(`correlations kernel (cpu)${addonPath ? `, addon ${addonPath}` : ''}`);
console.table(rows);
