// Engine variables from table columns: the missing-row count and the constant flag, with and without
// the reader's count of values that are not finite (which lets the scan stop at the first second value).
import { describe, expect, it } from 'vitest';
import { toEngineVariable } from '../../../main/mi/variables.js';
import { ColumnBuilder, type NumericColumn } from '../../../main/table/columns.js';

function built(cells: string[]) {
  const builder = new ColumnBuilder('x');
  for (const cell of cells) builder.pushCell(cell);
  return builder.build();
}

describe('toEngineVariable', () => {
  it('knows from the reader how many values of a column are not finite', () => {
    expect(built(['1', '2.5', '-3'])).toMatchObject({ nonFiniteRows: 0 });
    expect(built(['1', '', '3', 'NA'])).toMatchObject({ nonFiniteRows: 2 });
    expect(built(['1', '1e999', '3'])).toMatchObject({ type: 'numeric', nonFiniteRows: 1 }); // overflows to Infinity
  });

  it.each([
    ['all finite, varying', ['3', '3', '4'], 0, false],
    ['all finite, one value', ['3', '3', '3'], 0, true],
    ['all finite, −0 and 0 (one value)', ['-0', '0'], 0, true],
    ['one row', ['7'], 0, true],
    ['missing rows around one value', ['', '5', 'NA', '5'], 2, true],
    ['missing rows, two values', ['', '5', '6'], 1, false],
    ['missing rows only', ['', 'NA'], 2, true],
    ['a missing first row, then −0 and 0', ['', '-0', '0'], 1, true],
    ['Infinity beside one value', ['1e999', '4', '4', '-1e999'], 2, true],
    ['one value, then a second one in the last row', ['2', '', '2', '2', '2.0000001'], 1, false],
  ])('%s', (_, cells, missingRows, constant) => {
    const column = built(cells) as NumericColumn;
    expect(column.type).toBe('numeric');
    const variable = toEngineVariable(column, 'continuous', 0);
    expect(variable.missingRows).toBe(missingRows);
    expect(variable.constant).toBe(constant);
    // The same answer without the reader's count (the full scan).
    const unflagged = toEngineVariable({ ...column, nonFiniteRows: undefined }, 'continuous', 0);
    expect([unflagged.missingRows, unflagged.constant]).toEqual([missingRows, constant]);
  });
});
