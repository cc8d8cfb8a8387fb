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
  it('give the p-value of one shuffle at a time, each scored by the reference estimator', async () => {
    const table = mixedTable(600, 9);
    const permutations = 37; // more than two kernel batches, the last one short
    const report = await estimateConditionalMutualInformation(getReferenceBackend(), table, 'y', 'z', {
      permutations,
      seed: 2,
      features: ['direct', 'throughZ'],
    });
    const seed = 2;
    const column = (columnName: string) => table.columns.find((entry) => entry.name === columnName)!;
    const prepared = (columnName: string) =>
      prepareContinuous((column(columnName) as { values: Float64Array }).values, deriveSeed(seed, columnName)).values;
    const y = prepared('y'),
      z = prepared('z');
    const strata = permutationStrata(toEngineVariable(column('z'), 'continuous', seed), null);
    for (const featureName of ['direct', 'throughZ']) {
      const x = prepared(featureName);
      const observed = Math.max(0, frenzelPompe(x, y, z, 3));
      let exceedances = 0;
      for (let permutation = 0; permutation < permutations; permutation++) {
        const random = new SeededRandom(deriveSeed(seed, `conditional-permutation:${permutation}:y:z`));
        if (Math.max(0, frenzelPompe(x, shuffleWithinStrata(y, strata, random), z, 3)) >= observed) exceedances++;
      }
      const feature = report.features.find((entry) => entry.name === featureName)!;
      expect(feature.mi).toBe(observed);
      expect(feature.pValue).toBe((1 + exceedances) / (1 + permutations));
    }
  });
});
