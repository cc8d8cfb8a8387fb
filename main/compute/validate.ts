// Argument checks shared by every compute backend. Each kernel entry point calls one of these before any
// work, so the TypeScript reference and the native addon reject the same inputs with the same messages
// (the addon repeats the essential checks in C++ so that a direct call can never crash the process).
import { invalidType, outOfRange, requireInteger } from '../api/errors.js';
import type { VectorStore } from './kernels.js';

/** The message of the Error that a search of a disposed VectorIndex rejects with, on every backend. */
export const DISPOSED_VECTOR_INDEX_MESSAGE = 'Cannot search a disposed vector index: create a new one with createVectorIndex(store)';

/** The message of the Error a search rejects with when the store's arrays were detached or resized. */
export const CHANGED_VECTOR_STORE_MESSAGE =
  "Cannot search the vector index: the store's arrays were detached or resized after createVectorIndex(store); " +
  'they must stay unchanged while the index lives';

/** Largest k the similarity kernel accepts (the per-query heaps live in thread-local memory). */
export const MAX_TOP_K = 4096;
/** Largest vector dimension the similarity kernel accepts. */
export const MAX_DIMENSION = 65_536;
/** Largest number of cells in a joint histogram (a Float64Array of 2^26 values is 512 MB). */
export const MAX_HISTOGRAM_CELLS = 1 << 26;

function requireFinite(argument: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    // `value - value` is NaN for NaN and ±Infinity alone: one comparison per element.
    if (value - value !== 0) throw outOfRange(`${argument}[${i}]`, 'a finite number', value);
  }
}

function requireNoNaN(argument: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value !== value) throw outOfRange(`${argument}[${i}]`, 'a number', value);
  }
}

export function validateSimilarityArguments(queries: unknown, queryCount: unknown, store: unknown, k: unknown): void {
  if (!(queries instanceof Float32Array)) throw invalidType('queries', 'a Float32Array', queries);
  requireInteger('queryCount', queryCount, 0);
  validateVectorStore(store);
  requireInteger('k', k, 1, MAX_TOP_K);
  validateQueryValues(queries, queryCount as number, store.dimension);
}

/** The arguments of VectorIndex.search: similarityTopK's checks, against the index's dimension. */
export function validateIndexSearchArguments(queries: unknown, queryCount: unknown, dimension: number, k: unknown): void {
  if (!(queries instanceof Float32Array)) throw invalidType('queries', 'a Float32Array', queries);
  requireInteger('queryCount', queryCount, 0);
  requireInteger('k', k, 1, MAX_TOP_K);
  validateQueryValues(queries, queryCount as number, dimension);
}

function validateQueryValues(queries: Float32Array, queryCount: number, dimension: number): void {
  const expected = queryCount * dimension;
  if (queries.length !== expected) {
    throw outOfRange('queries', `a Float32Array of queryCount × dimension = ${queryCount} × ${dimension} = ${expected} values`, queries);
  }
  requireFinite('queries', queries);
}

export function validateVectorStore(store: unknown): asserts store is VectorStore {
  if (typeof store !== 'object' || store === null) throw invalidType('store', 'a VectorStore object', store);
  const candidate = store as Record<string, unknown>;
  const dtype = candidate.dtype;
  if (dtype !== 'f32' && dtype !== 'f16' && dtype !== 'int8') throw outOfRange('store.dtype', '"f32", "f16" or "int8"', dtype);
  const count = requireInteger('store.count', candidate.count, 0);
  const dimension = requireInteger('store.dimension', candidate.dimension, 1, MAX_DIMENSION);
  const data = candidate.data;
  const expectedType = dtype === 'f32' ? Float32Array : dtype === 'f16' ? Uint16Array : Int8Array;
  if (!(data instanceof expectedType)) throw invalidType('store.data', `a ${expectedType.name} for dtype "${dtype}"`, data);
  const expected = count * dimension;
  if ((data as ArrayLike<number>).length !== expected) {
    throw outOfRange('store.data', `a ${expectedType.name} of count × dimension = ${count} × ${dimension} = ${expected} values`, data);
  }
  if (dtype === 'int8') {
    const scales = candidate.scales;
    if (!(scales instanceof Float32Array)) throw invalidType('store.scales', 'a Float32Array', scales);
    if (scales.length !== count) throw outOfRange('store.scales', `a Float32Array of count = ${count} values`, scales);
    requireFinite('store.scales', scales);
  }
}

