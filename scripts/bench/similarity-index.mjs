// Benchmark: repeated single queries against one store (default 1,000,000 × 512 f16, top-10), through a
// resident vector index (createVectorIndex once, then index.search per query) and through the one-shot
// similarityTopK (which, on a GPU backend, moves the whole store to the device on every call). Prints,
// per backend, from measurements taken in this run: the index's creation time, the median time per
// query on each path, their ratio (similarityTopK ms / index ms; > 1 means the index is faster), and
// whether both paths returned identical results.
// Usage: node scripts/bench/similarity-index.mjs [--count N] [--dimension D] [--k K] [--queries Q]
//          [--dtype f16|int8|f32] [--backend cpu|cuda|metal] (default: every available native backend)
import { fillRandomWords, loadAddon, median, option } from './lib/common.mjs';

const addon = loadAddon();
const count = Number(option('count', 1_000_000));
const dimension = Number(option('dimension', 512));
const k = Number(option('k', 10));
const queryRuns = Number(option('queries', 20));
const dtype = option('dtype', 'f16');
const requested = option('backend', undefined);
const backends = addon.backends().filter((backend) => backend.available && (requested === undefined || backend.name === requested));
if (backends.length === 0) throw new Error(`no available backend${requested ? ` named ${requested}` : ''}`);

function makeStore() {
  if (dtype === 'f16') {
    const data = new Uint16Array(count * dimension);
    const words = new Uint32Array(data.buffer);
    fillRandomWords(words, 1234);
    // Sign and mantissa random, exponent fixed: every value in ±[0.5, 1).
    for (let i = 0; i < words.length; i++) words[i] = ((words[i] & 0x83ff83ff) | 0x38003800) >>> 0;
    return { data, scales: null };
  }
  if (dtype === 'int8') {
    const data = new Int8Array(count * dimension);
    fillRandomWords(new Uint32Array(data.buffer), 5678);
    return { data, scales: Float32Array.from({ length: count }, (_, i) => 0.001 + (i % 97) * 1e-4) };
  }
  if (dtype === 'f32') {
    const data = new Float32Array(count * dimension);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i);
    return { data, scales: null };
  }
  throw new Error(`--dtype must be f16, int8 or f32, not ${dtype}`);
}

function sameResult(a, b) {
  return (
    a.indices.every((value, i) => value === b.indices[i]) &&
    a.scores.every((value, i) => value === b.scores[i] || (value !== value && b.scores[i] !== b.scores[i]))
  );
}

const { data, scales } = makeStore();
const queries = Array.from({ length: queryRuns }, (_, run) => Float32Array.from({ length: dimension }, (_, d) => Math.sin(run * 7919 + d)));
console.log(
  `${count.toLocaleString()} × ${dimension} ${dtype} (${(data.byteLength / 1e9).toFixed(3)} GB), top-${k}, ${queryRuns} single-query searches per path, median per query`,
);

const rows = [];
for (const backend of backends) {
  const name = backend.name;
  let start = performance.now();
  const index = await addon.createVectorIndex(name, dtype, data, scales, count, dimension);
  const createMs = performance.now() - start;
  // Warm-up of both paths (threads, device context, page faults), then alternate so load hits both alike.
  await index.search(queries[0], 1, k);
  await addon.similarityTopK(name, queries[0], 1, dtype, data, scales, count, dimension, k);
  const indexSamples = [];
  const oneShotSamples = [];
  let identical = true;
  for (const query of queries) {
    start = performance.now();
    const fromIndex = await index.search(query, 1, k);
    indexSamples.push(performance.now() - start);
    start = performance.now();
    const oneShot = await addon.similarityTopK(name, query, 1, dtype, data, scales, count, dimension, k);
    oneShotSamples.push(performance.now() - start);
    identical &&= sameResult(fromIndex, oneShot);
  }
  index.dispose();
  const indexMs = median(indexSamples);
  const oneShotMs = median(oneShotSamples);
  rows.push({
    backend: `${name} (${backend.device})`,
    residency: index.residency,
    'create ms': +createMs.toFixed(1),
    'index ms/query': +indexMs.toFixed(2),
    'similarityTopK ms/query': +oneShotMs.toFixed(2),
    'similarityTopK / index': +(oneShotMs / indexMs).toFixed(2),
    'index GB/s': +(data.byteLength / (indexMs / 1000) / 1e9).toFixed(1),
    'identical results': identical,
  });
}
console.table(rows);
