// Conformance of the fused PMI pass, VectorIndex.searchLogits (kernels.ts LogitTransform), on every
// backend available here (cpu with and without SIMD; cuda and metal where present) against an oracle
// computed from first principles in float64 (every logit of every row), and against the TypeScript
// reference: the top k by logit, log Σ exp, Σ and Σ² of the logits over every row, with and without
// per-row offsets, for f32, f16 and int8 stores, shapes off the vector width, N < k, an empty store, the
// NaN error, and argument checks. Tolerance: logits within 1e-4 × scale × Σ|q_d·v_d| + 1e-4 × |offset|
// (float32 arithmetic in the native kernels), log-sum-exp and moments within 1e-5 relative.
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend, listBackends } from '../../main/compute/index.js';
import type { BackendName, ComputeBackend, LogitTopKResult, VectorStore } from '../../main/compute/kernels.js';
import { storeValue } from './oracles.js';
import { f32ToF16Bits, gaussian, randomInt, seededRandom } from './random.js';

const statuses = await listBackends();
const nativeNames = statuses.filter((status) => status.name !== 'typescript' && status.available).map((status) => status.name);

interface Variant {
  label: string;
  backend: BackendName;
  env?: Record<string, string>;
}
const variants: Variant[] = [
  { label: 'typescript', backend: 'typescript' },
  ...nativeNames.flatMap((name): Variant[] =>
    name === 'cpu'
      ? [
          { label: 'cpu', backend: 'cpu' },
          { label: 'cpu (portable loops)', backend: 'cpu', env: { MILENS_CPU_SIMD: 'off' } },
        ]
      : [{ label: name, backend: name }],
  ),
];

function makeStore(seed: number, dtype: VectorStore['dtype'], count: number, dimension: number): VectorStore {
  const random = seededRandom(seed);
  const size = count * dimension;
  if (dtype === 'f32') return { dtype, data: Float32Array.from({ length: size }, () => gaussian(random) * 0.1), count, dimension };
  if (dtype === 'f16')
    return { dtype, data: Uint16Array.from({ length: size }, () => f32ToF16Bits(gaussian(random) * 0.1)), count, dimension };
  return {
    dtype,
    data: Int8Array.from({ length: size }, () => randomInt(random, -128, 127)),
    scales: Float32Array.from({ length: count }, () => 0.0005 + random() * 0.001),
    count,
    dimension,
  };
}

interface Oracle {
  logits: Float64Array[];
  logSumExp: number[];
  sum: number[];
  sumSquares: number[];
  magnitude: number[];
}

function oracle(queries: Float32Array, queryCount: number, store: VectorStore, scale: number, offsets?: Float32Array): Oracle {
  const result: Oracle = { logits: [], logSumExp: [], sum: [], sumSquares: [], magnitude: [] };
  for (let q = 0; q < queryCount; q++) {
    const logits = new Float64Array(store.count);
    let magnitude = 0;
    for (let row = 0; row < store.count; row++) {
      let dot = 0;
      let absolute = 0;
      for (let d = 0; d < store.dimension; d++) {
        const term = queries[q * store.dimension + d]! * storeValue(store, row, d);
        dot += term;
        absolute += Math.abs(term);
      }
      magnitude = Math.max(magnitude, absolute);
      logits[row] = scale * dot - (offsets ? offsets[row]! : 0);
    }
    const top = Math.max(...logits);
    let total = 0;
    for (const value of logits) total += Math.exp(value - top);
    result.logits.push(logits);
    result.logSumExp.push(store.count === 0 ? -Infinity : top + Math.log(total));
    result.sum.push(logits.reduce((a, b) => a + b, 0));
    result.sumSquares.push(logits.reduce((a, b) => a + b * b, 0));
    result.magnitude.push(magnitude);
  }
  return result;
}

function expectMatchesOracle(actual: LogitTopKResult, expected: Oracle, scale: number, offsets?: Float32Array): void {
  const { k, queryCount } = actual;
  for (let q = 0; q < queryCount; q++) {
    const logits = expected.logits[q]!;
    const maxOffset = offsets ? Math.max(...Array.from(offsets, Math.abs)) : 0;
    const tolerance = 1e-4 * scale * expected.magnitude[q]! + 1e-4 * maxOffset + 1e-5;
    const sorted = Array.from(logits).sort((a, b) => b - a);
    const seen = new Set<number>();
    for (let rank = 0; rank < k; rank++) {
      const item = actual.indices[q * k + rank]!;
      const score = actual.scores[q * k + rank]!;
      if (rank >= logits.length) {
        expect(item).toBe(-1);
        expect(score).toBe(-Infinity);
        continue;
      }
      expect(seen.has(item)).toBe(false);
      seen.add(item);
      expect(Math.abs(score - logits[item]!), `query ${q} rank ${rank}`).toBeLessThanOrEqual(tolerance);
      // A valid top k: the rank-th logit is (within tolerance) the rank-th largest.
      expect(Math.abs(score - sorted[rank]!)).toBeLessThanOrEqual(2 * tolerance);
      if (rank > 0) expect(score).toBeLessThanOrEqual(actual.scores[q * k + rank - 1]!);
    }
    const close = (value: number, wanted: number, scaleOfValue: number) =>
      expect(Math.abs(value - wanted)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(wanted)) + tolerance * scaleOfValue);
    if (logits.length === 0) expect(actual.logSumExp[q]).toBe(-Infinity);
    else close(actual.logSumExp[q]!, expected.logSumExp[q]!, 1);
    close(actual.sum[q]!, expected.sum[q]!, logits.length);
    const largest = Math.max(0, ...Array.from(logits, Math.abs));
    close(actual.sumSquares[q]!, expected.sumSquares[q]!, 2 * largest * logits.length);
  }
}