/** Refuses a store whose arrays no longer hold count × dimension values (detached or resized). */
export function requireUnchangedStore(store: VectorStore): void {
  const changed = store.data.length !== store.count * store.dimension || (store.dtype === 'int8' && store.scales.length !== store.count);
  if (changed) throw new Error(CHANGED_VECTOR_STORE_MESSAGE);
}

export function validateLogSumExpArguments(matrix: unknown, rows: unknown, columns: unknown, axis: unknown): void {
  if (!(matrix instanceof Float32Array)) throw invalidType('matrix', 'a Float32Array', matrix);
  requireInteger('rows', rows, 0);
  requireInteger('columns', columns, 0);
  if (axis !== 'rows' && axis !== 'columns') throw outOfRange('axis', '"rows" or "columns"', axis);
  const expected = (rows as number) * (columns as number);
  if (matrix.length !== expected) {
    throw outOfRange('matrix', `a Float32Array of rows × columns = ${rows} × ${columns} = ${expected} values`, matrix);
  }
  requireNoNaN('matrix', matrix);
}

/**
 * Whether the element-wise checks (every value finite) run here. The native addon repeats them in C++
 * with the same messages (native/src/addon.cc), so its façade skips them: scanning millions of values
 * in JavaScript before every kernel call cost several milliseconds a call.
 */
export type ElementChecks = 'check-elements' | 'addon-checks-elements';

function validateFeatures(
  features: unknown,
  length: number,
  elements: ElementChecks = 'check-elements',
): asserts features is readonly Float64Array[] {
  if (!Array.isArray(features)) throw invalidType('features', 'an array of Float64Array', features);
  features.forEach((feature: unknown, index) => {
    if (!(feature instanceof Float64Array)) throw invalidType(`features[${index}]`, 'a Float64Array', feature);
    if (feature.length !== length)
      throw outOfRange(`features[${index}]`, `a Float64Array of ${length} values (the target's length)`, feature);
    if (elements === 'check-elements') requireFinite(`features[${index}]`, feature);
  });
}

/** k must leave k neighbours besides the point itself, so it is at most n − 1. */
function requireNeighbourCount(k: unknown, pointCount: number): void {
  requireInteger('k', k, 1);
  if ((k as number) > pointCount - 1) {
    throw outOfRange('k', `an integer from 1 to ${pointCount - 1} (one less than the number of points)`, k);
  }
}

export function validateKsgArguments(target: unknown, features: unknown, k: unknown, elements: ElementChecks = 'check-elements'): void {
  if (!(target instanceof Float64Array)) throw invalidType('target', 'a Float64Array', target);
  validateFeatures(features, target.length, elements);
  if (elements === 'check-elements') requireFinite('target', target);
  if (features.length === 0) {
    requireInteger('k', k, 1);
    return;
  }
  requireNeighbourCount(k, target.length);
}

/** ksgCountsOnCompleteRows: ksgCounts' checks, but cells may be missing (not finite); k ≥ 1 (a pair with ≤ k rows scores 0). */
export function validateCompleteRowsKsgArguments(target: unknown, features: unknown, k: unknown): void {
  if (!(target instanceof Float64Array)) throw invalidType('target', 'a Float64Array', target);
  validateFeatures(features, target.length, 'addon-checks-elements');
  requireInteger('k', k, 1);
}

/** correlationsOnCompleteRows: correlations' checks, but cells may be missing (not finite). */
export function validateCompleteRowsCorrelationArguments(target: unknown, features: unknown): void {
  if (!(target instanceof Float64Array)) throw invalidType('target', 'a Float64Array', target);
  validateFeatures(features, target.length, 'addon-checks-elements');
}

export function validateCorrelationArguments(target: unknown, features: unknown, elements: ElementChecks = 'check-elements'): void {
  if (!(target instanceof Float64Array)) throw invalidType('target', 'a Float64Array', target);
  validateFeatures(features, target.length, elements);
  if (elements === 'check-elements') requireFinite('target', target);
}

