// The contract every compute backend fulfils: the native addon's CPU, CUDA and Metal backends and the
// pure-TypeScript reference. Callers use `getCompute()` from ./index.ts, never a backend directly.
//
// Conventions: matrices are row-major; every kernel validates its arguments (TypeError / RangeError
// naming the argument and the value received) before any work; results are new typed arrays; kernels
// are asynchronous so that no heavy loop runs on the event loop.

export type BackendName = 'cpu' | 'cuda' | 'metal' | 'typescript';

/** Stored embeddings, one row per item. int8 rows are dequantised as value * scales[row]. */
export type VectorStore =
  | { dtype: 'f32'; data: Float32Array; count: number; dimension: number }
  | { dtype: 'f16'; data: Uint16Array; count: number; dimension: number }
  | { dtype: 'int8'; data: Int8Array; scales: Float32Array; count: number; dimension: number };

/** Top-k inner-product scores per query, best first. Rows with fewer than k items are padded with index -1. */
export interface TopKResult {
  k: number;
  queryCount: number;
  /** queryCount × k item indices into the store. */
  indices: Int32Array;
  /** queryCount × k inner products, descending within each query. */
  scores: Float32Array;
}

/**
 * The fused PMI pass of a resident index (VectorIndex.searchLogits): each stored row i gets the logit
 * z_i = scale · (query · row_i) − offsets[i] (offsets absent: 0), the top k are selected by z, and over
 * every row the same pass accumulates log Σ exp z, Σ z and Σ z² per query. With a model's logit scale and
 * an item-side correction as offsets, PMI(q; x) = z_x − logSumExp + ln(count): one read of the store
 * gives the ranking, the softmax normaliser and the background's moments.
 */
export interface LogitTransform {
  /** Multiplies every inner product; positive and finite (a CLIP model's logit scale, e.g. 100). */
  scale: number;
  /** One finite value per stored row, subtracted from its logit; absent for none. */
  offsets?: Float32Array;
}

export interface LogitTopKResult extends TopKResult {
  /** queryCount × k logits z (not inner products), descending within each query. */
  scores: Float32Array;
  /** Per query: log Σ_i exp z_i over every stored row (natural log; −Infinity for an empty store). */
  logSumExp: Float64Array;
  /** Per query: Σ_i z_i and Σ_i z_i² over every stored row (the background's moments). */
  sum: Float64Array;
  sumSquares: Float64Array;
}

/**
 * Where a VectorIndex keeps the stored vectors:
 * - 'shared': it reads the caller's arrays in place, no copy (CPU, TypeScript; Metal when the arrays are
 *   page-aligned and wrap without a copy);
 * - 'copy': one host copy made at creation (Metal, when the arrays could not be wrapped);
 * - 'device': uploaded once into device memory at creation (CUDA; cudaMalloc, not managed memory).
 */
export type VectorIndexResidency = 'shared' | 'copy' | 'device';

/**
 * One vector store made resident on a backend, for many queries against the same vectors: the stored
 * rows are wrapped or uploaded once, at creation, and each search copies only its queries and results.
 * (`similarityTopK` on a GPU backend moves the whole store on every call.)
 *
 * Ownership: the index reads `store.data` (and `store.scales`) for as long as it lives. The caller must
 * not mutate, transfer (detach) or resize those arrays until `dispose()`; what a search sees after such a
 * change is undefined by contract (an index with residency 'shared' reads the new values, a 'copy' or
 * 'device' index does not), except that a search refuses an array found detached or resized, rather than
 * reading freed memory. Native indexes keep the caller's arrays referenced while residency is 'shared'.
 *
 * Lifetime: `dispose()` frees the backend's memory (device memory on CUDA) once the searches already
 * running have finished; it is idempotent, and `search` on a disposed index rejects with an Error whose
 * message is DISPOSED_VECTOR_INDEX_MESSAGE (./validate.ts, re-exported by ./index.ts). An index that is garbage-collected without `dispose()` is freed then, but
 * device memory is scarce: dispose indexes explicitly.
 */
export interface VectorIndex {
  readonly backend: BackendName;
  /** Stored rows (store.count at creation). */
  readonly count: number;
  /** Values per row (store.dimension at creation). */
  readonly dimension: number;
  readonly dtype: VectorStore['dtype'];
  readonly residency: VectorIndexResidency;
  /** True once dispose() was called. */
  readonly disposed: boolean;
  /**
   * `similarityTopK(queries, queryCount, store, k)` against the resident store: the same validation,
   * results, ordering (ties by lower index), padding (index -1, score -Infinity) and NaN-score error.
   */
  search(queries: Float32Array, queryCount: number, k: number): Promise<TopKResult>;
  /**
   * The fused PMI pass (see LogitTransform): `search`'s validation, ordering (by logit, ties by lower
   * index), padding and NaN-score error, plus the per-query log-sum-exp and moments of every logit.
   */
  searchLogits(queries: Float32Array, queryCount: number, k: number, transform: LogitTransform): Promise<LogitTopKResult>;
  /** Releases the resident store (after the searches in flight finish). Safe to call more than once. */
  dispose(): void;
}