async function withEnv<T>(env: Record<string, string> | undefined, work: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(env ?? {})) {
    saved.set(key, process.env[key]);
    process.env[key] = value;
  }
  try {
    return await work();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

describe.each(variants)('$label searchLogits', (variant) => {
  const backend = (): Promise<ComputeBackend> =>
    variant.backend === 'typescript' ? Promise.resolve(getReferenceBackend()) : getBackend(variant.backend);

  const shapes: Array<[VectorStore['dtype'], number, number, number, number]> = [
    ['f32', 300, 17, 3, 10],
    ['f16', 1000, 64, 2, 25],
    ['int8', 257, 33, 4, 7],
    ['f32', 5, 3, 2, 9], // fewer rows than k: padding
    ['f16', 2000, 513, 1, 40],
  ];
  it.each(shapes)('%s store of %i × %i, %i queries, k = %i: matches the float64 oracle', async (dtype, count, dimension, queryCount, k) => {
    const compute = await backend();
    const store = makeStore(count + dimension, dtype, count, dimension);
    const random = seededRandom(7 + count);
    const queries = Float32Array.from({ length: queryCount * dimension }, () => gaussian(random) * 0.3);
    const offsets = Float32Array.from({ length: count }, () => random() * 3 - 1);
    const index = await compute.createVectorIndex(store);
    try {
      for (const [scale, withOffsets] of [
        [100, true],
        [100, false],
        [1, false],
      ] as const) {
        const transform = withOffsets ? { scale, offsets } : { scale };
        const result = await withEnv(variant.env, () => index.searchLogits(queries, queryCount, k, transform));
        expectMatchesOracle(
          result,
          oracle(queries, queryCount, store, scale, withOffsets ? offsets : undefined),
          scale,
          withOffsets ? offsets : undefined,
        );
      }
    } finally {
      index.dispose();
    }
  });

  it('with scale 1 and no offsets ranks exactly as search does', async () => {
    const compute = await backend();
    const store = makeStore(3, 'f16', 600, 40);
    const random = seededRandom(11);
    const queries = Float32Array.from({ length: 3 * 40 }, () => gaussian(random));
    const index = await compute.createVectorIndex(store);
    const plain = await withEnv(variant.env, () => index.search(queries, 3, 20));
    const fused = await withEnv(variant.env, () => index.searchLogits(queries, 3, 20, { scale: 1 }));
    expect(Array.from(fused.indices)).toEqual(Array.from(plain.indices));
    expect(Array.from(fused.scores)).toEqual(Array.from(plain.scores));
    index.dispose();
  });

  it('an empty store gives padding, −Infinity log-sum-exp and zero moments', async () => {
    const compute = await backend();
    const index = await compute.createVectorIndex({ dtype: 'f32', data: new Float32Array(0), count: 0, dimension: 4 });
    const result = await index.searchLogits(new Float32Array([1, 0, 0, 0]), 1, 2, { scale: 10 });
    expect(Array.from(result.indices)).toEqual([-1, -1]);
    expect(result.logSumExp[0]).toBe(-Infinity);
    expect(result.sum[0]).toBe(0);
    expect(result.sumSquares[0]).toBe(0);
    index.dispose();
  });

  it('rejects a NaN score with the reference message', async () => {
    const compute = await backend();
    const data = new Float32Array(12).fill(0.5);
    data[7] = NaN;
    const index = await compute.createVectorIndex({ dtype: 'f32', data, count: 3, dimension: 4 });
    await expect(index.searchLogits(new Float32Array([1, 1, 1, 1]), 1, 2, { scale: 10 })).rejects.toThrow(
      'Expected the score of query 0 against stored row 1 to be a number',
    );
    index.dispose();
  });

  it('names the argument when the scale or offsets are wrong', async () => {
    const compute = await backend();
    const index = await compute.createVectorIndex({ dtype: 'f32', data: new Float32Array(8).fill(1), count: 2, dimension: 4 });
    const query = new Float32Array([1, 0, 0, 0]);
    await expect(index.searchLogits(query, 1, 1, { scale: 0 })).rejects.toThrow(
      'Expected transform.scale to be a positive finite number but received 0',
    );
    await expect(index.searchLogits(query, 1, 1, { scale: 1, offsets: new Float32Array(3) })).rejects.toThrow(
      'Expected transform.offsets to be a Float32Array of count = 2 values',
    );
    await expect(index.searchLogits(query, 1, 1, { scale: 1, offsets: new Float32Array([0, Infinity]) })).rejects.toThrow(
      'Expected transform.offsets[1] to be a finite number but received Infinity',
    );
    index.dispose();
  });
});
