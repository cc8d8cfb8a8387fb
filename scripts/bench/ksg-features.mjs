// Benchmark: CPU KSG counts (k = 3 unless --k) of --features features against one target at --n points:
// median wall time per call and the process's user + system CPU per call (process.cpuUsage, all threads).
// The machine is shared, so compare builds in one session: --addon loads another build of the addon
// (e.g. a copy of build/Release/milens_compute.node saved before a change), and several --addon runs
// can be alternated by the caller.
// Usage: node scripts/bench/ksg-features.mjs [--n 100000] [--features 10] [--k 3] [--runs 7] [--addon FILE]
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadAddon, median, option } from './lib/common.mjs';

const addonFile = option('addon', undefined);
const addon = addonFile ? createRequire(import.meta.url)(path.resolve(addonFile)) : loadAddon();
const n = Number(option('n', 100_000));
const featureCount = Number(option('features', 10));
const k = Number(option('k', 3));
const runs = Number(option('runs', 7));

/** Seeded xorshift uniform in (0, 1): every run and every build sees the same data. */
function seededRandom(seed) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
}

const random = seededRandom(12345);
const gaussian = () => Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
const target = Float64Array.from({ length: n }, gaussian);
const features = Array.from({ length: featureCount }, (_, f) => Float64Array.from(target, (y) => Math.sin(f * y) + 0.5 * gaussian()));

await addon.ksgCounts('cpu', target.subarray(0, 1000), [features[0].subarray(0, 1000)], k); // warm-up
const wall = [];
const cpu = [];
for (let run = 0; run < runs; run++) {
  const before = process.cpuUsage();
  const start = performance.now();
  await addon.ksgCounts('cpu', target, features, k);
  wall.push(performance.now() - start);
  const used = process.cpuUsage(before);
  cpu.push((used.user + used.system) / 1000);
}
const label = addonFile ? path.basename(addonFile) : 'build';
console.log(
  `${label}: n ${n}, ${featureCount} feature(s), k ${k}: median ${median(wall).toFixed(1)} ms wall, ` +
    `${median(cpu).toFixed(1)} ms CPU per call (min ${Math.min(...wall).toFixed(1)} ms wall, ${runs} runs)`,
);
