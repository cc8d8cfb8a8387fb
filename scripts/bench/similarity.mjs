// Benchmark: one query against COUNT × DIMENSION stored vectors (default 1,000,000 × 512), top-10, in
// f16 and int8+scale. Prints, from measurements taken in this run:
//   kernel bandwidth / read bandwidth: the native kernel's bytes per second over a plain multithreaded
//     sum of the same bytes (the addon's readBandwidthSum helper); goal ≥ 0.5;
//   speedup over a straightforward TypeScript loop (table-decoded f16 or scaled int8, dot, top-k insert);
//   speedup over usearch's exact brute-force search (f32 copy of the f16 rows; int8 rows with an int8
//     query) when usearch is installed.
// Usage: node scripts/bench/similarity.mjs [--count N] [--dimension D] [--k K] [--backend cpu|cuda|metal]
import { fillRandomWords, loadAddon, median, option } from './lib/common.mjs';

const addon = loadAddon();
const count = Number(option('count', 1_000_000));
const dimension = Number(option('dimension', 512));
const k = Number(option('k', 10));
const backend = option('backend', 'cpu');
const repeats = 7;

async function timeMs(run, times = repeats) {
  await run(); // warm-up: page faults, thread start, caches
  const samples = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

function f16ToF32(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The straightforward TypeScript loop: decode, dot, keep the best k in a small sorted array. */
function plainTopK(query, data, scales, decode) {
  const best = [];
  for (let row = 0; row < count; row++) {
    let score = 0;
    const base = row * dimension;
    for (let d = 0; d < dimension; d++) score += query[d] * decode(data[base + d]);
    if (scales) score *= scales[row];
    if (best.length < k || score > best[best.length - 1].score) {
      best.push({ score, row });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

let usearch;
try {
  usearch = (await import('usearch')).default;
} catch (error) {
  console.log(`usearch not installed (${error.message.split('\n')[0]}): its column is skipped`);
}

const query = Float32Array.from({ length: dimension }, () => Math.random() * 2 - 1);
console.log(
  `backend ${backend}: ${addon.backends().find((b) => b.name === backend)?.device}; ${count.toLocaleString()} × ${dimension}, top-${k}, median of ${repeats}`,
);

const results = [];
for (const dtype of ['f16', 'int8']) {
  let data;
  let scales = null;
  if (dtype === 'f16') {
    data = new Uint16Array(count * dimension);
    const words = new Uint32Array(data.buffer);
    fillRandomWords(words, 1234);
    // Sign and mantissa random, exponent fixed: every value in ±[0.5, 1).
    for (let i = 0; i < words.length; i++) words[i] = ((words[i] & 0x83ff83ff) | 0x38003800) >>> 0;
  } else {
    data = new Int8Array(count * dimension);
    fillRandomWords(new Uint32Array(data.buffer), 5678);
    scales = Float32Array.from({ length: count }, () => 0.001 + Math.random() * 0.01);
  }
  const bytes = data.byteLength;
  // Kernel and plain read alternate, so load from other processes on the machine hits both alike.
  const kernelSamples = [];
  const readSamples = [];
  for (let run = -1; run < repeats; run++) {
    let start = performance.now();
    await addon.similarityTopK(backend, query, 1, dtype, data, scales, count, dimension, k);
    if (run >= 0) kernelSamples.push(performance.now() - start);
    start = performance.now();
    await addon.readBandwidthSum(backend, data);
    if (run >= 0) readSamples.push(performance.now() - start);
  }
  const kernelMs = median(kernelSamples);
  const readMs = median(readSamples);
  const start = performance.now();
  const table = dtype === 'f16' ? Float32Array.from({ length: 65_536 }, (_, bits) => f16ToF32(bits)) : null;
  plainTopK(query, data, scales, table ? (bits) => table[bits] : (value) => value);
  const plainMs = performance.now() - start;

  let usearchMs;
  if (usearch) {
    if (dtype === 'f16') {
      const rows = new Float32Array(count * dimension);
      for (let i = 0; i < rows.length; i++) rows[i] = table[data[i]];
      usearchMs = await timeMs(() => usearch.exactSearch(rows, query, dimension, k, usearch.MetricKind.IP), 3);
    } else {
      const int8Query = Int8Array.from(query, (value) => Math.round(value * 127));
      usearchMs = await timeMs(() => usearch.exactSearch(data, int8Query, dimension, k, usearch.MetricKind.IP), 3);
    }
  }
  const gbps = (milliseconds) => bytes / (milliseconds / 1000) / 1e9;
  results.push({
    dtype,
    'store GB': +(bytes / 1e9).toFixed(3),
    'kernel ms': +kernelMs.toFixed(1),
    'kernel GB/s': +gbps(kernelMs).toFixed(2),
    'read ms': +readMs.toFixed(1),
    'read GB/s': +gbps(readMs).toFixed(2),
    'kernel/read bandwidth': +(readMs / kernelMs).toFixed(2),
    'plain TS ms': +plainMs.toFixed(0),
    'speedup vs TS': +(plainMs / kernelMs).toFixed(1),
    'usearch exact ms': usearchMs === undefined ? 'n/a' : +usearchMs.toFixed(1),
    'speedup vs usearch': usearchMs === undefined ? 'n/a' : +(usearchMs / kernelMs).toFixed(2),
  });
  data = null;
}
console.table(results);
console.log('usearch baselines: f16 rows searched as their f32 copy (usearch JS takes no f16 arrays); int8 rows with an int8 query.');
