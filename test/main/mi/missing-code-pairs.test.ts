// Ross and plug-in pairs with missing cells: their complete rows are picked on the addon
// (pickCompleteCodeRows, through pickCompleteCodePairs) instead of row lists walked on the JavaScript
// thread. The estimates, p-values and row counts must be exactly those of the definition: the pair's
// complete rows picked here by hand, codes renumbered densely for Ross (denseCodes) and left as they are
// for the plug-in estimator, scored by the reference backend. On every backend (typescript, cpu, cpu with
// MILENS_CPU_SIMD=off), and the picking itself against a hand-made expectation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, getReferenceBackend } from '../../../main/compute/index.js';
import type { ComputeBackend } from '../../../main/compute/kernels.js';
import { discreteMutualInformation } from '../../../main/mi/discrete.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { rossMutualInformation } from '../../../main/mi/knn-estimators.js';
import { deriveSeed, SeededRandom } from '../../../main/mi/random.js';
import { prepareContinuous } from '../../../main/mi/tie-rule.js';
import { codesOfNumbers, denseCodes, pickCompleteCodePairs } from '../../../main/mi/variables.js';
import type { Table } from '../../../main/table/columns.js';
import { numericColumn, tableOf, textColumn } from './helpers.js';
import { backendVariants } from '../../helpers/backend-variants.js';

const variants = await backendVariants();

/** y continuous, grade a discrete target; level (numeric codes), label (text) and x (continuous) features; holes in each. */
function holeyTable(rows: number, seed: number): Table {
  const random = new SeededRandom(seed);
  const latent = Float64Array.from({ length: rows }, () => random.nextNormal());
  const hole = (i: number, every: number) => i % every === 0;
  const y = latent.map((value, i) => (hole(i, 13) ? Number.NaN : value + 0.5 * random.nextNormal()));
  const grade = latent.map((value, i) => (hole(i, 11) ? Number.NaN : value > 0.6 ? 7 : value > -0.6 ? 3 : 1));
  const level = latent.map((value, i) =>
    hole(i, 7) ? Number.NaN : Math.min(4, Math.max(0, Math.round(value + 2 + 0.4 * random.nextNormal()))),
  );
  const names = ['low', 'mid', 'high'];
  const label = Array.from(latent, (value, i) => (hole(i, 5) ? null : names[value > 0.4 ? 2 : value > -0.4 ? 1 : 0]!));
  const x = latent.map((value, i) => (hole(i, 9) ? Number.NaN : Number((value + 0.8 * random.nextNormal()).toPrecision(4))));
  return tableOf([
    numericColumn('y', y),
    numericColumn('grade', grade),
    numericColumn('level', level),
    textColumn('label', label),
    numericColumn('x', x),
  ]);
}

/** A column's codes (−1 missing) or its numbers, as the engine sees it. */
function codesOf(table: Table, name: string): Int32Array {
  const column = table.columns.find((entry) => entry.name === name)!;
  return column.type === 'text' ? column.codes : codesOfNumbers(column.values).codes;
}
function valuesOf(table: Table, name: string): Float64Array {
  const column = table.columns.find((entry) => entry.name === name)!;
  if (column.type !== 'numeric') throw new Error(`${name} is not numeric`);
  return column.values;
}

