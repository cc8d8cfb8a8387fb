// The MI engine end to end on in-memory tables: kinds, missing values, constants, permutation
// p-values, determinism and errors.
import { describe, expect, it } from 'vitest';
import { getCompute } from '../../../main/compute/index.js';
import { estimateMutualInformation } from '../../../main/mi/estimate.js';
import { correlationsOf, prepareCorrelationColumn } from '../../../main/mi/correlation.js';
import { SeededRandom } from '../../../main/mi/random.js';
import { gaussianPair, numericColumn, tableOf, textColumn } from './helpers.js';

function mixedTable(n = 2000) {
  const random = new SeededRandom(21);
  const { x, y } = gaussianPair(n, 0.8, 2);
  const noise = Float64Array.from({ length: n }, () => random.nextNormal());
  const colour = Array.from({ length: n }, (_, i) => (y[i]! > 0.5 ? 'red' : y[i]! < -0.5 ? 'blue' : 'green'));
  const code = Float64Array.from({ length: n }, (_, i) => (x[i]! > 0 ? 1 : 0));
  return tableOf([
    numericColumn('y', y),
    numericColumn('x', x),
    numericColumn('noise', noise),
    textColumn('colour', colour),
    numericColumn('code', code),
  ]);
}

describe('estimateMutualInformation', () => {
  it('infers kinds, sorts by MI and fills every field', async () => {
    const report = await estimateMutualInformation(await getCompute(), mixedTable(), 'y');
    expect(report).toMatchObject({ target: 'y', targetKind: 'continuous', unit: 'nats', k: 3, rows: 2000, seed: 0, permutations: 0 });
    expect(report.features.map((f) => f.name)).toEqual(['colour', 'x', 'code', 'noise']);
    const kinds = Object.fromEntries(report.features.map((f) => [f.name, f.kind]));
    expect(kinds).toEqual({ colour: 'discrete', x: 'continuous', code: 'discrete', noise: 'continuous' });
    const x = report.features.find((f) => f.name === 'x')!;
    expect(x.pearson!).toBeGreaterThan(0.75);
    expect(x.spearman!).toBeGreaterThan(0.7);
    expect(x.dcor!).toBeGreaterThan(0.7);
    expect(x.pValue).toBeNull();
    expect(report.features.find((f) => f.name === 'colour')!.pearson).toBeNull();
    for (let i = 1; i < report.features.length; i++) expect(report.features[i - 1]!.mi).toBeGreaterThanOrEqual(report.features[i]!.mi);
  });

  it('drops rows with a missing value per pair and reports the count', async () => {
    const table = mixedTable(500);
    const x = (table.columns[1] as { values: Float64Array }).values;
    for (let i = 0; i < 40; i++) x[i * 7] = Number.NaN;
    const report = await estimateMutualInformation(await getCompute(), table, 'y');
    const result = report.features.find((f) => f.name === 'x')!;
    expect(result.droppedRows).toBe(40);
    expect(result.rows).toBe(460);
    expect(result.warnings.join()).toMatch(/40 rows/);
    expect(report.features.find((f) => f.name === 'noise')!.droppedRows).toBe(0);
    expect(result.mi).toBeGreaterThan(0.3);
    // The correlations of the pair are those of its 460 complete rows.
    const y = (table.columns[0] as { values: Float64Array }).values;
    const kept = Array.from(x.keys()).filter((i) => !Number.isNaN(x[i]!));
    const expected = correlationsOf(
      prepareCorrelationColumn(Float64Array.from(kept, (i) => x[i]!)),
      prepareCorrelationColumn(Float64Array.from(kept, (i) => y[i]!)),
    );
    expect(result.pearson).toBeCloseTo(expected.pearson!, 12);
    expect(result.spearman).toBeCloseTo(expected.spearman!, 12);
    expect(result.dcor).toBeCloseTo(expected.dcor!, 12);
  });

  it('gives permutation p-values that separate signal from noise, reproducibly for a seed', async () => {
    const compute = await getCompute();
    const table = mixedTable(600);
    const first = await estimateMutualInformation(compute, table, 'y', { permutations: 49, seed: 5 });
    const again = await estimateMutualInformation(compute, table, 'y', { permutations: 49, seed: 5 });
    expect(again).toEqual(first);
    expect(first.features.find((f) => f.name === 'x')!.pValue).toBeCloseTo(1 / 50, 12);
    expect(first.features.find((f) => f.name === 'noise')!.pValue!).toBeGreaterThan(0.05);
  });

  it('is deterministic without a seed (seed 0 by default, reported)', async () => {
    const compute = await getCompute();
    const a = await estimateMutualInformation(compute, mixedTable(300), 'y');
    const b = await estimateMutualInformation(compute, mixedTable(300), 'y');
    expect(a).toEqual(b);
    expect(a.seed).toBe(0);
  });

  it('warns about a constant target and scores 0', async () => {
    const table = tableOf([
      numericColumn('t', new Float64Array(100).fill(3)),
      numericColumn(
        'x',
        Float64Array.from({ length: 100 }, (_, i) => i),
      ),
    ]);
    const report = await estimateMutualInformation(await getCompute(), table, 't');
    expect(report.features[0]!.mi).toBe(0);
    expect(report.warnings.join()).toMatch(/constant/);
  });

  it('applies overrides and the Miller–Madow option', async () => {
    const compute = await getCompute();
    const table = mixedTable(400);
    const report = await estimateMutualInformation(compute, table, 'code', { discrete: ['x'], targetKind: 'discrete' });
    expect(report.features.find((f) => f.name === 'x')!.kind).toBe('discrete');
    const plugin = await estimateMutualInformation(compute, table, 'colour', { discrete: ['code'] });
    const corrected = await estimateMutualInformation(compute, table, 'colour', { discrete: ['code'], discreteEstimator: 'miller-madow' });
    const pick = (r: typeof plugin) => r.features.find((f) => f.name === 'code')!.mi;
    expect(pick(corrected)).toBeLessThan(pick(plugin));
  });

  it('rejects an unknown column and a text column forced continuous, naming them', async () => {
    const compute = await getCompute();
    await expect(estimateMutualInformation(compute, mixedTable(50), 'nope')).rejects.toThrow(/Column "nope" not found in memory.csv/);
    await expect(estimateMutualInformation(compute, mixedTable(50), 'y', { discrete: ['missing'] })).rejects.toThrow(/"missing"/);
    await expect(estimateMutualInformation(compute, mixedTable(50), 'y', { continuous: ['colour'] })).rejects.toThrow(
      /"colour" holds text/,
    );
  });

  it('reports when the tie rule fell back to dense ranks', async () => {
    const n = 200_000;
    const tight = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 1 + 1e-12));
    const y = Float64Array.from({ length: n }, (_, i) => (i % 3) + (i % 2));
    const report = await estimateMutualInformation(
      await getCompute(),
      tableOf([numericColumn('tight', tight), numericColumn('y', y)]),
      'y',
      {
        continuous: ['tight'],
        targetKind: 'discrete',
        correlations: false,
      },
    );
    expect(report.features[0]!.warnings.join()).toMatch(/dense ranks/);
    // `tight` encodes i mod 2; y = (i mod 3) + (i mod 2), so I = H(y) − H(y | parity) = H(1/6, 1/3, 1/3, 1/6) − ln 3.
    const exact = (2 / 6) * Math.log(6) + (2 / 3) * Math.log(3) - Math.log(3);
    expect(Math.abs(report.features[0]!.mi - exact)).toBeLessThan(0.01);
  });
});

