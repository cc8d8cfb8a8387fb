// Reference similarity kernel: inner products of queries against a stored f32, f16 or int8+scale matrix,
// with a fused top-k per query kept in a bounded heap (never a full sort of the scores). Accumulates in
// float64, so native backends (float32 accumulators) agree with it within a relative tolerance.
import { outOfRange } from '../../api/errors.js';
import type { TopKResult, VectorStore } from '../kernels.js';

let f16Table: Float32Array | undefined;

/** IEEE 754 binary16 → float32, exact, including subnormals, infinities and NaN. */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** All 65,536 half-precision values decoded once; a lookup per element afterwards. */
export function f16DecodeTable(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65_536);
    for (let bits = 0; bits < 65_536; bits++) f16Table[bits] = f16ToF32(bits);
  }
  return f16Table;
}

/**
 * Keeps the k best (score, index) pairs seen so far in a min-heap whose root is the worst kept pair.
 * "Better" means a higher score, or the same score and a lower index, so results are deterministic.
 */
export class TopKHeap {
  readonly scores: Float64Array;
  readonly indices: Int32Array;
  size = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.indices = new Int32Array(k);
  }

  private static worse(scoreA: number, indexA: number, scoreB: number, indexB: number): boolean {
    return scoreA < scoreB || (scoreA === scoreB && indexA > indexB);
  }

  push(score: number, index: number): void {
    const { scores, indices, k } = this;
    if (this.size < k) {
      let child = this.size++;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (!TopKHeap.worse(score, index, scores[parent]!, indices[parent]!)) break;
        scores[child] = scores[parent]!;
        indices[child] = indices[parent]!;
        child = parent;
      }
      scores[child] = score;
      indices[child] = index;
      return;
    }
    if (!TopKHeap.worse(scores[0]!, indices[0]!, score, index)) return;
    let parent = 0;
    for (;;) {
      let child = 2 * parent + 1;
      if (child >= k) break;
      if (child + 1 < k && TopKHeap.worse(scores[child + 1]!, indices[child + 1]!, scores[child]!, indices[child]!)) child++;
      if (!TopKHeap.worse(scores[child]!, indices[child]!, score, index)) break;
      scores[parent] = scores[child]!;
      indices[parent] = indices[child]!;
      parent = child;
    }
    scores[parent] = score;
    indices[parent] = index;
  }

  /** Writes the kept pairs best first into the output rows, padding with index -1 and score -Infinity. */
  drainInto(scoresOut: Float32Array, indicesOut: Int32Array, offset: number): void {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => this.scores[b]! - this.scores[a]! || this.indices[a]! - this.indices[b]!);
    for (let rank = 0; rank < this.k; rank++) {
      if (rank < order.length) {
        scoresOut[offset + rank] = this.scores[order[rank]!]!;
        indicesOut[offset + rank] = this.indices[order[rank]!]!;
      } else {
        scoresOut[offset + rank] = -Infinity;
        indicesOut[offset + rank] = -1;
      }
    }
  }
}

/** The error every backend reports when a score is NaN (NaN in the store, or infinities that cancel). */
export function nanScoreError(query: number, row: number): RangeError {
  return outOfRange(
    `the score of query ${query} against stored row ${row}`,
    'a number (the store holds NaN, or infinities that cancel)',
    NaN,
  );
}

/** Assumes validated arguments (see ../validate.ts). */
export function similarityTopKReference(queries: Float32Array, queryCount: number, store: VectorStore, k: number): TopKResult {
  const { count, dimension } = store;
  const heaps = Array.from({ length: queryCount }, () => new TopKHeap(k));
  const row = new Float64Array(dimension);
  const table = store.dtype === 'f16' ? f16DecodeTable() : undefined;
  for (let item = 0; item < count; item++) {
    const base = item * dimension;
    if (store.dtype === 'f32') {
      for (let d = 0; d < dimension; d++) row[d] = store.data[base + d]!;
    } else if (store.dtype === 'f16') {
      for (let d = 0; d < dimension; d++) row[d] = table![store.data[base + d]!]!;
    } else {
      const scale = store.scales[item]!;
      for (let d = 0; d < dimension; d++) row[d] = store.data[base + d]! * scale;
    }
    for (let query = 0; query < queryCount; query++) {
      const queryBase = query * dimension;
      let score = 0;
      for (let d = 0; d < dimension; d++) score += queries[queryBase + d]! * row[d]!;
      if (score !== score) throw nanScoreError(query, item);
      heaps[query]!.push(Math.fround(score), item);
    }
  }
  const indices = new Int32Array(queryCount * k);
  const scores = new Float32Array(queryCount * k);
  heaps.forEach((heap, query) => heap.drainInto(scores, indices, query * k));
  return { k, queryCount, indices, scores };
}
