// The pure-TypeScript compute backend: every kernel's reference implementation behind the
// ComputeBackend contract. Used when the native addon is missing, and by the tests as the yardstick
// every native backend must match. Work runs on the calling thread after a macrotask break.
import type {
  ComputeBackend,
  CorrelationMeasures,
  FrenzelPompeCounts,
  KsgCounts,
  RossCounts,
  TopKResult,
  VectorIndex,
  VectorStore,
} from '../kernels.js';
import {
  validateCorrelationArguments,
  validateFrenzelPompeArguments,
  validateJointHistogramArguments,
  validateKsgArguments,
  validateLogSumExpArguments,
  validateRossArguments,
  validateSimilarityArguments,
  validateVectorStore,
} from '../validate.js';
import { correlationsReference } from './correlations.js';
import { frenzelPompeCountsReference } from './frenzel-pompe-counts.js';
import { jointHistogramReference } from './joint-histogram.js';
import { ksgCountsReference } from './ksg-counts.js';
import { logSumExpReference } from './log-sum-exp.js';
import { rossCountsReference } from './ross-counts.js';
import { similarityTopKReference } from './similarity-topk.js';
import { ReferenceVectorIndex } from './vector-index.js';

/** Lets pending I/O callbacks run before a long synchronous kernel starts. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function createReferenceBackend(): ComputeBackend {
  return {
    name: 'typescript',
    capabilities: { similarityDtypes: ['f32', 'f16', 'int8'], unifiedMemory: true, threads: 1 },

    async similarityTopK(queries: Float32Array, queryCount: number, store: VectorStore, k: number): Promise<TopKResult> {
      validateSimilarityArguments(queries, queryCount, store, k);
      await yieldToEventLoop();
      return similarityTopKReference(queries, queryCount, store, k);
    },

    async createVectorIndex(store: VectorStore): Promise<VectorIndex> {
      validateVectorStore(store);
      return new ReferenceVectorIndex(store, yieldToEventLoop);
    },

    async logSumExp(matrix: Float32Array, rows: number, columns: number, axis: 'rows' | 'columns'): Promise<Float64Array> {
      validateLogSumExpArguments(matrix, rows, columns, axis);
      await yieldToEventLoop();
      return logSumExpReference(matrix, rows, columns, axis);
    },

    async ksgCounts(target: Float64Array, features: readonly Float64Array[], k: number): Promise<KsgCounts[]> {
      validateKsgArguments(target, features, k);
      await yieldToEventLoop();
      return ksgCountsReference(target, features, k);
    },

    async rossCounts(labels: Int32Array, features: readonly Float64Array[], k: number): Promise<RossCounts[]> {
      validateRossArguments(labels, features, k);
      await yieldToEventLoop();
      return rossCountsReference(labels, features, k);
    },

    async frenzelPompeCounts(
      target: Float64Array,
      given: readonly Float64Array[],
      features: readonly Float64Array[],
      k: number,
    ): Promise<FrenzelPompeCounts[]> {
      validateFrenzelPompeArguments(target, given, features, k);
      await yieldToEventLoop();
      return frenzelPompeCountsReference(target, given, features, k);
    },

    async correlations(target: Float64Array, features: readonly Float64Array[]): Promise<CorrelationMeasures[]> {
      validateCorrelationArguments(target, features);
      await yieldToEventLoop();
      return correlationsReference(target, features);
    },

    async jointHistogram(a: Int32Array, b: Int32Array, aLevels: number, bLevels: number): Promise<Float64Array> {
      validateJointHistogramArguments(a, b, aLevels, bLevels);
      await yieldToEventLoop();
      return jointHistogramReference(a, b, aLevels, bLevels);
    },
  };
}