/**
 * Per-point neighbour counts of the KSG estimator (Kraskov et al. 2004, estimator 1) for one feature x
 * against the shared target y, exactly as scikit-learn computes them:
 * eps_i = distance to the k-th nearest neighbour of point i in the joint (x, y) space, Chebyshev metric,
 * the point itself excluded; countX_i = #{j ≠ i : |x_j − x_i| < eps_i}; countY_i likewise for y.
 * I(X;Y) = ψ(n) + ψ(k) − mean(ψ(countX + 1) + ψ(countY + 1)).
 *
 * When eps_i = 0 (k or more exact duplicates of point i) the strict counts are 0. (scikit-learn itself
 * would count the x- or y-duplicates there, since nextafter(0, 0) = 0; its estimator jitters the data
 * with tiny noise first, so the case does not arise in it.)
 */
/** How ksgCounts may answer: `counts: false` allows empty count arrays beside the digamma means. */
export interface KsgCountOptions {
  counts?: boolean;
}

export interface KsgCounts {
  countX: Int32Array;
  countY: Int32Array;
  /**
   * Mean of ψ(countX + 1) and of ψ(countY + 1), when the backend computed them beside the counts (the
   * native addon does, on its worker threads); the estimator computes them from the counts otherwise.
   */
  meanDigammaX?: number;
  meanDigammaY?: number;
}

/** KsgCounts of one pair on its complete rows (ksgCountsOnCompleteRows): how many rows it kept. */
export interface KsgCompleteRowsCounts extends KsgCounts {
  rows: number;
}

/**
 * Per-point counts of Ross's (2014) estimator for a continuous x and discrete labels, as scikit-learn:
 * for a point whose label occurs labelCount_i > 1 times, k_i = min(k, labelCount_i − 1), d_i = distance
 * to its k_i-th nearest neighbour among points with the same label, and neighbourCount_i = the number of
 * points of any label (itself included) with |x_j − x_i| < d_i. Points whose label is unique get
 * labelCount 1, kUsed 0 and neighbourCount 0; the estimator drops them.
 * I(X;L) = ψ(n') + mean ψ(k_i) − mean ψ(labelCount_i) − mean ψ(neighbourCount_i), over the n' kept points.
 *
 * Precisely as scikit-learn counts them: neighbourCount_i runs over the kept points only (those whose
 * label is not unique), and "< d_i" is scikit-learn's "≤ nextafter(d_i, 0)", so when d_i = 0 it counts
 * the kept points equal to x_i, the point itself included (never 0 for a kept point).
 */
export interface RossCounts {
  neighbourCount: Int32Array;
  kUsed: Int32Array;
  labelCount: Int32Array;
}

// ---- conditional MI ----

/**
 * Per-point neighbour counts of the Frenzel–Pompe (2007) conditional MI estimator, the KSG-1
 * construction conditioned on Z, for one feature x against the shared target y given the columns z:
 * eps_i = Chebyshev distance from point i to its k-th nearest other point in the joint (x, y, z) space;
 * countXZ_i = #{j ≠ i : |x_j − x_i| < eps_i and |z_j − z_i| < eps_i in every z column}; countYZ_i likewise
 * with y; countZ_i with z alone. All three are 0 when eps_i = 0 (k or more duplicates of point i).
 * I(X;Y|Z) = ψ(k) − (mean ψ(countXZ + 1) + mean ψ(countYZ + 1)) + mean ψ(countZ + 1).
 * The counts are symmetric in x and y, so a caller may pass a feature as `target` and shuffles of the
 * target as `features` (conditional permutations): what does not depend on the features (the (y, z)
 * and z structures) is built once per call.
 */
export interface FrenzelPompeCounts {
  countXZ: Int32Array;
  countYZ: Int32Array;
  countZ: Int32Array;
  /** Means of ψ(count + 1), when the backend computed them beside the counts (the native addon does). */
  meanDigammaXZ?: number;
  meanDigammaYZ?: number;
  meanDigammaZ?: number;
}

/** Dependence measures of one feature against the target; null where undefined (n < 2 or no spread). */
export interface CorrelationMeasures {
  pearson: number | null;
  /** Pearson of the average ranks (ties share the mean of their positions). */
  spearman: number | null;
  /** Distance correlation (Székely et al. 2007), V-statistic form, in [0, 1]. */
  dcor: number | null;
}

/** CorrelationMeasures of one pair on its complete rows (correlationsOnCompleteRows): how many rows it kept. */
export interface CompleteRowsCorrelations extends CorrelationMeasures {
  rows: number;
}

export interface BackendCapabilities {
  /** Dtypes the similarity kernel accepts natively. */
  similarityDtypes: ReadonlyArray<VectorStore['dtype']>;
  /** True where buffers are shared between CPU and accelerator without copies (Apple unified memory). */
  unifiedMemory: boolean;
  threads: number;
}

export interface ComputeBackend {
  readonly name: BackendName;
  readonly capabilities: BackendCapabilities;