describe.each(variants)('Ross and plug-in pairs with missing cells, $label backend', (variant) => {
  let backend: ComputeBackend;
  beforeAll(async () => {
    Object.assign(process.env, variant.env ?? {});
    backend = await getBackend(variant.backend);
  });
  afterAll(() => {
    for (const key of Object.keys(variant.env ?? {})) delete process.env[key];
  });
  const table = holeyTable(3000, 5);
  const seed = 3;
  const reference = getReferenceBackend();

  it('continuous target: Ross of each discrete feature on the pair rows, dense codes, exact rows and p-values', async () => {
    const permutations = 12;
    const report = await estimateMutualInformation(backend, table, 'y', {
      seed,
      features: ['level', 'label'],
      discrete: ['level'],
      permutations,
      stopAfterExceedances: 0,
    });
    const y = valuesOf(table, 'y');
    const preparedY = prepareContinuous(y, deriveSeed(seed, 'y')).values;
    for (const name of ['level', 'label']) {
      const codes = codesOf(table, name);
      const rows = Array.from(codes.keys()).filter((i) => codes[i]! >= 0 && Number.isFinite(y[i]!));
      const featureCodes = denseCodes(Int32Array.from(rows, (i) => codes[i]!));
      const target = Float64Array.from(rows, (i) => preparedY[i]!);
      const [observed] = (await rossMutualInformation(reference, featureCodes, [target], 3)) as [number];
      let exceedances = 0;
      for (let permutation = 0; permutation < permutations; permutation++) {
        const shuffle = new SeededRandom(deriveSeed(seed, `permutation:${permutation}:y`));
        const [value] = (await rossMutualInformation(reference, featureCodes, [shuffle.shuffle(Float64Array.from(target))], 3)) as [number];
        if (value >= observed) exceedances++;
      }
      const result = report.features.find((feature) => feature.name === name)!;
      expect(result.kind).toBe('discrete');
      expect(result.mi, name).toBe(Math.max(0, observed));
      expect(result.rows).toBe(rows.length);
      expect(result.droppedRows).toBe(table.rowCount - rows.length);
      expect(result.pValue, name).toBe((1 + exceedances) / (1 + permutations));
    }
    // The numeric discrete feature keeps its correlations, on the same rows.
    expect(report.features.find((feature) => feature.name === 'level')!.pearson).not.toBeNull();
    expect(report.features.find((feature) => feature.name === 'label')!.pearson).toBeNull();
  });

  it('discrete target: Ross of a continuous feature and plug-in / Miller–Madow of discrete ones', async () => {
    for (const discreteEstimator of ['plugin', 'miller-madow'] as const) {
      const report = await estimateMutualInformation(backend, table, 'grade', {
        seed,
        features: ['x', 'level', 'label'],
        discrete: ['grade', 'level'],
        discreteEstimator,
      });
      const grade = codesOf(table, 'grade');
      const x = valuesOf(table, 'x');
      const preparedX = prepareContinuous(x, deriveSeed(seed, 'x')).values;
      const xRows = Array.from(grade.keys()).filter((i) => grade[i]! >= 0 && Number.isFinite(x[i]!));
      const [ross] = (await rossMutualInformation(
        reference,
        denseCodes(Int32Array.from(xRows, (i) => grade[i]!)),
        [Float64Array.from(xRows, (i) => preparedX[i]!)],
        3,
      )) as [number];
      const xResult = report.features.find((feature) => feature.name === 'x')!;
      expect(xResult.mi).toBe(Math.max(0, ross));
      expect(xResult.rows).toBe(xRows.length);
      for (const name of ['level', 'label']) {
        const codes = codesOf(table, name);
        const rows = Array.from(codes.keys()).filter((i) => codes[i]! >= 0 && grade[i]! >= 0);
        const expected = discreteMutualInformation(
          Int32Array.from(rows, (i) => codes[i]!),
          Int32Array.from(rows, (i) => grade[i]!),
          discreteEstimator,
        );
        const result = report.features.find((feature) => feature.name === name)!;
        expect(result.mi, `${name}, ${discreteEstimator}`).toBe(Math.max(0, expected));
        expect(result.rows).toBe(rows.length);
      }
    }
  });
});

describe('pickCompleteCodePairs', () => {
  it('keeps the rows where both sides are present, in row order, each in its own type', async () => {
    const numbers = Float64Array.from([0.5, Number.NaN, 2, Infinity, -1, 3, -Infinity, 4]);
    const codes = Int32Array.from([5, 2, -1, 2, 9, 5, 2, 0]);
    const [plain] = await pickCompleteCodePairs(numbers, [codes], false);
    expect(plain!.a).toBeInstanceOf(Float64Array);
    expect(plain!.b).toBeInstanceOf(Int32Array);
    expect(Array.from(plain!.a)).toEqual([0.5, -1, 3, 4]);
    expect(Array.from(plain!.b)).toEqual([5, 9, 5, 0]);
    // Dense: renumbered in order of first appearance among the picked rows (denseCodes).
    const [dense] = await pickCompleteCodePairs(codes, [numbers, codes], true);
    expect(Array.from(dense!.a)).toEqual([0, 1, 0, 2]);
    expect(Array.from(dense!.b)).toEqual([0.5, -1, 3, 4]);
    const [, both] = await pickCompleteCodePairs(codes, [numbers, codes], true);
    expect(Array.from(both!.a)).toEqual([0, 1, 1, 2, 0, 1, 3]);
    expect(Array.from(both!.b)).toEqual([0, 1, 1, 2, 0, 1, 3]);
    // Nothing in common: empty, not an error.
    const [none] = await pickCompleteCodePairs(Float64Array.from([Number.NaN, 1]), [Int32Array.from([0, -1])], true);
    expect(none!.a.length).toBe(0);
    expect(none!.b.length).toBe(0);
  });
});
