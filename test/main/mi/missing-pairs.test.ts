// Continuous pairs with missing cells: their complete rows are picked on the addon's threads
// (pickCompletePairs). The picks equal a plain TypeScript walk of the rows (NaN and ±Infinity dropped),
// and the engine's MI, correlations and row counts for such pairs equal those computed from rows
// picked here, on every backend.
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend } from '../../../main/compute/index.js';
import { loadAddon } from '../../../main/compute/native.js';
import { correlationsOf, prepareCorrelationColumn } from '../../../main/mi/correlation.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { ksgMutualInformation } from '../../../main/mi/knn-estimators.js';
import { deriveSeed, SeededRandom } from '../../../main/mi/random.js';
import { prepareContinuous } from '../../../main/mi/tie-rule.js';
import { pickCompletePairs } from '../../../main/mi/variables.js';
import { numericColumn, tableOf } from './helpers.js';

const addonLoaded = !('error' in loadAddon());

function withHoles(random: SeededRandom, values: Float64Array, share: number): Float64Array {
  return values.map((v) => {
    const u = random.nextFloat();
    return u < share ? Number.NaN : u < share * 1.1 ? (random.nextFloat() < 0.5 ? Infinity : -Infinity) : v;
  });
}

function completeRowsHere(a: Float64Array, b: Float64Array): number[] {
  return Array.from(a.keys()).filter((i) => Number.isFinite(a[i]!) && Number.isFinite(b[i]!));
}

describe('pairs with missing cells', () => {
  it.skipIf(!addonLoaded)('are picked natively exactly as a walk of the rows picks them', async () => {
    const random = new SeededRandom(1);
    for (const n of [0, 1, 7, 10_000]) {
      const a = withHoles(
        random,
        Float64Array.from({ length: n }, () => random.nextNormal()),
        0.1,
      );
      const bs = [0, 0.05, 0.5, 1].map((share) =>
        withHoles(
          random,
          Float64Array.from({ length: n }, () => random.nextNormal()),
          share,
        ),
      );
      const picked = await pickCompletePairs(a, bs);
      bs.forEach((b, c) => {
        const rows = completeRowsHere(a, b);
        expect(Array.from(picked[c]!.a)).toEqual(rows.map((i) => a[i]));
        expect(Array.from(picked[c]!.b)).toEqual(rows.map((i) => b[i]));
      });
    }
  });

  it.skipIf(!addonLoaded)('get the same permutation p-values from the batched native kernels as from pairs picked one by one', async () => {
    // The cpu backend scores these pairs with ksgCountsOnCompleteRows in one call and permutes each pair
    // picked on its own; the reference backend has no such kernel and runs one job per pair.
    const random = new SeededRandom(9);
    const n = 1200;
    const latent = Float64Array.from({ length: n }, () => random.nextNormal());
    const y = withHoles(
      random,
      latent.map((x) => x + random.nextNormal()),
      0.05,
    );
    const columns = [0.05, 0.3, 0.02].map((share, j) =>
      numericColumn(
        `x${j}`,
        withHoles(
          random,
          latent.map((x) => Number((j * x + random.nextNormal()).toPrecision(4))),
          share,
        ),
      ),
    );
    const table = tableOf([numericColumn('y', y), ...columns]);
    const options = { seed: 3, permutations: 25, stopAfterExceedances: 0 };
    const [native, reference] = await Promise.all([
      getBackend('cpu').then((cpu) => estimateMutualInformation(cpu, table, 'y', options)),
      estimateMutualInformation(getReferenceBackend(), table, 'y', options),
    ]);
    expect(native.features.map((f) => [f.name, f.mi, f.rows, f.pValue, f.permutationsRun])).toEqual(
      reference.features.map((f) => [f.name, f.mi, f.rows, f.pValue, f.permutationsRun]),
    );
    expect(new Set(native.features.map((f) => f.pValue)).size).toBeGreaterThan(1); // the test can tell them apart
  });

  it.each(['typescript', 'cpu'] as const)('give the MI, correlations and row counts of rows picked here (%s backend)', async (name) => {
    const compute = name === 'cpu' ? await getBackend('cpu').catch(() => null) : getReferenceBackend();
    if (!compute) return; // no addon built: the cpu case has nothing to run on
    const random = new SeededRandom(5);
    const n = 3000;
    const latent = Float64Array.from({ length: n }, () => random.nextNormal());
    const y = withHoles(
      random,
      latent.map((x) => x + random.nextNormal()),
      0.05,
    );
    const columns = [0.05, 0.2, 0].map((share, j) =>
      numericColumn(
        `x${j}`,
        withHoles(
          random,
          latent.map((x) => Number((x + j * random.nextNormal()).toPrecision(3))),
          share,
        ),
      ),
    );
    const seed = 4;
    const report = await estimateMutualInformation(compute, tableOf([numericColumn('y', y), ...columns]), 'y', { seed });
    const preparedY = prepareContinuous(y, deriveSeed(seed, 'y')).values;
    for (const column of columns) {
      const values = column.type === 'numeric' ? column.values : new Float64Array();
      const result = report.features.find((f) => f.name === column.name)!;
      const rows = completeRowsHere(y, values);
      expect(result.rows).toBe(rows.length);
      expect(result.droppedRows).toBe(n - rows.length);
      const prepared = prepareContinuous(values, deriveSeed(seed, column.name)).values;
      const [mi] = await ksgMutualInformation(
        getReferenceBackend(),
        Float64Array.from(rows, (i) => preparedY[i]!),
        [Float64Array.from(rows, (i) => prepared[i]!)],
        3,
      );
      expect(result.mi).toBe(Math.max(0, mi!));
      const expected = correlationsOf(
        prepareCorrelationColumn(Float64Array.from(rows, (i) => values[i]!)),
        prepareCorrelationColumn(Float64Array.from(rows, (i) => y[i]!)),
      );
      expect(result.pearson).toBeCloseTo(expected.pearson!, 12);
      expect(result.spearman).toBeCloseTo(expected.spearman!, 12);
      expect(result.dcor).toBeCloseTo(expected.dcor!, 12);
    }
  });
});
