// The conditional path of the MI engine (`milens mi --given z`) on in-memory tables: the Gaussian
// closed form, a chain, XOR, dropped rows, a constant given, errors and conditional permutation tests.
import { describe, expect, it } from 'vitest';
import { MilensError, serializeError } from '../../../main/api/errors.js';
import { getCompute } from '../../../main/compute/index.js';
import {
  estimateConditionalMutualInformation,
  LOCAL_PERMUTATION_BLOCK,
  permutationStrata,
  shuffleWithinStrata,
} from '../../../main/mi/conditional-estimate.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { SeededRandom } from '../../../main/mi/random.js';
import { toEngineVariable } from '../../../main/mi/variables.js';
import { numericColumn, tableOf, textColumn } from './helpers.js';

/** n draws of (x, y, z), standard normal with correlations ρxy, ρxz, ρyz (Cholesky of the 3 × 3 matrix). */
function trivariateGaussian(n: number, rxy: number, rxz: number, ryz: number, seed: number) {
  const random = new SeededRandom(seed);
  // Order (z, x, y): L is the Cholesky factor of [[1, rxz, ryz], [rxz, 1, rxy], [ryz, rxy, 1]].
  const l21 = rxz,
    l22 = Math.sqrt(1 - rxz * rxz);
  const l31 = ryz,
    l32 = (rxy - ryz * rxz) / l22,
    l33 = Math.sqrt(1 - l31 * l31 - l32 * l32);
  const x = new Float64Array(n),
    y = new Float64Array(n),
    z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = random.nextNormal(),
      b = random.nextNormal(),
      c = random.nextNormal();
    z[i] = a;
    x[i] = l21 * a + l22 * b;
    y[i] = l31 * a + l32 * b + l33 * c;
  }
  return { x, y, z };
}

