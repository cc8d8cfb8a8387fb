// Which columns take part in an MI request and with which kind: the target, the features (every other
// column unless a list is given) and the --discrete / --continuous / --target-kind overrides. Errors
// name the column and the file.
import type { ColumnKind } from '../api/contract.js';
import { invalidArgument, notFound } from '../api/errors.js';
import type { Table, TableColumn } from '../table/columns.js';
import { inferKind, requireKindAllowed } from '../table/kinds.js';

export interface KindOptions {
  targetKind?: ColumnKind;
  discrete?: string[];
  continuous?: string[];
  features?: string[];
}

export interface ResolvedColumns {
  target: TableColumn;
  targetKind: ColumnKind;
  features: Array<{ column: TableColumn; kind: ColumnKind }>;
}

/**
 * Each table's columns by name (the first of a name wins, as a linear search would find it), built once
 * per columns array: `--features` with 10^5 names over 10^5 columns stays linear, not 10^10 comparisons.
 */
const columnsByName = new WeakMap<readonly TableColumn[], Map<string, TableColumn>>();

function columnIndex(table: Table): Map<string, TableColumn> {
  let index = columnsByName.get(table.columns);
  if (!index) {
    index = new Map();
    for (const column of table.columns) if (!index.has(column.name)) index.set(column.name, column);
    columnsByName.set(table.columns, index);
  }
  return index;
}

/** `role` starts the error message: "Column" by default, e.g. "Given column" for `--given`. */
export function findColumn(table: Table, name: string, role = 'Column'): TableColumn {
  const column = columnIndex(table).get(name);
  if (!column) {
    // The header's names are never quoted: any file can be opened as a table, and its first line (a
    // password file's, say) would be echoed back. Only the count, and the spelling the user may have meant.
    const count = table.columns.length;
    const folded = name.trim().toLowerCase();
    const near = table.columns.find((candidate) => candidate.name.trim().toLowerCase() === folded);
    const hint = near ? `; a column differs only in case or spaces` : '';
    throw notFound(`${role} "${name}" not found in ${table.path} (its header has ${count} column${count === 1 ? '' : 's'}${hint})`, {
      column: name,
      path: table.path,
    });
  }
  return column;
}

export function resolveColumns(table: Table, targetName: string, options: KindOptions): ResolvedColumns {
  if (options.targetKind !== undefined && options.targetKind !== 'discrete' && options.targetKind !== 'continuous') {
    throw invalidArgument(`Unknown target kind "${String(options.targetKind)}": expected discrete or continuous`, {
      argument: 'targetKind',
    });
  }
  const target = findColumn(table, targetName);
  const discrete = new Set(options.discrete ?? []);
  const continuous = new Set(options.continuous ?? []);
  for (const name of [...discrete, ...continuous]) findColumn(table, name);
  for (const name of discrete) {
    if (continuous.has(name)) throw invalidArgument(`Column "${name}" is listed as both discrete and continuous`, { column: name });
  }
  const kindOf = (column: TableColumn, forced: ColumnKind | undefined): ColumnKind => {
    const kind = forced ?? (discrete.has(column.name) ? 'discrete' : continuous.has(column.name) ? 'continuous' : inferKind(column));
    requireKindAllowed(column, kind);
    return kind;
  };
  const targetKind = kindOf(target, options.targetKind);
  const featureColumns = options.features
    ? options.features.map((name) => findColumn(table, name))
    : table.columns.filter((column) => column.name !== target.name);
  const features = featureColumns
    .filter((column) => column.name !== target.name)
    .map((column) => ({ column, kind: kindOf(column, undefined) }));
  if (features.length === 0)
    throw invalidArgument(`${table.path} has no feature columns besides the target "${target.name}"`, { path: table.path });
  return { target, targetKind, features };
}
