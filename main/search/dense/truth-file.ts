// The ground truth of an evaluation on embeddings made elsewhere (scripts/eval/rank-eval.mjs), and the
// removal of true items that turns matching queries into queries with no match. Real data sets have
// several true items per query (MS-COCO: five captions per image, so an image query has five true
// captions) and queries whose true items are absent; both are read here.
//
// Truth file formats (one entry per query row of --queries, in order):
// - JSON (.json): an array; each entry is an item row (integer ≥ 0), an array of item rows (several true
//   items), or −1, null or [] (no true item in the collection).
// - .npy of integers (int8…int64, uint8…uint64): 1-D, one item row per query (−1: none), or 2-D
//   (queries × m), each row the query's true items padded with −1.
// Item rows count from 0 in --items. An entry out of range is refused, naming the file and the query.
import { readFileSync } from 'node:fs';
import { parse } from 'npyjs';
import { invalidArgument, unreadable } from '../../api/errors.js';
import type { Float32Rows } from './hub-correction.js';

/** Per query, its true items (rows of the collection); empty for a query with no true item. */
export type QueryTruth = number[][];

const INTEGER_DTYPES = new Set(['i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8']);

function checkedRow(value: unknown, file: string, query: number, itemCount: number): number | null {
  if (value === null || value === -1) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -1 || value >= itemCount)
    throw invalidArgument(
      `${file}: query ${query} names item ${JSON.stringify(value)}, but items are rows 0 to ${itemCount - 1} (−1 or null: none)`,
      { path: file, query },
    );
  return value;
}

function fromJson(text: string, file: string, itemCount: number): QueryTruth {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidArgument(`${file} is not valid JSON: ${(error as Error).message}`, { path: file });
  }
  if (!Array.isArray(parsed)) throw invalidArgument(`${file}: expected a JSON array with one entry per query`, { path: file });
  return parsed.map((entry: unknown, query) => {
    const rows = Array.isArray(entry) ? entry : [entry];
    return [...new Set(rows.map((row: unknown) => checkedRow(row, file, query, itemCount)).filter((row) => row !== null))];
  });
}

function fromNpy(bytes: Buffer, file: string, itemCount: number): QueryTruth {
  let array: ReturnType<typeof parse>;
  try {
    array = parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (error) {
    throw invalidArgument(`${file} is not a readable .npy file: ${(error as Error).message}`, { path: file });
  }
  if (!INTEGER_DTYPES.has(array.dtype))
    throw invalidArgument(`${file} holds ${array.dtype} values; expected integer item rows (−1: none)`, { path: file });
  if (array.shape.length !== 1 && array.shape.length !== 2)
    throw invalidArgument(
      `${file} has shape (${array.shape.join(', ')}); expected 1-D (one item per query) or 2-D (queries × m, −1 padding)`,
      {
        path: file,
      },
    );
  const queries = array.shape[0]!;
  const width = array.shape.length === 2 ? array.shape[1]! : 1;
  const data = array.data as unknown as ArrayLike<number | bigint>;
  const truth: QueryTruth = [];
  for (let query = 0; query < queries; query++) {
    const rows = new Set<number>();
    for (let j = 0; j < width; j++) {
      const at = array.fortranOrder ? j * queries + query : query * width + j;
      const row = checkedRow(Number(data[at]!), file, query, itemCount);
      if (row !== null) rows.add(row);
    }
    truth.push([...rows]);
  }
  return truth;
}

/** Reads a truth file (formats in the module comment) for `queryCount` queries over `itemCount` items. */
export function readTruthFile(file: string, queryCount: number, itemCount: number): QueryTruth {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw unreadable(file, (error as Error).message);
  }
  const truth = file.toLowerCase().endsWith('.json') ? fromJson(bytes.toString('utf8'), file, itemCount) : fromNpy(bytes, file, itemCount);
  if (truth.length !== queryCount)
    throw invalidArgument(`${file} has ${truth.length} entries for ${queryCount} queries (one entry per query row)`, { path: file });
  return truth;
}

/** What is taken out of the collection to make queries without a match. */
export type RemovalUnit = 'items' | 'queries';

/** A seeded uniform draw in [0, 1). */
export interface UniformSource {
  nextFloat(): number;
}

/**
 * Removes true items from the collection so that some queries lose every true item (their truth becomes
 * empty: the no-match queries); the others keep their remaining items, renumbered. `items`: each distinct
 * true item is removed with probability `share` (text → image: a removed image takes all its captions'
 * matches). `queries`: each query with true items is chosen with probability `share` and all its true
 * items are removed (image → text with five captions each: a chosen image loses all five).
 */
export function removeTrueItems(
  items: Float32Rows,
  truth: QueryTruth,
  share: number,
  unit: RemovalUnit,
  random: UniformSource,
): { items: Float32Rows; truth: QueryTruth; removed: number } {
  const removed = new Set<number>();
  if (unit === 'items') {
    const queried = [...new Set(truth.flat())].sort((a, b) => a - b);
    for (const item of queried) if (random.nextFloat() < share) removed.add(item);
  } else {
    for (const rows of truth) if (rows.length > 0 && random.nextFloat() < share) for (const item of rows) removed.add(item);
  }
  const renumber = new Int32Array(items.count).fill(-1);
  let kept = 0;
  for (let item = 0; item < items.count; item++) if (!removed.has(item)) renumber[item] = kept++;
  const data = new Float32Array(kept * items.dimension);
  for (let item = 0; item < items.count; item++) {
    const row = renumber[item]!;
    if (row >= 0) data.set(items.data.subarray(item * items.dimension, (item + 1) * items.dimension), row * items.dimension);
  }
  return {
    items: { data, count: kept, dimension: items.dimension },
    truth: truth.map((rows) => rows.filter((item) => renumber[item]! >= 0).map((item) => renumber[item]!)),
    removed: removed.size,
  };
}