function randomBits(n: number, random: SeededRandom): Float64Array {
  return Float64Array.from({ length: n }, () => random.nextInt(2));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('estimateConditionalMutualInformation', () => {
  it('matches −½ ln(1 − ρ²_{xy·z}) for a trivariate Gaussian (n = 4000, within 0.03 nats)', async () => {
    const cases: Array<[number, number, number]> = [
      [0.6, 0.5, 0.4],
      [0.3, 0.7, 0.6],
      [0.7, 0.2, -0.3],
    ];
    for (const [index, [rxy, rxz, ryz]] of cases.entries()) {
      const { x, y, z } = trivariateGaussian(4000, rxy, rxz, ryz, 40 + index);
      const partial = (rxy - rxz * ryz) / Math.sqrt((1 - rxz * rxz) * (1 - ryz * ryz));
      const exact = -0.5 * Math.log(1 - partial * partial);
      const table = tableOf([numericColumn('y', y), numericColumn('x', x), numericColumn('z', z)]);
      const report = await estimateConditionalMutualInformation(await getCompute(), table, 'y', 'z');
      expect(report.features.map((feature) => feature.name)).toEqual(['x']);
      const error = Math.abs(report.features[0]!.mi - exact);
      expect(error, `ρ = (${rxy}, ${rxz}, ${ryz}), exact ${exact}`).toBeLessThan(0.03);
      // The correlations stay the unconditional ones.
      expect(report.features[0]!.pearson!).toBeCloseTo(rxy, 1);
    }
  });

  it('a chain X → Z → Y: I(X;Y|Z) ≈ 0 while I(X;Y) is clearly positive', async () => {
    const random = new SeededRandom(7);
    const n = 3000;
    const x = Float64Array.from({ length: n }, () => random.nextNormal());
    const z = x.map((value) => 0.9 * value + 0.45 * random.nextNormal());
    const y = z.map((value) => 0.9 * value + 0.45 * random.nextNormal());
    const table = tableOf([numericColumn('y', y), numericColumn('x', x), numericColumn('z', z)]);
    const compute = await getCompute();
    const conditional = await estimateConditionalMutualInformation(compute, table, 'y', 'z', { features: ['x'] });
    const plain = await estimateMutualInformation(compute, table, 'y', { features: ['x'] });
    expect(plain.features[0]!.mi).toBeGreaterThan(0.4);
    expect(conditional.features[0]!.mi).toBeLessThan(0.02);
    expect(conditional).toMatchObject({ given: 'z', givenKind: 'continuous' });
    expect(plain.given).toBeUndefined();
  });

  it('discrete XOR: I(X1;Y) ≈ 0 but I(X1;Y|X2) = ln 2 (plug-in)', async () => {
    const random = new SeededRandom(11);
    const n = 4000;
    const x1 = randomBits(n, random),
      x2 = randomBits(n, random);
    const y = x1.map((bit, i) => bit ^ x2[i]!);
    const table = tableOf([numericColumn('y', y), numericColumn('x1', x1), numericColumn('x2', x2)]);
    const compute = await getCompute();
    const plain = await estimateMutualInformation(compute, table, 'y', { features: ['x1'] });
    expect(plain.features[0]!.mi).toBeLessThan(0.002);
    const conditional = await estimateConditionalMutualInformation(compute, table, 'y', 'x2');
    expect(conditional.givenKind).toBe('discrete');
    expect(conditional.features[0]!).toMatchObject({ name: 'x1', kind: 'discrete' });
    expect(Math.abs(conditional.features[0]!.mi - Math.LN2)).toBeLessThan(0.002);
    const bits = await estimateConditionalMutualInformation(compute, table, 'y', 'x2', { unit: 'bits' });
    expect(Math.abs(bits.features[0]!.mi - 1)).toBeLessThan(0.003);
  });

  it('drops rows missing in the feature, the target or the given column, and counts them per triple', async () => {
    const { x, y, z } = trivariateGaussian(600, 0.5, 0.3, 0.3, 5);
    const w = Float64Array.from(x, (value, i) => value + (i % 7));
    x[3] = Number.NaN;
    x[10] = Number.NaN;
    y[10] = Number.NaN; // the same row as a missing x: counted once
    y[20] = Number.NaN;
    z[30] = Number.NaN;
    z[31] = Number.NaN;
    const colour = Array.from({ length: 600 }, (_, i) => (i === 40 ? null : y[i]! > 0 ? 'high' : 'low'));
    const table = tableOf([
      numericColumn('y', y),
      numericColumn('x', x),
      numericColumn('w', w),
      textColumn('colour', colour),
      numericColumn('z', z),
    ]);
    const report = await estimateConditionalMutualInformation(await getCompute(), table, 'y', 'z');
    const byName = Object.fromEntries(report.features.map((feature) => [feature.name, feature]));
    expect(byName.x).toMatchObject({ rows: 595, droppedRows: 5 });
    expect(byName.w).toMatchObject({ rows: 596, droppedRows: 4 });
    expect(byName.colour).toMatchObject({ rows: 595, droppedRows: 5, kind: 'discrete', pearson: null });
    expect(byName.x!.warnings).toContain('5 rows with a missing value dropped');
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        'target "y" is missing in 2 rows; they are dropped from every triple',
        'given "z" is missing in 2 rows; they are dropped from every triple',
      ]),
    );
    expect(byName.x!.pearson).not.toBeNull();
  });

  it('a constant given gives I(X;Y): equal to the plug-in MI for discrete columns, close to KSG for continuous ones', async () => {
    const random = new SeededRandom(17);
    const n = 3000;
    const a = Float64Array.from({ length: n }, () => random.nextInt(4));
    const b = a.map((value) => (random.nextFloat() < 0.7 ? value : random.nextInt(4)));
    const { x, y } = trivariateGaussian(n, 0.7, 0, 0, 18);
    const one = new Float64Array(n).fill(1);
    const compute = await getCompute();
    const discreteTable = tableOf([numericColumn('b', b), numericColumn('a', a), numericColumn('c', one)]);
    const conditional = await estimateConditionalMutualInformation(compute, discreteTable, 'b', 'c', { discrete: ['c'] });
    const plain = await estimateMutualInformation(compute, discreteTable, 'b', { features: ['a'] });
    expect(conditional.features[0]!.mi).toBeCloseTo(plain.features[0]!.mi, 12);
    expect(conditional.warnings[0]).toMatch(/given "c" is constant/);
    const continuousTable = tableOf([numericColumn('y', y), numericColumn('x', x), numericColumn('c', one)]);
    const continuous = await estimateConditionalMutualInformation(compute, continuousTable, 'y', 'c', { continuous: ['c'] });
    expect(continuous.givenKind).toBe('continuous');
    const ksg = await estimateMutualInformation(compute, continuousTable, 'y', { features: ['x'] });
    expect(Math.abs(continuous.features[0]!.mi - ksg.features[0]!.mi)).toBeLessThan(0.02);
  });

  it('does not score the given column, honours kind overrides for it, and refuses bad requests', async () => {
    const { x, y, z } = trivariateGaussian(200, 0.5, 0.3, 0.3, 9);
    const codes = Float64Array.from(z, (value) => (value > 0 ? 1 : 0));
    const table = tableOf([
      numericColumn('y', y),
      numericColumn('x', x),
      numericColumn('z', z),
      numericColumn('code', codes),
      textColumn(
        't',
        Array.from({ length: 200 }, (_, i) => (i % 2 ? 'a' : 'b')),
      ),
      numericColumn('gone', new Float64Array(200).fill(Number.NaN)),
    ]);
    const compute = await getCompute();
    const report = await estimateConditionalMutualInformation(compute, table, 'y', 'z', { features: ['x', 'z'] });
    expect(report.features.map((feature) => feature.name)).toEqual(['x']);
    expect((await estimateConditionalMutualInformation(compute, table, 'y', 'code', { features: ['x'] })).givenKind).toBe('discrete');
    expect(
      (await estimateConditionalMutualInformation(compute, table, 'y', 'code', { features: ['x'], continuous: ['code'] })).givenKind,
    ).toBe('continuous');

    const missing = await rejection(estimateConditionalMutualInformation(compute, table, 'y', 'nope'));
    expect(missing).toBeInstanceOf(MilensError);
    expect(serializeError(missing)).toMatchObject({ code: 'NOT_FOUND' });
    expect((missing as Error).message).toMatch(/^Given column "nope" not found in memory\.csv \(its header has 6 columns\)$/);
    const same = await rejection(estimateConditionalMutualInformation(compute, table, 'y', 'y'));
    expect(serializeError(same)).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((same as Error).message).toMatch(/given column "y" is the target/);
    const text = await rejection(estimateConditionalMutualInformation(compute, table, 'y', 't', { continuous: ['t'] }));
    expect((text as Error).message).toMatch(/Column "t" holds text, so it cannot be continuous/);
    const empty = await rejection(estimateConditionalMutualInformation(compute, table, 'y', 'gone'));
    expect((empty as Error).message).toBe('Given column "gone" of memory.csv has 0 rows with a value (of 200): at least 2 are needed');
    const nothing = await rejection(estimateConditionalMutualInformation(compute, table, 'y', 'z', { features: ['z'] }));
    expect((nothing as Error).message).toMatch(/no feature columns besides the target "y" and the given column "z"/);
  });
});

