// A table column turned into what the estimators consume: integer codes for a discrete column, the
// tie-ruled, scaled values for a continuous one, plus the raw numbers for the correlation measures and
// the rows where the value is missing.
import type { ColumnKind } from '../api/contract.js';
import type { TableColumn } from '../table/columns.js';
import { loadAddon } from '../compute/native.js';
import { deriveSeed } from './random.js';
import { lowerBound, prepareContinuous, prepareContinuousNatively, type PreparedContinuous } from './tie-rule.js';

export interface EngineVariable {
  name: string;
  kind: ColumnKind;
  rowCount: number;
  /** Codes ≥ 0 (discrete only); −1 where missing. */
  codes: Int32Array | null;
  /**
   * Estimator input (continuous only); NaN where missing. Computed on first use and dropped by
   * release(), so that a wide table never holds every prepared column at once.
   */
  readonly prepared: Float64Array | null;
  /** Supplies `prepared` computed elsewhere (the native tie rule), bit-identical to what the getter computes. */
  adoptPrepared(prepared: Pick<PreparedContinuous, 'values' | 'tiedRows' | 'rankFallback'>): void;
  release(): void;
  /** Raw numbers for Pearson / Spearman / dCor; null for text. NaN where missing. */
  numeric: Float64Array | null;
  /** Rows whose value is missing (or not a finite number). */
  missingRows: number;
  /** One distinct value (or none) among the present rows. */
  constant: boolean;
  /** Known once `prepared` has been computed. */
  tiedRows: number;
  rankFallback: boolean;
}

export function isMissing(variable: EngineVariable, row: number): boolean {
  if (variable.codes) return variable.codes[row]! < 0;
  return !Number.isFinite(variable.numeric![row]!);
}

export function toEngineVariable(column: TableColumn, kind: ColumnKind, seed: number): EngineVariable {
  const base = { name: column.name, kind, rowCount: column.type === 'text' ? column.codes.length : column.values.length };
  if (column.type === 'text') return discreteVariable(base, compactCodes(column.codes), null);
  const values = column.values;
  if (kind === 'discrete') return discreteVariable(base, codesOfNumbers(values), values);
  const { missingRows, constant } =
    column.nonFiniteRows !== undefined ? countedColumnSummary(values, column.nonFiniteRows) : columnSummary(values);
  let cache: Float64Array | null = null;
  const variable: EngineVariable = {
    ...base,
    codes: null,
    get prepared(): Float64Array {
      if (cache === null) {
        const prepared = prepareContinuous(values, deriveSeed(seed, column.name));
        cache = prepared.values;
        variable.tiedRows = prepared.tiedRows;
        variable.rankFallback = prepared.rankFallback;
      }
      return cache;
    },
    adoptPrepared: (prepared) => {
      cache = prepared.values;
      variable.tiedRows = prepared.tiedRows;
      variable.rankFallback = prepared.rankFallback;
    },
    release: () => {
      cache = null;
    },
    numeric: values,
    missingRows,
    constant,
    tiedRows: 0,
    rankFallback: false,
  };
  return variable;
}

/**
 * Missing (non-finite) rows, and whether the column is constant: the test prepareContinuous applies,
 * fewer than two present values or one distinct value.
 */
function columnSummary(values: Float64Array): { missingRows: number; constant: boolean } {
  let missingRows = 0,
    minimum = Infinity,
    maximum = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) missingRows++;
    else {
      if (value < minimum) minimum = value;
      if (value > maximum) maximum = value;
    }
  }
  return { missingRows, constant: values.length - missingRows < 2 || minimum === maximum };
}

/**
 * columnSummary of a column whose reader counted its values that are not finite (`missingRows`): only
 * the constant test is left, and it stops at the first second distinct value (on the JavaScript thread,
 * a pass over every row of every column cost ~7 ms at 100,000 × 11).
 */
