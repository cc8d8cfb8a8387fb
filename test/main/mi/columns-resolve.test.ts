// resolveColumns with many names: --features lookups go through one index of the header, so 10^5 names
// over 10^5 columns read the column list a bounded number of times per column (a linear search per name
// would read it ~5·10^9 times). The reads are counted on the real list, through a Proxy, not timed.
import { describe, expect, it } from 'vitest';
import { findColumn, resolveColumns } from '../../../main/mi/columns-resolve.js';
import type { Table, TableColumn } from '../../../main/table/columns.js';

const COLUMNS = 100_000;

/** A table of `count` numeric columns c0…, 3 rows each, whose column list counts (and caps) element reads. */
function countedTable(count: number, readLimit: number): { table: Table; reads: () => number } {
  const columns: TableColumn[] = Array.from({ length: count }, (_, c) => ({
    name: `c${c}`,
    type: 'numeric' as const,
    values: Float64Array.of(c, c + 0.5, c + 0.25),
  }));
  let reads = 0;
  const counted = new Proxy(columns, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key) && ++reads > readLimit) {
        throw new Error(`more than ${readLimit} reads of the column list: the lookups are not linear`);
      }
      return Reflect.get(target, key, receiver);
    },
  });
  return { table: { path: 'wide.csv', format: 'csv', rowCount: 3, columns: counted }, reads: () => reads };
}

describe('resolveColumns on a wide header', () => {
  it('looks 10^5 feature names up in linear reads of the column list', () => {
    const limit = 4 * COLUMNS;
    const { table, reads } = countedTable(COLUMNS, limit);
    const names = Array.from({ length: COLUMNS - 1 }, (_, i) => `c${COLUMNS - 1 - i}`); // every feature, reversed
    const resolved = resolveColumns(table, 'c0', { features: names, discrete: ['c5'], continuous: ['c7'] });
    expect(resolved.target.name).toBe('c0');
    expect(resolved.features).toHaveLength(COLUMNS - 1);
    expect(resolved.features[0]!.column.name).toBe(`c${COLUMNS - 1}`); // the order asked for
    expect(resolved.features.find((feature) => feature.column.name === 'c5')!.kind).toBe('discrete');
    expect(reads()).toBeLessThanOrEqual(limit);
  });

  it('still names a missing column, and the first of two equal names wins', () => {
    const { table } = countedTable(10, Infinity);
    expect(() => findColumn(table, 'nope')).toThrow(/Column "nope" not found in wide\.csv \(its header has 10 columns\)/);
    const twice: Table = { ...table, columns: [...table.columns, { name: 'c3', type: 'numeric', values: Float64Array.of(9, 9, 9) }] };
    expect(findColumn(twice, 'c3')).toBe(table.columns[3]);
  });
});