  /** Scores `queryCount` queries (row-major, `store.dimension` wide) against every stored row; fused top-k. */
  similarityTopK(queries: Float32Array, queryCount: number, store: VectorStore, k: number): Promise<TopKResult>;

  /**
   * Makes `store` resident on this backend for repeated `search` calls (see VectorIndex for ownership):
   * validates it as similarityTopK does, then wraps it (CPU, Metal, TypeScript) or uploads it once (CUDA).
   */
  createVectorIndex(store: VectorStore): Promise<VectorIndex>;

  /**
   * Numerically stable log Σ exp over each row (axis 'rows': one value per row) or each column
   * (axis 'columns': one value per column) of a rows × columns matrix. Natural logarithm.
   */
  logSumExp(matrix: Float32Array, rows: number, columns: number, axis: 'rows' | 'columns'): Promise<Float64Array>;

  /**
   * KSG counts of each feature against one target; every array has the target's length. NaN is rejected.
   * With `options.counts` false the caller reads only meanDigammaX / meanDigammaY: a backend that computes
   * them may return empty count arrays (the native addon does, and frees its counts when the call ends
   * instead of leaving 8 bytes a row a feature to the garbage collector); others return the counts.
   */
  ksgCounts(target: Float64Array, features: readonly Float64Array[], k: number, options?: KsgCountOptions): Promise<KsgCounts[]>;

  /**
   * KSG counts of pairs with missing cells (optional: the native backends have it, computed on the CPU;
   * callers pick each pair's complete rows and call ksgCounts otherwise). Columns hold NaN or ±Infinity
   * where a cell is missing; each feature is scored on the rows where it and the target are both finite:
   * its `rows`, and counts for those rows in row order, exactly what ksgCounts gives on the pair picked
   * out first (empty counts, no means, when rows ≤ k). The target is sorted once for all the features.
   */
  ksgCountsOnCompleteRows?(target: Float64Array, features: readonly Float64Array[], k: number): Promise<KsgCompleteRowsCounts[]>;

  /**
   * Permutation tests of KSG (optional: the native backends have it, computed on the CPU; callers fall
   * back to ksgCounts on shuffled copies). For each seed s, the target shuffled as main/mi/random.ts's
   * `new SeededRandom(s).shuffle(Float64Array.from(target))` shuffles it; resolves to 2 · seeds.length ·
   * features.length means, for shuffle s and feature f at 2(s · F + f): mean ψ(countX + 1) and mean
   * ψ(countY + 1), exactly what ksgCounts gives on that shuffled target. The sorts are done once for all
   * the shuffles. Resolves to null when `signal` aborted while it ran (the kernel polls between tasks).
   */
  ksgPermutationMeans?(
    target: Float64Array,
    features: readonly Float64Array[],
    k: number,
    seeds: Uint32Array,
    signal?: AbortSignal,
  ): Promise<Float64Array | null>;

  /** Ross counts of each continuous feature against one labelled target (integer codes ≥ 0). */
  rossCounts(labels: Int32Array, features: readonly Float64Array[], k: number): Promise<RossCounts[]>;

  /**
   * Pearson, Spearman and distance correlation of each feature with the target, exactly (bit for bit) as
   * ./reference/correlations.ts computes them; every array has the target's length and only finite
   * values. The native backends all run this on the CPU (it is O(n log n) and memory-bound).
   */
  correlations(target: Float64Array, features: readonly Float64Array[]): Promise<CorrelationMeasures[]>;

  /**
   * Correlations of pairs with missing cells (optional: the native backends have it, on the CPU; callers
   * pick each pair's complete rows and call correlations otherwise). Columns hold NaN or ±Infinity where
   * a cell is missing; each feature's measures are those correlations gives on the rows where it and the
   * target are both finite (its `rows`), bit for bit. The target is sorted once for all the features.
   */
  correlationsOnCompleteRows?(target: Float64Array, features: readonly Float64Array[]): Promise<CompleteRowsCorrelations[]>;

  /**
   * Frenzel–Pompe counts of each feature against one target given 1 to MAX_GIVEN_COLUMNS (./validate.ts: 4) conditioning
   * columns; every array has the target's length and only finite values; 1 ≤ k ≤ n − 1 (with features).
   * The native backends all run this on the CPU (tree searches). Counts equal the reference exactly.
   */
  frenzelPompeCounts(
    target: Float64Array,
    given: readonly Float64Array[],
    features: readonly Float64Array[],
    k: number,
  ): Promise<FrenzelPompeCounts[]>;

  /** Joint histogram of two code arrays: counts[a * bLevels + b]. Codes must lie in [0, levels). */
  jointHistogram(a: Int32Array, b: Int32Array, aLevels: number, bLevels: number): Promise<Float64Array>;
}

/** What the registry knows about one backend, for `milens backends` and `milens doctor`. */
export interface BackendStatus {
  name: BackendName;
  /** Compiled into the addon (always true for 'typescript'). */
  built: boolean;
  /** Initialised successfully on this machine. */
  available: boolean;
  /** Device description when available, e.g. "NVIDIA H200" or "Apple M3 Pro". */
  device?: string;
  /** Why it is not built or not available. */
  reason?: string;
}