function countedColumnSummary(values: Float64Array, missingRows: number): { missingRows: number; constant: boolean } {
  let first = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!(value - value === 0)) continue; // NaN (missing) and ±Infinity give NaN
    if (Number.isNaN(first)) first = value;
    else if (value !== first) return { missingRows, constant: false }; // −0 and 0 are one value, as min === max
  }
  return { missingRows, constant: true };
}

function release(): void {}

/** A discrete variable: its codes (−1 where missing), nothing to prepare; `numeric` is null for text. */
function discreteVariable(
  base: Pick<EngineVariable, 'name' | 'kind' | 'rowCount'>,
  { codes, levels }: { codes: Int32Array; levels: number },
  numeric: Float64Array | null,
): EngineVariable {
  return {
    ...base,
    codes,
    prepared: null,
    adoptPrepared: release,
    release,
    numeric,
    missingRows: countBelowZero(codes),
    constant: levels <= 1,
    tiedRows: 0,
    rankFallback: false,
  };
}

/** Columns per native tie-rule call (as many as one KSG kernel call takes). */
const NATIVE_TIE_RULE_GROUP = 16;

/**
 * Applies the tie rule to these continuous variables on native threads (native/cpu/tie_rule.cc, tied
 * columns included); without the addon they compute it in TypeScript on first use. Either way
 * `prepared` holds the same values, bit for bit. `into` (one group's columns × rows values, e.g. a
 * released variable's prepared column) is written over by the first group instead of a new buffer; the
 * caller must hold nothing that still reads it.
 */
export async function prepareContinuousVariables(variables: EngineVariable[], seed: number, into?: Float64Array): Promise<void> {
  const eligible = variables.filter(
    (variable) => variable.kind === 'continuous' && variable.codes === null && variable.numeric && !variable.constant,
  );
  // In groups, each with its own buffer, so that release() frees a group's memory once its columns are done.
  for (let start = 0; start < eligible.length; start += NATIVE_TIE_RULE_GROUP) {
    const group = eligible.slice(start, start + NATIVE_TIE_RULE_GROUP);
    const prepared = await prepareContinuousNatively(
      group.map((variable) => variable.numeric!),
      group.map((variable) => deriveSeed(seed, variable.name)),
      start === 0 ? into : undefined,
    );
    prepared.forEach((column, index) => {
      if (column) group[index]!.adoptPrepared(column);
    });
  }
}

function countBelowZero(codes: Int32Array): number {
  let count = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i]! < 0) count++;
  return count;
}

/** Renumbers codes to 0..levels−1 in order of first appearance among used codes (−1 stays missing). */
function compactCodes(raw: Int32Array): { codes: Int32Array; levels: number } {
  const mapping = new Map<number, number>();
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const code = raw[i]!;
    if (code < 0) {
      codes[i] = -1;
      continue;
    }
    let mapped = mapping.get(code);
    if (mapped === undefined) mapping.set(code, (mapped = mapping.size));
    codes[i] = mapped;
  }
  return { codes, levels: mapping.size };
}

/** Codes of numbers by rank among the distinct finite values; missing or non-finite → −1. */
export function codesOfNumbers(values: Float64Array): { codes: Int32Array; levels: number } {
  const present: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) present.push(values[i]!);
  const sorted = Float64Array.from(present).sort();
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  const table = Float64Array.from(distinct);
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = Number.isFinite(values[i]!) ? lowerBound(table, values[i]!) : -1;
  return { codes, levels: table.length };
}

/** 1 at the rows where the variable has a value, 0 where it is missing. */
export function presenceOf(variable: EngineVariable): Uint8Array {
  const present = new Uint8Array(variable.rowCount);
  if (variable.codes) {
    const codes = variable.codes;
    for (let i = 0; i < codes.length; i++) present[i] = codes[i]! >= 0 ? 1 : 0;
  } else {
    const values = variable.numeric!;
    for (let i = 0; i < values.length; i++) present[i] = values[i]! - values[i]! === 0 ? 1 : 0; // NaN, ±Infinity: 0
  }
  return present;
}

