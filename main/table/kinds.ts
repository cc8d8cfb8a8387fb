// Column kinds for MI estimation. Inference: text and boolean columns are discrete; numeric columns are
// continuous unless every value is an integer and there are few distinct values ("small integer
// codes": at most MAX_CODE_LEVELS levels, and fewer than half the rows, so a short column of distinct
// integers stays continuous). Users override with --discrete / --continuous / --target-kind.
import type { ColumnKind } from '../api/contract.js';
import { invalidArgument } from '../api/errors.js';
import type { TableColumn } from './columns.js';

export const MAX_CODE_LEVELS = 32;

export function inferKind(column: TableColumn): ColumnKind {
  if (column.type === 'text') return 'discrete';
  const levels = new Set<number>();
  let present = 0;
  const values = column.values;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value !== value) continue;
    if (!Number.isInteger(value)) return 'continuous';
    present++;
    levels.add(value);
    // More levels than codes may have: continuous, whatever the remaining rows hold (spares a full scan
    // of every integer-valued column, such as counts or prices in cents).
    if (levels.size > MAX_CODE_LEVELS) return 'continuous';
  }
  return levels.size <= MAX_CODE_LEVELS && levels.size * 2 <= Math.max(present, 2) ? 'discrete' : 'continuous';
}

/** Checks a --target-kind style value, naming the argument on error. */
export function parseKind(argument: string, value: string): ColumnKind {
  if (value === 'discrete' || value === 'continuous') return value;
  throw invalidArgument(`Unknown ${argument} "${value}": expected "discrete" or "continuous"`, { argument, value });
}

/** A text column can only be discrete: its values have no order or distance. */
export function requireKindAllowed(column: TableColumn, kind: ColumnKind): void {
  if (column.type === 'text' && kind === 'continuous') {
    throw invalidArgument(`Column "${column.name}" holds text, so it cannot be continuous`, { column: column.name });
  }
}
