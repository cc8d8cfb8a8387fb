// Reference of the fused PMI pass (VectorIndex.searchLogits, see LogitTransform in ../kernels.ts): the
// top k by logit z = scale · (query · row) − offset, and per query log Σ exp z, Σ z and Σ z² over every
// stored row, in one streaming pass. Inner products accumulate in float64 and are rounded to float32
// as the similarity reference does; the logit is then formed in float64 and rounded to float32, so
// native backends (float32 arithmetic) agree within a relative tolerance.
import type { LogitTopKResult, LogitTransform, VectorStore } from '../kernels.js';
import { logSumExpFinish, logSumExpStep } from './log-sum-exp.js';
import { f16DecodeTable, nanScoreError, TopKHeap } from './similarity-topk.js';

/** Assumes validated arguments (see ../validate.ts). */
export function similarityLogitsReference(
  queries: Float32Array,
  queryCount: number,
  store: VectorStore,
  k: number,
  transform: LogitTransform,
): LogitTopKResult {
  const { count, dimension } = store;
  const scale = Math.fround(transform.scale);
  const offsets = transform.offsets;
  const heaps = Array.from({ length: queryCount }, () => new TopKHeap(k));
  const state = new Float64Array(2 * queryCount);
  for (let query = 0; query < queryCount; query++) state[2 * query] = -Infinity;
  const sum = new Float64Array(queryCount);
  const sumSquares = new Float64Array(queryCount);
  const row = new Float64Array(dimension);
  const table = store.dtype === 'f16' ? f16DecodeTable() : undefined;
  for (let item = 0; item < count; item++) {
    const base = item * dimension;
    if (store.dtype === 'f32') {
      for (let d = 0; d < dimension; d++) row[d] = store.data[base + d]!;
    } else if (store.dtype === 'f16') {
      for (let d = 0; d < dimension; d++) row[d] = table![store.data[base + d]!]!;
    } else {
      const rowScale = store.scales[item]!;
      for (let d = 0; d < dimension; d++) row[d] = store.data[base + d]! * rowScale;
    }
    const offset = offsets ? offsets[item]! : 0;
    for (let query = 0; query < queryCount; query++) {
      const queryBase = query * dimension;
      let score = 0;
      for (let d = 0; d < dimension; d++) score += queries[queryBase + d]! * row[d]!;
      if (score !== score) throw nanScoreError(query, item);
      const logit = Math.fround(scale * Math.fround(score) - offset);
      heaps[query]!.push(logit, item);
      logSumExpStep(state, 2 * query, logit);
      sum[query] = sum[query]! + logit;
      sumSquares[query] = sumSquares[query]! + logit * logit;
    }
  }
  const indices = new Int32Array(queryCount * k);
  const scores = new Float32Array(queryCount * k);
  heaps.forEach((heap, query) => heap.drainInto(scores, indices, query * k));
  const logSumExp = new Float64Array(queryCount);
  for (let query = 0; query < queryCount; query++) logSumExp[query] = logSumExpFinish(state[2 * query]!, state[2 * query + 1]!);
  return { k, queryCount, indices, scores, logSumExp, sum, sumSquares };
}
