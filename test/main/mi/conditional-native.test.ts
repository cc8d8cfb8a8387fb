// The --given engine on every backend: the same report (I(X;Y|Z), p-values, warnings) whether the
// Frenzel–Pompe counts come from the native kernel or the TypeScript reference, on tie-free, rounded
// (tied), discrete and partly missing columns; and the batched conditional permutations give exactly the
// p-value of one shuffle at a time with the reference estimator.
import { describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend, listBackends } from '../../../main/compute/index.js';
import { estimateConditionalMutualInformation, permutationStrata, shuffleWithinStrata } from '../../../main/mi/conditional-estimate.js';
import { frenzelPompe } from '../../../main/mi/conditional.js';
import { deriveSeed, SeededRandom } from '../../../main/mi/random.js';
import { prepareContinuous } from '../../../main/mi/tie-rule.js';
import { toEngineVariable } from '../../../main/mi/variables.js';
import { numericColumn, tableOf } from './helpers.js';

const nativeNames = (await listBackends())
  .filter((status) => status.name !== 'typescript' && status.available)
  .map((status) => status.name);

function mixedTable(n: number, seed: number) {
  const random = new SeededRandom(seed);
  const z = Float64Array.from({ length: n }, () => random.nextNormal());
  const y = Float64Array.from(z, (value) => value + 0.7 * random.nextNormal());
  const direct = Float64Array.from(y, (value) => value + random.nextNormal());
  const throughZ = Float64Array.from(z, (value) => value * value + 0.5 * random.nextNormal());
  const rounded = Float64Array.from(direct, (value) => Math.round(value * 2) / 2);
  const codes = Float64Array.from(y, (value) => (value > 0.5 ? 2 : value > -0.5 ? 1 : 0));
  const missing = Float64Array.from(throughZ, (value, i) => (i % 17 === 0 ? Number.NaN : value));
  return tableOf([
    numericColumn('y', y),
    numericColumn('z', z),
    numericColumn('direct', direct),
    numericColumn('throughZ', throughZ),
    numericColumn('rounded', rounded),
    numericColumn('codes', codes),
    numericColumn('missing', missing),
  ]);
}

describe.skipIf(nativeNames.length === 0).each(nativeNames.map((name) => ({ name })))('--given on the $name backend', ({ name }) => {
  it('reports what the TypeScript reference reports, p-values included', async () => {
    const table = mixedTable(1500, 5);
    const options = { permutations: 19, seed: 4, discrete: ['codes'] };
    const native = await estimateConditionalMutualInformation(await getBackend(name), table, 'y', 'z', options);
    const reference = await estimateConditionalMutualInformation(getReferenceBackend(), table, 'y', 'z', options);
    expect(native.features.map((feature) => feature.name)).toEqual(reference.features.map((feature) => feature.name));
    native.features.forEach((feature, index) => {
      const expected = reference.features[index]!;
      // The digamma means differ by at most an ulp or two (std::log against V8's log).
      expect(Math.abs(feature.mi - expected.mi), feature.name).toBeLessThan(1e-12);
      expect(feature.pValue, feature.name).toBe(expected.pValue);
      expect(feature.warnings).toEqual(expected.warnings);
    });
    const direct = native.features.find((feature) => feature.name === 'direct')!;
    expect(direct.pValue).toBeCloseTo(0.05, 12); // dependence beyond z: no shuffle reaches it
  });
});

describe('batched conditional permutations', () => {
  // The tests run on the plain path's machinery (main/mi/permutations.ts): raw (unclipped) estimates
  // compared, Besag–Clifford's stop at the h-th exceedance, p = h / l when stopped, (1 + g) / (N + 1)
  // otherwise; the batches must give exactly what one shuffle at a time gives.
  const table = mixedTable(600, 9);
  const seed = 2;
  const column = (columnName: string) => table.columns.find((entry) => entry.name === columnName)!;
  const prepared = (columnName: string) =>
    prepareContinuous((column(columnName) as { values: Float64Array }).values, deriveSeed(seed, columnName)).values;
  /** Raw I(X;Y|Z) of the feature and of each of the first `permutations` conditional shuffles, one at a time. */
  function oneAtATime(featureName: string, permutations: number): { observed: number; shuffled: number[] } {
    const y = prepared('y'),
      z = prepared('z'),
      x = prepared(featureName);
    const strata = permutationStrata(toEngineVariable(column('z'), 'continuous', seed), null);
    const shuffled = Array.from({ length: permutations }, (_, permutation) => {
      const random = new SeededRandom(deriveSeed(seed, `conditional-permutation:${permutation}:y:z`));
      return frenzelPompe(x, shuffleWithinStrata(y, strata, random), z, 3);
    });
    return { observed: frenzelPompe(x, y, z, 3), shuffled };
  }

  it('give the p-value of one shuffle at a time, each scored by the reference estimator', async () => {
    const permutations = 37; // more than two kernel batches, the last one short
    const report = await estimateConditionalMutualInformation(getReferenceBackend(), table, 'y', 'z', {
      permutations,
      stopAfterExceedances: 0,
      seed,
      features: ['direct', 'throughZ'],
    });
    for (const featureName of ['direct', 'throughZ']) {
      const { observed, shuffled } = oneAtATime(featureName, permutations);
      const exceedances = shuffled.filter((value) => value >= observed).length;
      const feature = report.features.find((entry) => entry.name === featureName)!;
      expect(feature.mi).toBe(Math.max(0, observed));
      expect(feature.pValue).toBe((1 + exceedances) / (1 + permutations));
      expect(feature.permutationsRun).toBe(permutations);
    }
  });

  it('stop a feature at its h-th exceedance (Besag–Clifford), as one shuffle at a time would', async () => {
    const permutations = 200,
      h = 4;
    const report = await estimateConditionalMutualInformation(getReferenceBackend(), table, 'y', 'z', {
      permutations,
      stopAfterExceedances: h,
      seed,
      features: ['direct', 'throughZ'],
    });
    const throughZ = report.features.find((entry) => entry.name === 'throughZ')!;
    const { observed, shuffled } = oneAtATime('throughZ', permutations);
    let exceedances = 0,
      stoppedAt = permutations;
    for (let i = 0; i < permutations; i++) {
      if (shuffled[i]! >= observed) exceedances++;
      if (exceedances === h) {
        stoppedAt = i + 1;
        break;
      }
    }
    expect(stoppedAt).toBeLessThan(permutations); // independent given z: it stops early
    expect(throughZ.permutationsRun).toBe(stoppedAt);
    expect(throughZ.pValue).toBe(h / stoppedAt);
    // Dependence beyond z: no shuffle reaches it, every shuffle runs, p = 1 / (N + 1).
    const direct = report.features.find((entry) => entry.name === 'direct')!;
    expect(direct.permutationsRun).toBe(permutations);
    expect(direct.pValue).toBe(1 / (permutations + 1));
  });
});
