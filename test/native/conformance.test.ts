// Conformance: every kernel on every backend available on this machine (cpu everywhere; cuda and metal
// where present) against the TypeScript reference, on random shapes and the edge cases that break
// kernels: N < k, dimensions off the vector width (1, 3, 17, 513), empty inputs, int8 scales, f16
// subnormals and infinities, NaN, ties and duplicate points.
//
// The resident vector index (createVectorIndex(store).search) is held to the same standard on every
// backend, the TypeScript one included: its results match the reference top-k within tolerance and
// equal, exactly, the same backend's one-shot similarityTopK, over repeated searches of one index.
//
// Tolerances: similarity scores within 1e-4 × Σ|q_d·v_d| (float32 accumulation in the native kernels
// against float64 in the reference); log-sum-exp within 1e-12 relative (float64 both); counts and
// histograms exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend, listBackends } from '../../main/compute/index.js';
import type { BackendName, ComputeBackend, KsgCounts, TopKResult, VectorStore } from '../../main/compute/kernels.js';
import { meanDigammaOfCounts } from '../../main/mi/digamma.js';
import { distanceCorrelationOracle, storeValue } from './oracles.js';
import { f32ToF16Bits, gaussian, randomInt, seededRandom } from './random.js';

const reference = getReferenceBackend();
const statuses = await listBackends();
const nativeAvailable = statuses.filter((status) => status.name !== 'typescript' && status.available).map((status) => status.name);

interface Variant {
  label: string;
  backend: BackendName;
  env?: Record<string, string>;
}

const variants: Variant[] = nativeAvailable.flatMap((name): Variant[] =>
  name === 'cpu'
    ? [
        { label: 'cpu', backend: 'cpu' },
        { label: 'cpu (portable loops, MILENS_CPU_SIMD=off)', backend: 'cpu', env: { MILENS_CPU_SIMD: 'off' } },
      ]
    : [{ label: name, backend: name }],
);

function makeStore(random: () => number, dtype: VectorStore['dtype'], count: number, dimension: number, integers = false): VectorStore {
  const size = count * dimension;
  const value = () => (integers ? randomInt(random, -3, 3) : gaussian(random));
  if (dtype === 'f32') return { dtype, data: Float32Array.from({ length: size }, value), count, dimension };
  if (dtype === 'f16') return { dtype, data: Uint16Array.from({ length: size }, () => f32ToF16Bits(value())), count, dimension };
  return {
    dtype,
    data: Int8Array.from({ length: size }, () => (integers ? randomInt(random, -3, 3) : randomInt(random, -128, 127))),
    scales: Float32Array.from({ length: count }, () => (integers ? 1 : 0.001 + random() * 0.05 * (random() < 0.2 ? -1 : 1))),
    count,
    dimension,
  };
}

/** Checks a top-k result is a valid top-k within tolerance and matches the reference's scores. */
function expectTopKClose(actual: TopKResult, expected: TopKResult, queries: Float32Array, store: VectorStore): void {
  expect(actual.k).toBe(expected.k);
  expect(actual.queryCount).toBe(expected.queryCount);
  const { k, queryCount } = expected;
  for (let q = 0; q < queryCount; q++) {
    let magnitude = 0;
    for (let row = 0; row < store.count; row++) {
      let sum = 0;
      for (let d = 0; d < store.dimension; d++) sum += Math.abs(queries[q * store.dimension + d]! * storeValue(store, row, d));
      magnitude = Math.max(magnitude, sum);
    }
    const tolerance = 1e-4 * magnitude + 1e-6;
    const seen = new Set<number>();
    for (let rank = 0; rank < k; rank++) {
      const index = actual.indices[q * k + rank]!;
      const score = actual.scores[q * k + rank]!;
      expect(index, `padding at query ${q} rank ${rank}`).toBe(rank < Math.min(k, store.count) ? index : -1);
      if (index < 0) {
        expect(score).toBe(-Infinity);
        continue;
      }
      expect(seen.has(index)).toBe(false);
      seen.add(index);
      let exact = 0;
      for (let d = 0; d < store.dimension; d++) exact += queries[q * store.dimension + d]! * storeValue(store, index, d);
      expect(Math.abs(score - exact)).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(score - expected.scores[q * k + rank]!)).toBeLessThanOrEqual(tolerance);
      if (rank > 0) expect(score).toBeLessThanOrEqual(actual.scores[q * k + rank - 1]!);
    }
    expect(seen.size).toBe(Math.min(k, store.count));
  }
}

