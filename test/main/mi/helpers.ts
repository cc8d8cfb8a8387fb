// Shared helpers of the MI engine tests: a seeded data generator and in-memory tables.
import { SeededRandom } from '../../../main/mi/random.js';
import type { Table, TableColumn } from '../../../main/table/columns.js';

export function gaussianPair(n: number, rho: number, seed: number): { x: Float64Array; y: Float64Array } {
  const random = new SeededRandom(seed);
  const x = new Float64Array(n),
    y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = random.nextNormal();
    y[i] = rho * x[i]! + Math.sqrt(1 - rho * rho) * random.nextNormal();
  }
  return { x, y };
}

export function numericColumn(name: string, values: ArrayLike<number>): TableColumn {
  return { name, type: 'numeric', values: Float64Array.from(values) };
}

export function textColumn(name: string, values: Array<string | null>): TableColumn {
  const levels: string[] = [];
  const codes = Int32Array.from(
    values.map((value) => {
      if (value === null) return -1;
      let code = levels.indexOf(value);
      if (code < 0) code = levels.push(value) - 1;
      return code;
    }),
  );
  return { name, type: 'text', codes, levels };
}

export function tableOf(columns: TableColumn[]): Table {
  const rowCount = columns[0]!.type === 'text' ? columns[0]!.codes.length : columns[0]!.values.length;
  return { path: 'memory.csv', format: 'csv', rowCount, columns };
}
