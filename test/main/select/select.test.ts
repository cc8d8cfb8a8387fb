// Feature selection: relevant features first, redundant copies skipped, every method, errors.
import { describe, expect, it } from 'vitest';
import { getCompute } from '../../../main/compute/index.js';
import { SeededRandom } from '../../../main/mi/random.js';
import { binCount, equalFrequencyCodes } from '../../../main/select/discretise.js';
import { selectFeatures } from '../../../main/select/select.js';
import { numericColumn, tableOf, textColumn } from '../mi/helpers.js';

function redundancyTable(n = 3000) {
  const random = new SeededRandom(8);
  const normal = () => Float64Array.from({ length: n }, () => random.nextNormal());
  const a = normal(),
    b = normal(),
    c = normal();
  const y = a.map((value, i) => value + 0.9 * b[i]! + 0.8 * c[i]! + 0.3 * random.nextNormal());
  const aCopy = a.map((value) => value + 0.05 * random.nextNormal());
  const columns = [
    numericColumn('y', y),
    numericColumn('a', a),
    numericColumn('a_copy', aCopy),
    numericColumn('b', b),
    numericColumn('c', c),
  ];
  for (let j = 0; j < 5; j++) columns.push(numericColumn(`noise${j}`, normal()));
  return tableOf(columns);
}

describe('selectFeatures', () => {
  for (const method of ['mrmr', 'jmi', 'cmim'] as const) {
    it(`${method} picks the relevant features and skips the redundant copy`, async () => {
      const report = await selectFeatures(await getCompute(), redundancyTable(), 'y', { method, count: 3 });
      expect(report.method).toBe(method);
      const names = report.selected.map((s) => s.name);
      expect(names).toHaveLength(3);
      expect(['a', 'a_copy']).toContain(names[0]);
      expect(names.slice(1).sort()).toEqual(['b', 'c']);
      expect(report.selected[0]!.score).toBeGreaterThan(0.2);
    });
  }

  it('works with a discrete target and text features, and is deterministic', async () => {
    const random = new SeededRandom(2);
    const n = 2000;
    const label = Array.from({ length: n }, () => random.nextInt(3));
    const strong = Float64Array.from(label, (l) => l + 0.4 * random.nextNormal());
    const text = label.map((l) => (random.nextFloat() < 0.8 ? `level${l}` : `level${random.nextInt(3)}`));
    const table = tableOf([
      numericColumn('label', label),
      numericColumn('strong', strong),
      textColumn('text', text),
      numericColumn(
        'noise',
        Float64Array.from({ length: n }, () => random.nextNormal()),
      ),
    ]);
    const compute = await getCompute();
    const first = await selectFeatures(compute, table, 'label', { method: 'jmi', count: 2 });
    expect(first.selected.map((s) => s.name)).toEqual(['strong', 'text']);
    expect(await selectFeatures(compute, table, 'label', { method: 'jmi', count: 2 })).toEqual(first);
  });

  it('ranks every feature when the count exceeds them, with a warning', async () => {
    const report = await selectFeatures(await getCompute(), redundancyTable(500), 'y', { method: 'mrmr', count: 50 });
    expect(report.selected).toHaveLength(9);
    expect(report.warnings.join()).toMatch(/more than the 9 feature columns/);
  });

  it('rejects an unknown method and a count below 1', async () => {
    const compute = await getCompute();
    await expect(selectFeatures(compute, redundancyTable(100), 'y', { method: 'best' as never, count: 2 })).rejects.toThrow(
      /Unknown selection method "best"/,
    );
    await expect(selectFeatures(compute, redundancyTable(100), 'y', { method: 'jmi', count: 0 })).rejects.toThrow(/count/);
  });
});

describe('equal-frequency discretisation', () => {
  it('fills bins evenly, never splits ties, and gives missing values their own bin', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i);
    const { codes, levels } = equalFrequencyCodes(values, 4);
    expect(levels).toBe(4);
    expect([0, 1, 2, 3].map((bin) => codes.filter((code) => code === bin).length)).toEqual([25, 25, 25, 25]);
    const tied = equalFrequencyCodes(Float64Array.from([1, 1, 1, 1, 1, 1, 2, 3, NaN]), 4);
    expect(new Set(Array.from(tied.codes.slice(0, 6))).size).toBe(1);
    expect(tied.codes[8]).toBe(4);
    expect(tied.levels).toBe(5);
    expect(binCount(10_000)).toBe(10);
    expect(binCount(1000)).toBe(4);
  });
});

describe('selectFeatures: a target without values', () => {
  for (const method of ['mrmr', 'jmi', 'cmim'] as const) {
    it(`${method} rejects an all-missing target naming the column and the file`, async () => {
      const missing = Float64Array.from({ length: 4 }, () => Number.NaN);
      const table = tableOf([
        numericColumn('a', [1, 2, 3, 4]),
        numericColumn('b', [2, 3, 1, 4]),
        numericColumn('c', [5, 1, 4, 2]),
        numericColumn('y', missing),
      ]);
      await expect(selectFeatures(await getCompute(), table, 'y', { method, count: 3 })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/"y" of memory\.csv has 0 rows with a value/),
      });
    });
  }
});
