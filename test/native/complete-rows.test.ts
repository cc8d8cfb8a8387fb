// The kernels for pairs with missing cells (ksgCountsOnCompleteRows, correlationsOnCompleteRows) score
// each feature on the rows where it and the target are both finite, with the target sorted once for all
// the features. They must give exactly what the plain kernels give on the pair picked out first
// (pickCompletePairs), on the TypeScript reference: every count, mean and measure bit for bit, on data
// with ties of every kind (rounded, integer, a few values, ±0, runs long enough for the kd-tree path),
// NaN and ±Infinity, pairs with no rows, one row, k rows, and on a table tall enough for the one-feature-
// at-a-time path.
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend } from '../../main/compute/index.js';
import type { ComputeBackend } from '../../main/compute/kernels.js';
import { loadAddon } from '../../main/compute/native.js';
import { meanDigammaOfCounts } from '../../main/mi/digamma.js';
import { pickCompletePairs } from '../../main/mi/variables.js';
import { gaussian, seededRandom } from './random.js';

const addonLoaded = !('error' in loadAddon());

/** Columns shaped like users' data: each a rule for value i, with missing cells at the given share. */
function column(random: () => number, n: number, shape: string, missingShare: number): Float64Array {
  const value = (): number => {
    const g = gaussian(random);
    switch (shape) {
      case 'rounded':
        return Number(g.toPrecision(2));
      case 'integers':
        return Math.round(g * 3);
      case 'few':
        return [0, 1, 2][Math.floor(random() * 3)]!;
      case 'signed-zeros':
        return random() < 0.3 ? (random() < 0.5 ? -0 : 0) : g;
      default:
        return g;
    }
  };
  return Float64Array.from({ length: n }, () => {
    const u = random();
    if (u < missingShare) return Number.NaN;
    if (u < missingShare * 1.2) return random() < 0.5 ? Infinity : -Infinity;
    return value();
  });
}

async function expectKsgAsPicked(
  native: ComputeBackend,
  target: Float64Array,
  features: Float64Array[],
  k: number,
  oracle: ComputeBackend,
) {
  const batched = await native.ksgCountsOnCompleteRows!(target, features, k);
  const pairs = await pickCompletePairs(target, features);
  expect(batched).toHaveLength(features.length);
  for (const [f, pair] of pairs.entries()) {
    const result = batched[f]!;
    expect(result.rows).toBe(pair.a.length);
    if (pair.a.length <= k) {
      expect(result.countX).toHaveLength(0);
      expect(result.meanDigammaX).toBeUndefined();
      continue;
    }
    const [expected] = await oracle.ksgCounts(pair.a, [pair.b], k);
    expect(Array.from(result.countX)).toEqual(Array.from(expected!.countX));
    expect(Array.from(result.countY)).toEqual(Array.from(expected!.countY));
    expect(result.meanDigammaX).toBe(meanDigammaOfCounts(expected!.countX, 1));
    expect(result.meanDigammaY).toBe(meanDigammaOfCounts(expected!.countY, 1));
  }
}

async function expectCorrelationsAsPicked(native: ComputeBackend, target: Float64Array, features: Float64Array[], oracle: ComputeBackend) {
  const batched = await native.correlationsOnCompleteRows!(target, features);
  const pairs = await pickCompletePairs(target, features);
  for (const [f, pair] of pairs.entries()) {
    const { rows, ...measures } = batched[f]!;
    expect(rows).toBe(pair.a.length);
    const [expected] = pair.a.length > 0 ? await oracle.correlations(pair.a, [pair.b]) : [{ pearson: null, spearman: null, dcor: null }];
    expect(measures).toEqual(expected);
  }
}

describe.skipIf(!addonLoaded)('kernels on the complete rows of pairs with missing cells', () => {
  it('give the counts and measures of the pairs picked out first, on data with ties of every kind', async () => {
    const native = await getBackend('cpu');
    const reference = getReferenceBackend();
    const random = seededRandom(20261202);
    const n = 1500;
    for (const targetShape of ['continuous', 'rounded', 'integers', 'few']) {
      const target = column(random, n, targetShape, 0.05);
      const features = [
        column(random, n, 'continuous', 0),
        column(random, n, 'rounded', 0.05),
        column(random, n, 'integers', 0.3),
        column(random, n, 'few', 0.1),
        column(random, n, 'signed-zeros', 0.05),
        column(random, n, 'continuous', 0.998), // a pair of ~2 rows: at most k, no counts
        column(random, n, 'continuous', 1), // every cell missing
      ];
      for (const k of [1, 3]) await expectKsgAsPicked(native, target, features, k, reference);
      // One feature: the path that splits each pair across the threads.
      await expectKsgAsPicked(native, target, [features[1]!], 3, reference);
      await expectCorrelationsAsPicked(native, target, features, reference);
      await expectCorrelationsAsPicked(native, target, [features[2]!], reference);
    }
  });

  it('give the same on tiny tables and with every target cell missing', async () => {
    const native = await getBackend('cpu');
    const reference = getReferenceBackend();
    const random = seededRandom(7);
    for (const n of [0, 1, 2, 4, 5]) {
      const target = column(random, n, 'continuous', 0.2);
      const features = [column(random, n, 'continuous', 0.2), column(random, n, 'integers', 0)];
      await expectKsgAsPicked(native, target, features, 3, reference);
      await expectCorrelationsAsPicked(native, target, features, reference);
    }
    const missingTarget = new Float64Array(50).fill(Number.NaN);
    await expectKsgAsPicked(native, missingTarget, [column(random, 50, 'continuous', 0)], 3, reference);
    await expectCorrelationsAsPicked(native, missingTarget, [column(random, 50, 'continuous', 0)], reference);
  });

  it('give the same above 2^20 rows, where the pairs go one at a time with every thread', async () => {
    const native = await getBackend('cpu');
    const random = seededRandom(11);
    const n = 2 ** 20 + 777;
    const target = column(random, n, 'rounded', 0.03);
    const features = [column(random, n, 'continuous', 0.05), column(random, n, 'integers', 0.01)];
    // The plain native kernels are the oracle here (the reference is bit-identical to them and slow).
    await expectKsgAsPicked(native, target, features, 3, native);
    await expectCorrelationsAsPicked(native, target, features, native);
  }, 120_000);

  it('check their arguments, naming each', async () => {
    const native = await getBackend('cpu');
    const target = new Float64Array([1, Number.NaN, 3, 4]);
    await expect(native.ksgCountsOnCompleteRows!(target, [new Float64Array(3)], 1)).rejects.toThrow(/features\[0\]/);
    await expect(native.ksgCountsOnCompleteRows!(target, [new Float64Array(4)], 0)).rejects.toThrow(/\bk\b/);
    await expect(native.ksgCountsOnCompleteRows!([1, 2] as unknown as Float64Array, [], 1)).rejects.toThrow(/target/);
    await expect(native.correlationsOnCompleteRows!(target, [new Float32Array(4) as unknown as Float64Array])).rejects.toThrow(
      /features\[0\]/,
    );
  });
});
