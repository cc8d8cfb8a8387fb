// Benchmark: one photo query against a resident store (default 1,000,000 × 512 f16, the shape of a large
// CLIP photo library), as milens ranks it (dense-ranker.ts: the fused pass of scale · cos − hub offset with
// log Σ exp and the background's moments, then PMI bits, the no-match rule with the bank's per-item moments
// and runner-up null (378 bank queries, as the shipped bank) and the listing) against the
// plain top-k kernel alone (index.search, k = 10) on the same index in the same run. Prints, per backend,
// the median time per query of each and their ratio (milens / plain top-k; the goal is ≤ 1.3).
// Usage: npm run build && node scripts/bench/dense-rank.mjs [--count N] [--dimension D] [--queries Q]
//          [--backend cpu|cuda|metal] (default: every available native backend)
import { fillRandomWords, importBuilt, median, option } from './lib/common.mjs';

const { getBackend, listBackends } = await importBuilt('compute/index.js');
const { rankDense } = await importBuilt('search/dense/dense-ranker.js');
const { DEFAULT_MATCH_RULE } = await importBuilt('search/dense/no-match.js');

const count = Number(option('count', 1_000_000));
const dimension = Number(option('dimension', 512));
const queryRuns = Number(option('queries', 15));
const requested = option('backend', undefined);
const names = (await listBackends())
  .filter((status) => status.available && status.name !== 'typescript' && (requested === undefined || status.name === requested))
  .map((status) => status.name);
if (names.length === 0) throw new Error(`no available native backend${requested ? ` named ${requested}` : ''}`);

// Random signs and mantissas with the exponent fixed: every value in ±[2^-5, 2^-4), rows of norm ≈ 0.5.
const data = new Uint16Array(count * dimension);
const words = new Uint32Array(data.buffer);
fillRandomWords(words, 1234);
for (let i = 0; i < words.length; i++) words[i] = ((words[i] & 0x83ff83ff) | 0x28002800) >>> 0;
const offsets = Float32Array.from({ length: count }, (_, i) => 0.3 * Math.sin(i * 0.618));
// The bank's per-item moments and runner-up null (hub-correction.ts), with plausible values: the rule's
// work per query does not depend on them.
const itemBankMoments = {
  mean: Float32Array.from({ length: count }, (_, i) => 20 + Math.sin(i * 0.377)),
  deviation: Float32Array.from({ length: count }, (_, i) => 1.5 + 0.5 * Math.cos(i * 0.211)),
  runnerUpNull: Float32Array.from({ length: 378 }, (_, b) => 1 + 3 * Math.abs(Math.sin(b))).sort(),
};
const queries = Array.from({ length: queryRuns }, (_, run) => {
  const query = Float32Array.from({ length: dimension }, (_, d) => Math.sin(run * 7919 + d));
  const norm = Math.hypot(...query);
  return query.map((value) => value / norm);
});
console.log(
  `${count.toLocaleString()} × ${dimension} f16 (${(data.byteLength / 1e9).toFixed(3)} GB, random values), one text query at a time, ` +
    `${queryRuns} queries per path, median per query; milens = PMI + hub correction + no-match rule, 10 results from 64 candidates`,
);

const rows = [];
for (const name of names) {
  const compute = await getBackend(name);
  const index = await compute.createVectorIndex({ dtype: 'f16', data, count, dimension });
  const rank = (query) =>
    rankDense(index, query, 1, {
      limit: 10,
      candidates: 64,
      logitScale: 100,
      offsets,
      itemBankMoments,
      rule: DEFAULT_MATCH_RULE,
      listing: 'positive',
    });
  await index.search(queries[0], 1, 10);
  await rank(queries[0]);
  const plain = [];
  const milens = [];
  for (const query of queries) {
    let start = performance.now();
    await index.search(query, 1, 10);
    plain.push(performance.now() - start);
    start = performance.now();
    await rank(query);
    milens.push(performance.now() - start);
  }
  index.dispose();
  const plainMs = median(plain);
  const milensMs = median(milens);
  rows.push({
    backend: name,
    data: `${count} × ${dimension} f16`,
    'plain top-10 ms': +plainMs.toFixed(2),
    'milens query ms': +milensMs.toFixed(2),
    'milens / plain top-k': +(milensMs / plainMs).toFixed(3),
  });
}
console.table(rows);