describe('conditional permutation test', () => {
  it('strata: one per level of a discrete Z, blocks of adjacent Z values for a continuous Z', () => {
    const discrete = toEngineVariable(numericColumn('z', [2, 1, 2, 2, 1, 3]), 'discrete', 0);
    expect(permutationStrata(discrete, null).map((stratum) => Array.from(stratum))).toEqual([[0, 2, 3], [1, 4], [5]]);
    expect(permutationStrata(discrete, Int32Array.from([0, 1, 4, 5])).map((stratum) => Array.from(stratum))).toEqual([[0], [1, 2], [3]]);
    const values = Array.from({ length: 23 }, (_, i) => (i * 7) % 23); // a permutation of 0..22
    const continuous = toEngineVariable(numericColumn('z', values), 'continuous', 0);
    const strata = permutationStrata(continuous, null);
    expect(LOCAL_PERMUTATION_BLOCK).toBe(5);
    expect(strata.map((stratum) => stratum.length)).toEqual([5, 5, 5, 8]); // the short tail joins the last block
    expect(strata.flatMap((stratum) => Array.from(stratum, (row) => values[row]!))).toEqual(Array.from({ length: 23 }, (_, i) => i));
    const constant = toEngineVariable(numericColumn('z', new Float64Array(12).fill(3)), 'continuous', 0);
    expect(permutationStrata(constant, null).map((stratum) => stratum.length)).toEqual([12]);
  });

  it('a shuffle within strata keeps every value in its stratum', () => {
    const strata = [Int32Array.from([0, 2, 4]), Int32Array.from([1, 3, 5, 6])];
    const values = Float64Array.from([10, 20, 11, 21, 12, 22, 23]);
    const shuffled = shuffleWithinStrata(values, strata, new SeededRandom(1));
    expect(Array.from(values)).toEqual([10, 20, 11, 21, 12, 22, 23]);
    expect([0, 2, 4].map((row) => shuffled[row]!).sort()).toEqual([10, 11, 12]);
    expect([1, 3, 5, 6].map((row) => shuffled[row]!).sort()).toEqual([20, 21, 22, 23]);
  });

  it('discrete Z: a dependent triple gets a small p, a triple independent given Z does not', async () => {
    const random = new SeededRandom(23);
    const n = 800;
    const z = Float64Array.from({ length: n }, () => random.nextInt(3));
    // y depends on z; x depends on z only (independent of y given z); w depends on y beyond z.
    const y = z.map((value) => value + random.nextNormal());
    const x = z.map((value) => value + random.nextNormal());
    const w = y.map((value) => value + 1.5 * random.nextNormal());
    const table = tableOf([numericColumn('y', y), numericColumn('x', x), numericColumn('w', w), numericColumn('z', z)]);
    const report = await estimateConditionalMutualInformation(await getCompute(), table, 'y', 'z', { permutations: 99 });
    expect(report).toMatchObject({ givenKind: 'discrete', permutations: 99 });
    const byName = Object.fromEntries(report.features.map((feature) => [feature.name, feature]));
    expect(byName.w!.pValue).toBeCloseTo(0.01, 12);
    expect(byName.x!.pValue!).toBeGreaterThan(0.1);
  });

  it('continuous Z (local permutation): a dependent triple gets a small p, a triple independent given Z does not', async () => {
    const random = new SeededRandom(29);
    const n = 800;
    const z = Float64Array.from({ length: n }, () => random.nextNormal());
    const y = z.map((value) => value + 0.5 * random.nextNormal());
    const x = z.map((value) => value * value + 0.5 * random.nextNormal());
    const w = y.map((value) => value + 1.0 * random.nextNormal());
    const table = tableOf([numericColumn('y', y), numericColumn('x', x), numericColumn('w', w), numericColumn('z', z)]);
    const compute = await getCompute();
    const report = await estimateConditionalMutualInformation(compute, table, 'y', 'z', { permutations: 99, seed: 3 });
    const byName = Object.fromEntries(report.features.map((feature) => [feature.name, feature]));
    expect(byName.w!.pValue).toBeCloseTo(0.01, 12);
    expect(byName.x!.pValue!).toBeGreaterThan(0.1);
    // Seeded: the same request gives the same p-values.
    const again = await estimateConditionalMutualInformation(compute, table, 'y', 'z', { permutations: 99, seed: 3 });
    expect(again.features.map((feature) => feature.pValue)).toEqual(report.features.map((feature) => feature.pValue));
  });
});