export function validateRossArguments(labels: unknown, features: unknown, k: unknown): void {
  if (!(labels instanceof Int32Array)) throw invalidType('labels', 'an Int32Array', labels);
  validateFeatures(features, labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! < 0) throw outOfRange(`labels[${i}]`, 'an integer code of at least 0', labels[i]);
  }
  // Ross's k is clipped per label (k_i = min(k, labelCount − 1)), so any k ≥ 1 is meaningful.
  requireInteger('k', k, 1);
}

export function validateJointHistogramArguments(a: unknown, b: unknown, aLevels: unknown, bLevels: unknown): void {
  if (!(a instanceof Int32Array)) throw invalidType('a', 'an Int32Array', a);
  if (!(b instanceof Int32Array)) throw invalidType('b', 'an Int32Array', b);
  if (b.length !== a.length) throw outOfRange('b', `an Int32Array of ${a.length} values (the length of a)`, b);
  requireInteger('aLevels', aLevels, 1);
  requireInteger('bLevels', bLevels, 1);
  const cells = (aLevels as number) * (bLevels as number);
  if (cells > MAX_HISTOGRAM_CELLS) {
    throw outOfRange('bLevels', `an integer with aLevels × bLevels at most ${MAX_HISTOGRAM_CELLS} (aLevels is ${aLevels})`, bLevels);
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < 0 || a[i]! >= (aLevels as number)) throw outOfRange(`a[${i}]`, `a code from 0 to ${(aLevels as number) - 1}`, a[i]);
    if (b[i]! < 0 || b[i]! >= (bLevels as number)) throw outOfRange(`b[${i}]`, `a code from 0 to ${(bLevels as number) - 1}`, b[i]);
  }
}

// ---- conditional MI ----

/** The most conditioning columns frenzelPompeCounts takes (native/cpu/cmi.h: kMaxGivenColumns). */
export const MAX_GIVEN_COLUMNS = 4;

/** frenzelPompeCounts: ksgCounts' checks, plus 1 to MAX_GIVEN_COLUMNS conditioning columns of the target's length. */
export function validateFrenzelPompeArguments(
  target: unknown,
  given: unknown,
  features: unknown,
  k: unknown,
  elements: ElementChecks = 'check-elements',
): void {
  if (!(target instanceof Float64Array)) throw invalidType('target', 'a Float64Array', target);
  if (!Array.isArray(given)) throw invalidType('given', 'an array of Float64Array', given);
  if (given.length < 1 || given.length > MAX_GIVEN_COLUMNS)
    throw outOfRange('given', `an array of 1 to ${MAX_GIVEN_COLUMNS} Float64Array`, given);
  given.forEach((column: unknown, index) => {
    if (!(column instanceof Float64Array)) throw invalidType(`given[${index}]`, 'a Float64Array', column);
    if (column.length !== target.length)
      throw outOfRange(`given[${index}]`, `a Float64Array of ${target.length} values (the target's length)`, column);
    if (elements === 'check-elements') requireFinite(`given[${index}]`, column);
  });
  validateKsgArguments(target, features, k, elements);
}

/** The transform of VectorIndex.searchLogits: a positive finite scale, offsets one finite value per stored row. */
export function validateLogitTransform(transform: unknown, count: number): void {
  if (typeof transform !== 'object' || transform === null) throw invalidType('transform', 'a LogitTransform object', transform);
  const { scale, offsets } = transform as Record<string, unknown>;
  if (typeof scale !== 'number') throw invalidType('transform.scale', 'a positive finite number', scale);
  if (!(scale > 0) || !Number.isFinite(scale)) throw outOfRange('transform.scale', 'a positive finite number', scale);
  if (offsets === undefined) return;
  if (!(offsets instanceof Float32Array)) throw invalidType('transform.offsets', 'a Float32Array', offsets);
  if (offsets.length !== count) throw outOfRange('transform.offsets', `a Float32Array of count = ${count} values`, offsets);
  requireFinite('transform.offsets', offsets);
}