/**
 * Rows where both variables are present, or null when that is every row. `presentB`, b's presenceOf,
 * spares recomputing it when b (the target) is paired with many features.
 */
export function completeRows(a: EngineVariable, b: EngineVariable, presentB?: Uint8Array): Int32Array | null {
  if (a.missingRows === 0 && b.missingRows === 0) return null;
  const presentA = presenceOf(a);
  const present = presentB ?? presenceOf(b);
  const rows = new Int32Array(a.rowCount);
  let count = 0;
  for (let i = 0; i < rows.length; i++) {
    rows[count] = i;
    count += presentA[i]! & present[i]!;
  }
  return rows.slice(0, count);
}

/**
 * For each column of `bs`, the values of `a` and of the column at the rows where both are finite, in row
 * order: picked on the addon's threads where it is built (the JavaScript thread never walks the rows),
 * here otherwise.
 */
export async function pickCompletePairs(a: Float64Array, bs: Float64Array[]): Promise<Array<{ a: Float64Array; b: Float64Array }>> {
  const loaded = loadAddon();
  if (bs.length > 0 && !('error' in loaded) && typeof loaded.addon.pickCompleteRows === 'function')
    return loaded.addon.pickCompleteRows(a, bs);
  return bs.map((b) => {
    const rows: number[] = [];
    for (let i = 0; i < a.length; i++) if (a[i]! - a[i]! === 0 && b[i]! - b[i]! === 0) rows.push(i);
    return { a: Float64Array.from(rows, (row) => a[row]!), b: Float64Array.from(rows, (row) => b[row]!) };
  });
}

/** A column as pickCompleteCodePairs takes it: numbers (missing where not finite) or codes (missing where < 0). */
export type PickableColumn = Float64Array | Int32Array;

/**
 * pickCompletePairs for pairs where either side may be discrete codes (Ross and plug-in pairs): the rows
 * where both are present, each output of its input's type; with `dense`, the picked codes renumbered in
 * order of first appearance (denseCodes). On the addon's threads where it is built, here otherwise (the
 * same values).
 */
export async function pickCompleteCodePairs<A extends PickableColumn, B extends PickableColumn>(
  a: A,
  bs: B[],
  dense: boolean,
): Promise<Array<{ a: A; b: B }>> {
  const loaded = loadAddon();
  if (bs.length > 0 && !('error' in loaded) && typeof loaded.addon.pickCompleteCodeRows === 'function')
    return loaded.addon.pickCompleteCodeRows(a, bs, dense);
  const present = (column: PickableColumn, i: number): boolean =>
    column instanceof Int32Array ? column[i]! >= 0 : column[i]! - column[i]! === 0;
  const picked = <C extends PickableColumn>(column: C, rows: Int32Array): C => {
    if (column instanceof Int32Array) {
      const codes = pickCodes(column, rows);
      return (dense ? denseCodes(codes) : codes) as C;
    }
    return pickFloat(column as Float64Array, rows) as C;
  };
  return bs.map((b) => {
    const rows: number[] = [];
    for (let i = 0; i < a.length; i++) if (present(a, i) && present(b, i)) rows.push(i);
    const picks = Int32Array.from(rows);
    return { a: picked(a, picks), b: picked(b, picks) };
  });
}

export function pickFloat(values: Float64Array, rows: Int32Array | null): Float64Array {
  if (!rows) return values;
  const result = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) result[i] = values[rows[i]!]!;
  return result;
}

export function pickCodes(codes: Int32Array, rows: Int32Array | null): Int32Array {
  if (!rows) return codes;
  const result = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) result[i] = codes[rows[i]!]!;
  return result;
}

/** Codes renumbered densely (needed after dropping rows, so label counts stay meaningful). */
export function denseCodes(codes: Int32Array): Int32Array {
  return compactCodes(codes).codes;
}