describe('estimateMutualInformation: review regressions', () => {
  it('rejects a target with fewer than 2 present rows, naming the column and the file', async () => {
    const compute = await getCompute();
    const allMissing = tableOf([numericColumn('a', [1, 2, 3, 4]), numericColumn('y', [Number.NaN, Number.NaN, Number.NaN, Number.NaN])]);
    await expect(estimateMutualInformation(compute, allMissing, 'y')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/"y".*memory\.csv/),
    });
    const onePresent = tableOf([numericColumn('a', [1, 2, 3, 4]), textColumn('y', [null, 'u', null, null])]);
    await expect(estimateMutualInformation(compute, onePresent, 'y')).rejects.toThrow(/"y" of memory\.csv has 1 row with a value/);
  });

  it('warns "only N rows for k" for KSG pairs only, not for Ross pairs', async () => {
    const compute = await getCompute();
    const table = tableOf([
      numericColumn('a', [1, 2, 3, 10, 11, 12]),
      numericColumn('c', [6, 2, 4, 1, 5, 3]),
      numericColumn('y', [0, 0, 0, 1, 1, 1]),
    ]);
    const ross = await estimateMutualInformation(compute, table, 'y', { k: 6, correlations: false });
    expect(ross.targetKind).toBe('discrete');
    expect(ross.features.find((f) => f.name === 'a')!.mi).toBeGreaterThan(0);
    expect(ross.warnings.join('\n')).not.toMatch(/only \d+ rows for k/);
    const ksg = await estimateMutualInformation(compute, table, 'c', {
      k: 6,
      correlations: false,
      targetKind: 'continuous',
      continuous: ['y'],
    });
    expect(ksg.features.find((f) => f.name === 'a')!.warnings.join()).toMatch(/only 6 rows for k = 6 neighbours/);
  });

  it('gives a feature the same seeded p-value whatever other columns the table has', async () => {
    const compute = await getCompute();
    const random = new SeededRandom(3);
    const n = 80;
    const a = Float64Array.from({ length: n }, () => random.nextNormal());
    const b = Float64Array.from({ length: n }, () => random.nextNormal());
    const y = b.map((value) => 0.5 * value + random.nextNormal());
    const options = { permutations: 99, seed: 7, correlations: false };
    const withA = await estimateMutualInformation(
      compute,
      tableOf([numericColumn('a', a), numericColumn('b', b), numericColumn('y', y)]),
      'y',
      options,
    );
    const alone = await estimateMutualInformation(compute, tableOf([numericColumn('b', b), numericColumn('y', y)]), 'y', options);
    const pOf = (report: typeof alone) => report.features.find((f) => f.name === 'b')!.pValue;
    // A middling p-value (about 0.4), which the particular shuffles decide.
    expect(pOf(alone)!).toBeGreaterThan(0.1);
    expect(pOf(alone)!).toBeLessThan(0.9);
    expect(pOf(withA)).toBe(pOf(alone));
  });

  it('caps permutations at 1,000,000', async () => {
    const table = tableOf([numericColumn('a', [1, 2, 3]), numericColumn('y', [3, 1, 2])]);
    await expect(estimateMutualInformation(await getCompute(), table, 'y', { permutations: 1_000_001 })).rejects.toThrow(
      /permutations to be an integer from 0 to 1000000/,
    );
  });
});
