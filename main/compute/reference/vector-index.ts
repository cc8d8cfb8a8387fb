// The TypeScript backend's resident vector index: it keeps the caller's store (no copy) and answers each
// search with the reference top-k, so it is the yardstick for the native indexes as similarityTopK is
// for theirs. A search already running when dispose() is called finishes on the store it started with.
import type { LogitTopKResult, LogitTransform, TopKResult, VectorIndex, VectorIndexResidency, VectorStore } from '../kernels.js';
import { DISPOSED_VECTOR_INDEX_MESSAGE, requireUnchangedStore, validateIndexSearchArguments, validateLogitTransform } from '../validate.js';
import { similarityLogitsReference } from './similarity-logits.js';
import { similarityTopKReference } from './similarity-topk.js';

export class ReferenceVectorIndex implements VectorIndex {
  readonly backend = 'typescript';
  readonly residency: VectorIndexResidency = 'shared';
  readonly count: number;
  readonly dimension: number;
  readonly dtype: VectorStore['dtype'];
  private store: VectorStore | undefined;

  /** Assumes a validated store (see ../validate.ts validateVectorStore). */
  constructor(
    store: VectorStore,
    private readonly yieldToEventLoop: () => Promise<void>,
  ) {
    this.store = store;
    this.count = store.count;
    this.dimension = store.dimension;
    this.dtype = store.dtype;
  }

  get disposed(): boolean {
    return this.store === undefined;
  }

  async search(queries: Float32Array, queryCount: number, k: number): Promise<TopKResult> {
    const store = this.store;
    if (!store) throw new Error(DISPOSED_VECTOR_INDEX_MESSAGE);
    validateIndexSearchArguments(queries, queryCount, this.dimension, k);
    requireUnchangedStore(store);
    await this.yieldToEventLoop();
    return similarityTopKReference(queries, queryCount, store, k);
  }

  async searchLogits(queries: Float32Array, queryCount: number, k: number, transform: LogitTransform): Promise<LogitTopKResult> {
    const store = this.store;
    if (!store) throw new Error(DISPOSED_VECTOR_INDEX_MESSAGE);
    validateIndexSearchArguments(queries, queryCount, this.dimension, k);
    validateLogitTransform(transform, this.count);
    requireUnchangedStore(store);
    await this.yieldToEventLoop();
    return similarityLogitsReference(queries, queryCount, store, k, transform);
  }

  dispose(): void {
    this.store = undefined;
  }
}