function expectCloseArrays(actual: Float64Array, expected: Float64Array, relative: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((value, i) => {
    if (!Number.isFinite(expected[i]!)) expect(value, `index ${i}`).toBe(expected[i]);
    else expect(Math.abs(value - expected[i]!), `index ${i}`).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected[i]!)));
  });
}

it('finds at least the cpu backend on every machine', () => {
  expect(nativeAvailable).toContain('cpu');
});

it('the TypeScript index returns exactly the reference top-k', async () => {
  const random = seededRandom(7);
  for (const dtype of ['f32', 'f16', 'int8'] as const) {
    const store = makeStore(random, dtype, 600, 33);
    const queries = Float32Array.from({ length: 3 * 33 }, () => gaussian(random));
    const index = await reference.createVectorIndex(store);
    expect(await index.search(queries, 3, 20)).toEqual(await reference.similarityTopK(queries, 3, store, 20));
    index.dispose();
  }
});

describe.each(variants)('$label backend', (variant) => {
  let backend: ComputeBackend;
  beforeAll(async () => {
    Object.assign(process.env, variant.env ?? {});
    backend = await getBackend(variant.backend);
  });
  afterAll(() => {
    for (const key of Object.keys(variant.env ?? {})) delete process.env[key];
  });

  describe('similarityTopK', () => {
    const shapes = [
      { count: 0, dimension: 3, k: 4, queryCount: 2 },
      { count: 1, dimension: 1, k: 1, queryCount: 1 },
      { count: 5, dimension: 17, k: 10, queryCount: 3 },
      { count: 300, dimension: 513, k: 7, queryCount: 2 },
      { count: 2000, dimension: 64, k: 25, queryCount: 4 },
      { count: 777, dimension: 3, k: 1, queryCount: 1 },
      { count: 50, dimension: 8, k: 4, queryCount: 0 },
    ];
    for (const dtype of ['f32', 'f16', 'int8'] as const) {
      it.each(shapes)(
        `${dtype}: count $count, dimension $dimension, k $k, $queryCount queries`,
        async ({ count, dimension, k, queryCount }) => {
          const random = seededRandom(count * 31 + dimension * 7 + k);
          const store = makeStore(random, dtype, count, dimension);
          const queries = Float32Array.from({ length: queryCount * dimension }, () => gaussian(random));
          const expected = await reference.similarityTopK(queries, queryCount, store, k);
          const actual = await backend.similarityTopK(queries, queryCount, store, k);
          expectTopKClose(actual, expected, queries, store);
        },
      );
    }

    it.each(['f32', 'f16', 'int8'] as const)('%s: ties rank by lower index, exactly as the reference', async (dtype) => {
      const random = seededRandom(99);
      const store = makeStore(random, dtype, 400, 19, true);
      const queries = Float32Array.from({ length: 3 * 19 }, () => randomInt(random, -2, 2));
      const expected = await reference.similarityTopK(queries, 3, store, 50);
      const actual = await backend.similarityTopK(queries, 3, store, 50);
      expect(Array.from(actual.indices)).toEqual(Array.from(expected.indices));
      expect(Array.from(actual.scores)).toEqual(Array.from(expected.scores));
    });

    it('decodes f16 subnormals and ranks infinite scores first', async () => {
      // Rows: the smallest subnormal, the largest subnormal, +Infinity, 1.0 and -Infinity.
      const data = Uint16Array.from([0x0001, 0x03ff, 0x7c00, 0x3c00, 0xfc00]);
      const store: VectorStore = { dtype: 'f16', data, count: 5, dimension: 1 };
      const queries = Float32Array.from([2 ** 20]);
      const result = await backend.similarityTopK(queries, 1, store, 5);
      expect(Array.from(result.indices)).toEqual([2, 3, 1, 0, 4]);
      expect(Array.from(result.scores)).toEqual([Infinity, 2 ** 20, Math.fround(1023 * 2 ** -24 * 2 ** 20), 2 ** -4, -Infinity]);
      expect(result).toEqual(await reference.similarityTopK(queries, 1, store, 5));
    });

    it('rejects a NaN score (NaN stored, or infinities that cancel) with the reference message', async () => {
      const message =
        'Expected the score of query 1 against stored row 2 to be a number (the store holds NaN, or infinities that cancel) but received NaN';
      const data = Uint16Array.from([0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x7c00, 0xfc00, 0x3c00, 0x3c00]);
      const store: VectorStore = { dtype: 'f16', data, count: 4, dimension: 2 };
      // Row 2 is (+∞, −∞): query 0 = (1, −1) scores +∞, query 1 = (1, 1) scores ∞ − ∞ = NaN.
      const queries = Float32Array.from([1, -1, 1, 1]);
      await expect(reference.similarityTopK(queries, 2, store, 2)).rejects.toThrow(new RangeError(message));
      await expect(backend.similarityTopK(queries, 2, store, 2)).rejects.toThrow(new RangeError(message));
      const nanStore: VectorStore = { dtype: 'f32', data: Float32Array.from([1, NaN, 2]), count: 3, dimension: 1 };
      await expect(backend.similarityTopK(Float32Array.from([1]), 1, nanStore, 1)).rejects.toThrow(
        'Expected the score of query 0 against stored row 1 to be a number',
      );
    });

    it('rejects NaN queries before any work', async () => {
      const store = makeStore(seededRandom(1), 'f32', 4, 2);
      await expect(backend.similarityTopK(Float32Array.from([0, NaN]), 1, store, 1)).rejects.toThrow(
        new RangeError('Expected queries[1] to be a finite number but received NaN'),
      );
    });
  });

  describe('createVectorIndex(store).search', () => {
    const random = seededRandom(2024);
    const randomShapes = Array.from({ length: 4 }, () => ({
      count: randomInt(random, 0, 1200),
      dimension: randomInt(random, 1, 300),
      k: randomInt(random, 1, 64),
      queryCount: randomInt(random, 0, 5),
    }));
    const shapes = [
      { count: 0, dimension: 3, k: 4, queryCount: 2 },
      { count: 1, dimension: 1, k: 1, queryCount: 1 },
      { count: 5, dimension: 17, k: 10, queryCount: 3 }, // N < k: padded rows
      { count: 300, dimension: 513, k: 7, queryCount: 2 }, // D off every vector width
      { count: 2000, dimension: 64, k: 300, queryCount: 4 }, // k above the GPU selection segment (256)
      { count: 50, dimension: 8, k: 4, queryCount: 0 }, // no queries
      ...randomShapes,
    ];
    for (const dtype of ['f32', 'f16', 'int8'] as const) {
      it.each(shapes)(
        `${dtype}: count $count, dimension $dimension, k $k, $queryCount queries, searched three times`,
        async ({ count, dimension, k, queryCount }) => {
          const random = seededRandom(count * 37 + dimension * 11 + k);
          const store = makeStore(random, dtype, count, dimension);
          const index = await backend.createVectorIndex(store);
          try {
            expect(index).toMatchObject({ backend: variant.backend, count, dimension, dtype, disposed: false });
            // One index, several searches with different queries and k (N < k included): the first against
            // the reference, every one exactly equal to the backend's one-shot similarityTopK.
            for (const [round, searchK] of [k, 1, count + 2].entries()) {
              const queries = Float32Array.from({ length: queryCount * dimension }, () => gaussian(random));
              const actual = await index.search(queries, queryCount, searchK);
              if (round === 0) expectTopKClose(actual, await reference.similarityTopK(queries, queryCount, store, searchK), queries, store);
              expect(actual).toEqual(await backend.similarityTopK(queries, queryCount, store, searchK));
            }
          } finally {
            index.dispose();
          }
        },
      );
    }

    it.each(['f32', 'f16', 'int8'] as const)('%s: ties rank by lower index, exactly as the reference', async (dtype) => {
      const random = seededRandom(98);
      const store = makeStore(random, dtype, 400, 19, true);
      const queries = Float32Array.from({ length: 3 * 19 }, () => randomInt(random, -2, 2));
      const index = await backend.createVectorIndex(store);
      const actual = await index.search(queries, 3, 50);
      index.dispose();
      expect(actual).toEqual(await reference.similarityTopK(queries, 3, store, 50));
    });

    it('rejects a NaN score with the reference message, and the index stays usable', async () => {
      const data = Uint16Array.from([0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x7c00, 0xfc00, 0x3c00, 0x3c00]);
      const store: VectorStore = { dtype: 'f16', data, count: 4, dimension: 2 };
      const index = await backend.createVectorIndex(store);
      await expect(index.search(Float32Array.from([1, -1, 1, 1]), 2, 2)).rejects.toThrow(
        new RangeError(
          'Expected the score of query 1 against stored row 2 to be a number (the store holds NaN, or infinities that cancel) but received NaN',
        ),
      );
      const queries = Float32Array.from([1, -1]);
      expect(await index.search(queries, 1, 4)).toEqual(await reference.similarityTopK(queries, 1, store, 4));
      index.dispose();
    });
  });

  describe('logSumExp', () => {
    const shapes = [
      { rows: 0, columns: 0 },
      { rows: 3, columns: 0 },
      { rows: 0, columns: 4 },
      { rows: 1, columns: 1 },
      { rows: 17, columns: 513 },
      { rows: 1000, columns: 3 },
    ];
    for (const axis of ['rows', 'columns'] as const) {
      it.each(shapes)(`over ${axis}: $rows × $columns`, async ({ rows, columns }) => {
        const random = seededRandom(rows * 1000 + columns);
        const matrix = Float32Array.from({ length: rows * columns }, () => {
          const u = random();
          return u < 0.05 ? -Infinity : u < 0.1 ? 80 + random() * 10 : gaussian(random) * 30;
        });
        expectCloseArrays(
          await backend.logSumExp(matrix, rows, columns, axis),
          await reference.logSumExp(matrix, rows, columns, axis),
          1e-12,
        );
      });
    }

    it('is stable for huge and tiny values, and handles ±Infinity lines', async () => {
      const matrix = Float32Array.from([3e38, 3e38, -Infinity, -Infinity, -3e38, -3e38, Infinity, 1]);
      const result = await backend.logSumExp(matrix, 4, 2, 'rows');
      expect(result[0]).toBe(Math.fround(3e38) + Math.LN2);
      expect(result[1]).toBe(-Infinity);
      expect(result[2]).toBeCloseTo(Math.fround(-3e38), -30);
      expect(result[3]).toBe(Infinity);
      expectCloseArrays(result, await reference.logSumExp(matrix, 4, 2, 'rows'), 1e-12);
    });
  });

  describe('ksgCounts', () => {
    // The digamma means some backends add beside the counts are checked on their own below.
    const countsOnly = (results: KsgCounts[]) => results.map(({ countX, countY }) => ({ countX, countY }));

    it('adds the digamma means beside the counts: the means of ψ(count + 1)', async () => {
      const random = seededRandom(4242);
      const n = 20_000;
      const target = Float64Array.from({ length: n }, () => gaussian(random));
      // an independent feature gives marginal counts in the thousands (the series side of the table cut)
      const xs = [Float64Array.from(target, (y) => y + 0.1 * gaussian(random)), Float64Array.from({ length: n }, () => gaussian(random))];
      for (const result of await backend.ksgCounts(target, xs, 3)) {
        expect(result.meanDigammaX).toBeDefined();
        expect(Math.abs(result.meanDigammaX! - meanDigammaOfCounts(result.countX, 1))).toBeLessThan(1e-12);
        expect(Math.abs(result.meanDigammaY! - meanDigammaOfCounts(result.countY, 1))).toBeLessThan(1e-12);
      }
    });

    const cases = [
      { n: 2, k: 1, features: 1, levels: 0 },
      { n: 40, k: 3, features: 3, levels: 0 },
      { n: 257, k: 5, features: 2, levels: 4 },
      { n: 500, k: 3, features: 2, levels: 2 },
      { n: 3000, k: 4, features: 1, levels: 0 },
      { n: 3000, k: 3, features: 1, levels: 30 },
    ];
    it.each(cases)('n $n, k $k, $features features, quantised to $levels levels (0: continuous)', async ({ n, k, features, levels }) => {
      const random = seededRandom(n * 13 + k);
      const quantise = (value: number) => (levels ? Math.round(value * levels) / levels : value);
      const target = Float64Array.from({ length: n }, () => quantise(gaussian(random)));
      const xs = Array.from({ length: features }, (_, f) => Float64Array.from(target, (y) => quantise(f * y + gaussian(random))));
      expect(countsOnly(await backend.ksgCounts(target, xs, k))).toEqual(countsOnly(await reference.ksgCounts(target, xs, k)));
    });

    // The CPU kernel searches a quantile grid unless a column has a run of more than 32 tied values (then
    // a kd-tree): these cases exercise the grid with short tie runs, exact duplicate points (eps = 0 for
    // k = 1), tight clusters, n just above k, distances that overflow to +Infinity, and tiny magnitudes.
    const gridCases: Array<{ label: string; n: number; k: number; make: (random: () => number, i: number) => [number, number] }> = [
      {
        label: 'short tie runs',
        n: 20000,
        k: 3,
        make: (random) => [Math.round(gaussian(random) * 1000) / 1000, Math.round(gaussian(random) * 800)],
      },
      {
        label: 'exact duplicate points',
        n: 4000,
        k: 1,
        make: (random, i) => {
          const seed = seededRandom(Math.floor(i / 3) + 1);
          return random() < 0.7 ? [gaussian(seed), gaussian(seed)] : [gaussian(random), gaussian(random)];
        },
      },
      {
        label: 'tight clusters',
        n: 5000,
        k: 4,
        make: (random, i) => [(i % 5) * 100 + gaussian(random) * 1e-9, (i % 7) * 1e6 + gaussian(random)],
      },
      { label: 'n just above k', n: 5, k: 3, make: (random) => [gaussian(random), gaussian(random)] },
      { label: 'n = k + 1', n: 8, k: 7, make: (random) => [gaussian(random), gaussian(random)] },
      { label: 'overflowing distances', n: 3000, k: 2, make: (random) => [(2 * random() - 1) * 1.7e308, gaussian(random) * 1e-300] },
      { label: 'independent uniform', n: 30000, k: 6, make: (random) => [random(), random()] },
      // The radix sort orders by a 32-bit window below the bits all keys share, then fixes up runs that
      // share a window: a large common offset, and clusters of values equal to about 13 digits.
      { label: 'a large common offset', n: 5000, k: 3, make: (random) => [1.7e9 + gaussian(random) * 1e-3, 1e-3 * gaussian(random)] },
      // Wildly different scales in x and y, at a size that splits one feature across threads mid-cell.
      { label: 'wildly different scales', n: 25000, k: 3, make: (random) => [gaussian(random) * 1e-200, gaussian(random) * 1e150] },
      // The marginal counts bisect every group of 8 sorted positions in one power-of-two bracket sized by
      // the previous group: a dense core in a sparse halo makes neighbouring runs differ by orders of
      // magnitude, so runs overflow the bracket and take the galloping search.
      {
        label: 'a dense core in a sparse halo',
        n: 20000,
        k: 2,
        make: (random) =>
          random() < 0.9 ? [gaussian(random) * 1e-3, gaussian(random) * 1e-3] : [gaussian(random) * 100, gaussian(random) * 100],
      },
      // The bracket of a group of 16 starts at the group's largest eps times the density the previous group
      // saw and doubles until every run fits: heavy-tailed values, and rare points far off in y (a huge eps
      // among small ones in x, so the bracket doubles up to the array's end and the group gallops).
      {
        label: 'heavy-tailed values',
        n: 20000,
        k: 3,
        make: (random) => [gaussian(random) / (random() + 1e-3), gaussian(random) / (random() + 1e-2)],
      },
      {
        label: 'rare points far off in y',
        n: 20000,
        k: 3,
        make: (random) => [gaussian(random), random() < 0.01 ? 1e4 * gaussian(random) : gaussian(random)],
      },
      {
        label: 'groups of 1 to 9 duplicate points',
        n: 3000,
        k: 5,
        make: (random, i) => {
          const group = Math.floor(i / 9);
          const seed = seededRandom(group + 1);
          return i % 9 < 1 + (group % 9) ? [gaussian(seed), gaussian(seed)] : [gaussian(random), gaussian(random)];
        },
      },
      {
        label: 'near-tied clusters',
        n: 5000,
        k: 3,
        make: (random) => [Math.round(gaussian(random) * 3) / 3 + 1e-13 * gaussian(random), gaussian(random)],
      },
    ];
    it.each(gridCases)('$label (n $n, k $k), one feature and several', async ({ n, k, make }) => {
      const random = seededRandom(n + k);
      const target = new Float64Array(n);
      const xs = Array.from({ length: 4 }, () => new Float64Array(n));
      for (let i = 0; i < n; i++) {
        const [x, y] = make(random, i);
        target[i] = y;
        xs[0]![i] = x;
        for (let f = 1; f < xs.length; f++) xs[f]![i] = f === 1 ? -x : f === 2 ? make(random, i)[0] : x + y;
      }
      expect(countsOnly(await backend.ksgCounts(target, xs.slice(0, 1), k))).toEqual(
        countsOnly(await reference.ksgCounts(target, xs.slice(0, 1), k)),
      );
      expect(countsOnly(await backend.ksgCounts(target, xs, k))).toEqual(countsOnly(await reference.ksgCounts(target, xs, k)));
    });

    // Every k with its own kernel (1 to 5: the SIMD lanes and the branch-free scalar loops) and one beyond,
    // at sizes whose grid cells hold from 1 to about 9 points (clusters, some points repeated), so the
    // 4-query SIMD groups run both full and partly empty.
    const clusteredCases = [1, 2, 3, 4, 5, 6].flatMap((k) => [k + 1, 11, 37, 150, 1200].map((n) => ({ n, k })));
    it.each(clusteredCases)('n $n, k $k: clustered points, some repeated', async ({ n, k }) => {
      const random = seededRandom(n * 7 + k);
      const target = new Float64Array(n);
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (i > 0 && random() < 0.2) {
          target[i] = target[i - 1]!;
          x[i] = x[i - 1]!;
          continue;
        }
        const cluster = Math.floor(random() * Math.max(1, n / 6));
        x[i] = cluster + 0.01 * gaussian(random);
        target[i] = ((cluster * 7) % 13) + 0.01 * gaussian(random);
      }
      const xs = [x, Float64Array.from(x, (value, i) => value * 1e-9 + target[i]!)];
      expect(countsOnly(await backend.ksgCounts(target, xs.slice(0, 1), k))).toEqual(
        countsOnly(await reference.ksgCounts(target, xs.slice(0, 1), k)),
      );
      expect(countsOnly(await backend.ksgCounts(target, xs, k))).toEqual(countsOnly(await reference.ksgCounts(target, xs, k)));
    });

    it('handles all-duplicate points: eps is 0 and every strict count is 0', async () => {
      const target = new Float64Array(6).fill(1.5);
      const result = await backend.ksgCounts(target, [new Float64Array(6).fill(-2)], 2);
      expect(Array.from(result[0]!.countX)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(Array.from(result[0]!.countY)).toEqual([0, 0, 0, 0, 0, 0]);
    });

    it('returns no counts for no features, and rejects NaN and k ≥ n', async () => {
      expect(await backend.ksgCounts(new Float64Array(0), [], 3)).toEqual([]);
      await expect(backend.ksgCounts(Float64Array.from([1, 2, 3]), [Float64Array.from([1, NaN, 3])], 1)).rejects.toThrow(
        new RangeError('Expected features[0][1] to be a finite number but received NaN'),
      );
      await expect(backend.ksgCounts(Float64Array.from([1, 2, 3]), [Float64Array.from([1, 2, 3])], 3)).rejects.toThrow(
        new RangeError('Expected k to be an integer from 1 to 2 (one less than the number of points) but received 3'),
      );
    });
  });

  describe('correlations', () => {
    // Bit-identical to the reference: the native port sums in the same order.
    const cases = [
      { n: 0, label: 'no rows' },
      { n: 1, label: 'one row' },
      { n: 2, label: 'two rows' },
      { n: 37, label: 'a few rows' },
      { n: 5000, label: 'thousands of rows' },
    ];
    it.each(cases)('$label (n $n): one feature, and several with ties, constants, ±0 and huge scales', async ({ n }) => {
      const random = seededRandom(n + 99);
      const target = Float64Array.from({ length: n }, () => gaussian(random));
      const features = [
        Float64Array.from(target, (y) => Math.sin(y) + 0.3 * gaussian(random)),
        Float64Array.from({ length: n }, () => Math.round(gaussian(random) * 2)),
        new Float64Array(n).fill(3),
        Float64Array.from(target, (y) => -1e200 * y),
        Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : 1e-300)),
        // values equal to about 13 digits in long runs (the radix sort's fix-up of runs sharing a window)
        Float64Array.from({ length: n }, () => Math.round(gaussian(random) * 3) / 3 + 1e-13 * gaussian(random)),
        // readings just either side of 1000: their float64 patterns share few leading bits (0x408F3FFF… /
        // 0x408F4000…) although the values span only a few million ulps (the radix sort's window)
        Float64Array.from({ length: n }, () => 1000 + 1e-9 * gaussian(random)),
      ];
      expect(await backend.correlations(target, features.slice(0, 1))).toEqual(await reference.correlations(target, features.slice(0, 1)));
      expect(await backend.correlations(target, features)).toEqual(await reference.correlations(target, features));
    });

    // The distance correlation's merge (native/cpu/correlation.cc) splits blocks of positions in halves
    // down to blocks of 8: every size from 1 to 40 (odd sizes, non-powers of two), with ties in both
    // columns, against the O(n²) definition and bit for bit against the reference.
    it('distance correlation for every n from 1 to 40, ties in both columns, matches the O(n²) definition', async () => {
      for (let n = 1; n <= 40; n++) {
        const random = seededRandom(n * 31);
        const target = Float64Array.from({ length: n }, () => Math.round(gaussian(random) * 2) / 2);
        const features = [
          Float64Array.from(target, (y) => Math.round((Math.sin(2 * y) + 0.5 * gaussian(random)) * 3) / 3),
          Float64Array.from({ length: n }, () => gaussian(random)),
          Float64Array.from(target, (y) => -y),
        ];
        const actual = await backend.correlations(target, features);
        expect(actual).toEqual(await reference.correlations(target, features));
        features.forEach((feature, f) => {
          const expected = distanceCorrelationOracle(feature, target);
          if (expected === null) expect(actual[f]!.dcor).toBeNull();
          else expect(actual[f]!.dcor!).toBeCloseTo(expected, 9);
        });
      }
    });

    // One large feature has the halves of its big blocks summed on two threads; the sums are taken in the
    // same order on any number of threads, so the result still equals the single-threaded reference.
    it.each([32_767, 32_768, 65_537])('one feature of n %i (the threaded distance correlation) equals the reference', async (n) => {
      const random = seededRandom(n);
      const target = Float64Array.from({ length: n }, () => gaussian(random));
      const features = [Float64Array.from(target, (y) => Math.round(Math.cos(y) * 4 + gaussian(random)))];
      expect(await backend.correlations(target, features)).toEqual(await reference.correlations(target, features));
    });

    it('returns nothing for no features, and rejects non-finite values and mismatched lengths', async () => {
      expect(await backend.correlations(Float64Array.from([1, 2]), [])).toEqual([]);
      await expect(backend.correlations(Float64Array.from([1, 2, 3]), [Float64Array.from([1, Infinity, 3])])).rejects.toThrow(
        new RangeError('Expected features[0][1] to be a finite number but received Infinity'),
      );
      await expect(backend.correlations(Float64Array.from([1, 2, 3]), [Float64Array.from([1, 2])])).rejects.toThrow(RangeError);
    });
  });

  describe('rossCounts', () => {
    const cases = [
      { n: 0, k: 3, labels: 2, levels: 0 },
      { n: 1, k: 3, labels: 2, levels: 0 },
      { n: 60, k: 3, labels: 4, levels: 0 },
      { n: 300, k: 5, labels: 40, levels: 3 },
      { n: 2000, k: 3, labels: 7, levels: 0 },
      { n: 2000, k: 10, labels: 900, levels: 5 },
    ];
    it.each(cases)('n $n, k $k, $labels labels, x quantised to $levels levels (0: continuous)', async ({ n, k, labels, levels }) => {
      const random = seededRandom(n * 17 + labels);
      const codes = Int32Array.from({ length: n }, () => randomInt(random, 0, labels - 1));
      const quantise = (value: number) => (levels ? Math.round(value * levels) / levels : value);
      const xs = [
        Float64Array.from(codes, (code) => quantise(code * 0.3 + gaussian(random))),
        Float64Array.from({ length: n }, () => quantise(gaussian(random))),
      ];
      const actual = await backend.rossCounts(codes, xs, k);
      expect(actual).toEqual(await reference.rossCounts(codes, xs, k));
    });

    it('gives unique labels labelCount 1, kUsed 0 and neighbourCount 0', async () => {
      const result = await backend.rossCounts(Int32Array.from([0, 0, 0, 7]), [Float64Array.from([0, 1, 3, 1])], 5);
      expect(Array.from(result[0]!.labelCount)).toEqual([3, 3, 3, 1]);
      expect(Array.from(result[0]!.kUsed)).toEqual([2, 2, 2, 0]);
      // d = [3, 2, 3]; counted strictly inside d among the kept points x = 0, 1, 3 only: the dropped
      // 7-labelled point at x = 1 would otherwise add one to the first two counts.
      expect(Array.from(result[0]!.neighbourCount)).toEqual([2, 2, 2, 0]);
    });
  });

  describe('jointHistogram', () => {
    it.each([
      { n: 0, aLevels: 1, bLevels: 1 },
      { n: 1, aLevels: 3, bLevels: 5 },
      { n: 100_000, aLevels: 7, bLevels: 11 },
      { n: 5000, aLevels: 300, bLevels: 400 },
    ])('n $n with $aLevels × $bLevels levels', async ({ n, aLevels, bLevels }) => {
      const random = seededRandom(n + aLevels);
      const a = Int32Array.from({ length: n }, () => randomInt(random, 0, aLevels - 1));
      const b = Int32Array.from({ length: n }, () => randomInt(random, 0, bLevels - 1));
      expect(await backend.jointHistogram(a, b, aLevels, bLevels)).toEqual(await reference.jointHistogram(a, b, aLevels, bLevels));
    });

    it('rejects codes out of range', async () => {
      await expect(backend.jointHistogram(Int32Array.from([0, 3]), Int32Array.from([0, 0]), 3, 1)).rejects.toThrow(
        new RangeError('Expected a[1] to be a code from 0 to 2 but received 3'),
      );
    });
  });
});
