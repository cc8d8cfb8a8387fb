// describeTable: what a CSV / Parquet file holds before anything is estimated, so the app can show the
// columns with their inferred kind, missing share and first rows, and let the person pick the target
// from them. Loads the file with the same reader (main/table) that the estimators use.
import type { TableColumnDescription, TableDescription } from '../api/contract.js';
import { invalidArgument } from '../api/errors.js';
import type { TableColumn } from '../table/columns.js';
import { inferKind } from '../table/kinds.js';
import { loadTable } from '../table/load.js';

const PREVIEW_ROWS = 8;
/** Distinct values are counted up to this (enough to tell codes from measurements). */
const DISTINCT_LIMIT = 1000;

export async function describeTable(file: unknown): Promise<TableDescription> {
  if (typeof file !== 'string' || file.trim() === '') throw invalidArgument('Expected a table file path (CSV or Parquet).');
  const table = await loadTable(file.trim());
  const previewRows = Math.min(PREVIEW_ROWS, table.rowCount);
  const preview: TableDescription['preview'] = [];
  for (let row = 0; row < previewRows; row++) preview.push(table.columns.map((column) => cellOf(column, row)));
  return {
    path: table.path,
    format: table.format,
    rows: table.rowCount,
    columns: table.columns.map((column) => describeColumn(column, table.rowCount)),
    preview,
  };
}

function cellOf(column: TableColumn, row: number): string | number | null {
  if (column.type === 'numeric') {
    const value = column.values[row]!;
    return Number.isNaN(value) ? null : value;
  }
  const code = column.codes[row]!;
  return code < 0 ? null : column.levels[code]!;
}

function describeColumn(column: TableColumn, rows: number): TableColumnDescription {
  let missing = 0;
  const distinct = new Set<number>();
  if (column.type === 'numeric') {
    for (const value of column.values) {
      if (Number.isNaN(value)) missing++;
      else if (distinct.size < DISTINCT_LIMIT) distinct.add(value);
    }
  } else {
    for (const code of column.codes) {
      if (code < 0) missing++;
      else if (distinct.size < DISTINCT_LIMIT) distinct.add(code);
    }
  }
  return {
    name: column.name,
    storage: column.type,
    kind: inferKind(column),
    missingShare: rows === 0 ? 0 : missing / rows,
    distinct: distinct.size,
    distinctLimit: DISTINCT_LIMIT,
  };
}
