// Loads the native compute addon (built by node-gyp or shipped as a prebuild, found by node-gyp-build
// from the package root) and wraps each of its backends in the ComputeBackend contract. Arguments are
// validated here first, with the product's error messages; the addon checks them again in C++.
// createVectorIndex wraps the addon's VectorIndex objects (native/src/vector_index.cc) the same way.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromNativeArgumentCheck, unavailable } from '../api/errors.js';
import { frenzelPompeCountsReference } from './reference/frenzel-pompe-counts.js';
import type {
  BackendCapabilities,
  BackendName,
  ComputeBackend,
  CompleteRowsCorrelations,
  CorrelationMeasures,
  FrenzelPompeCounts,
  KsgCompleteRowsCounts,
  KsgCountOptions,
  KsgCounts,
  LogitTopKResult,
  LogitTransform,
  RossCounts,
  TopKResult,
  VectorIndex,
  VectorIndexResidency,
  VectorStore,
} from './kernels.js';
import {
  DISPOSED_VECTOR_INDEX_MESSAGE,
  validateCompleteRowsCorrelationArguments,
  validateCompleteRowsKsgArguments,
  validateCorrelationArguments,
  validateFrenzelPompeArguments,
  validateIndexSearchArguments,
  validateJointHistogramArguments,
  validateKsgArguments,
  validateLogSumExpArguments,
  validateLogitTransform,
  validateRossArguments,
  validateSimilarityArguments,
  validateVectorStore,
} from './validate.js';

export type NativeBackendName = Exclude<BackendName, 'typescript'>;

/** Feature f's three measures in the kernels' flat output (NaN where the reference gives null). */
function measuresAt(measures: Float64Array, f: number): CorrelationMeasures {
  const orNull = (value: number): number | null => (value === value ? value : null);
  return { pearson: orNull(measures[3 * f]!), spearman: orNull(measures[3 * f + 1]!), dcor: orNull(measures[3 * f + 2]!) };
}

/** One backend as the addon's registry describes it. */
export interface NativeBackendInfo {
  name: NativeBackendName;
  built: boolean;
  available: boolean;
  device?: string;
  reason?: string;
  threads: number;
  unifiedMemory: boolean;
  similarityDtypes: VectorStore['dtype'][];
}

/** A resident store as the addon's VectorIndex class exposes it (native/src/vector_index.cc). */
export interface NativeVectorIndexHandle {
  readonly backend: NativeBackendName;
  readonly dtype: VectorStore['dtype'];
  readonly count: number;
  readonly dimension: number;
  readonly residency: VectorIndexResidency;
  readonly disposed: boolean;
  search(queries: Float32Array, queryCount: number, k: number): Promise<{ indices: Int32Array; scores: Float32Array }>;
  /** The fused PMI pass (kernels.ts LogitTransform); older builds lack it. */
  searchLogits?(
    queries: Float32Array,
    queryCount: number,
    k: number,
    scale: number,
    offsets: Float32Array | null,
  ): Promise<{ indices: Int32Array; scores: Float32Array; logSumExp: Float64Array; sum: Float64Array; sumSquares: Float64Array }>;
  dispose(): void;
}

/** How scanNumericCsv cut a CSV file: part p holds the lines that start in [cuts[p], cuts[p + 1]). */
export interface NativeCsvPlan {
  size: number;
  cuts: Float64Array;
  rows: Float64Array;
}

/** The functions the addon exports (native/src/addon.cc). Every kernel takes the backend name first. */
/** One column through the native tie rule: prepareContinuous's values, tiedRows and rankFallback. */
export interface NativePreparedColumn {
  values: Float64Array;
  tiedRows: number;
  rankFallback: boolean;
}

export interface NativeAddon {
  backends(): NativeBackendInfo[];
  similarityTopK(
    backend: string,
    queries: Float32Array,
    queryCount: number,
    dtype: string,
    data: Float32Array | Uint16Array | Int8Array,
    scales: Float32Array | null,
    count: number,
    dimension: number,
    k: number,
  ): Promise<{ indices: Int32Array; scores: Float32Array }>;
  logSumExp(backend: string, matrix: Float32Array, rows: number, columns: number, overRows: boolean): Promise<Float64Array>;
  /** `counts` false: the digamma means only, with empty count arrays (ComputeBackend.ksgCounts). */
  ksgCounts(backend: string, target: Float64Array, features: readonly Float64Array[], k: number, counts?: boolean): Promise<KsgCounts[]>;
  rossCounts(backend: string, labels: Int32Array, features: readonly Float64Array[], k: number): Promise<RossCounts[]>;
  /** ComputeBackend.correlationsOnCompleteRows: 3 measures per feature (NaN for null) and each pair's rows. Optional: older builds lack it. */
  correlationsOnCompleteRows?(
    backend: string,
    target: Float64Array,
    features: readonly Float64Array[],
  ): Promise<{ measures: Float64Array; rows: Float64Array }>;
  /** ComputeBackend.ksgCountsOnCompleteRows. Optional: older builds lack it. */
  ksgCountsOnCompleteRows?(
    backend: string,
    target: Float64Array,
    features: readonly Float64Array[],
    k: number,
  ): Promise<KsgCompleteRowsCounts[]>;
  /** ComputeBackend.ksgPermutationMeans; `cancel[0]` set non-zero stops it (resolves to null). Optional: older builds lack it. */
  ksgPermutationMeans?(
    backend: string,
    target: Float64Array,
    features: readonly Float64Array[],
    k: number,
    seeds: Uint32Array,
    cancel: Uint8Array,
  ): Promise<Float64Array | null>;
  /**
   * The MI engine's pairs with missing cells: for each column of `bs`, the values of `a` and of the
   * column at the rows where both are finite, in row order. Not a backend kernel. Optional: older
   * builds lack it.
   */
  pickCompleteRows?(a: Float64Array, bs: Float64Array[]): Promise<Array<{ a: Float64Array; b: Float64Array }>>;
  /**
   * pickCompleteRows for Ross and plug-in pairs: `a` and each column of `bs` numbers (missing where not
   * finite) or Int32Array codes (missing where < 0); outputs keep their input's type, and with `dense` picked
   * codes are renumbered in order of first appearance. Not a backend kernel. Optional: older builds lack it.
   */
  pickCompleteCodeRows?<A extends Float64Array | Int32Array, B extends Float64Array | Int32Array>(
    a: A,
    bs: B[],
    dense: boolean,
  ): Promise<Array<{ a: A; b: B }>>;
  /** Test helper: scratch bytes held by ksgPermutationMeans calls in flight (0 when none runs). Optional: older builds lack it. */
  permutationScratchBytes?(): number;
  /** Conditional MI counts (native/cpu/cmi.cc), with the three digamma means. Optional: older builds lack it. */
  frenzelPompeCounts?(
    backend: string,
    target: Float64Array,
    given: readonly Float64Array[],
    features: readonly Float64Array[],
    k: number,
  ): Promise<FrenzelPompeCounts[]>;
  /**
   * The CSV reader's all-numbers fast path (native/cpu/csv_numbers.cc), first pass: the data lines from
   * `offset` (just past the header line) cut into `parts` parts (0: as the size and threads warrant), each
   * part's non-blank lines counted; null when the file is unreadable, over `maxBytes`, or holds a quote.
   * Optional: older builds lack it.
   */
  scanNumericCsv?(path: string, offset: number, parts: number, maxBytes: number): Promise<NativeCsvPlan | null>;
  /** Bytes both CSV passes have read in this process so far (every call; only rises): load progress. Optional. */
  numericCsvBytesRead?(): number;
  /**
   * Second pass: every data line parsed into `columns` (each as long as the plan's rows added up), a
   * missing cell (empty or a missing word) as NaN; resolves to each column's count of NaNs (of values
   * that are not finite: numbers out of range are declined). Null when a line is not all plain numbers
   * and missing cells or the file no longer matches the plan (the columns are then unspecified).
   */
  parseNumericCsvFile?(path: string, plan: NativeCsvPlan, columns: Float64Array[], delimiter: string): Promise<Float64Array | null>;
  /**
   * The MI engine's tie rule (native/cpu/tie_rule.cc), bit-identical to main/mi/tie-rule.ts: per column,
   * the prepared values with prepareContinuous's tiedRows and rankFallback, or null for a constant
   * column. Optional: older builds lack it. `into` (columns × rows values) is written over instead of
   * allocating the prepared columns anew; the values are views into it.
   */
  prepareContinuous?(columns: Float64Array[], seeds: Uint32Array, into?: Float64Array): Promise<Array<NativePreparedColumn | null>>;
  /** [pearson, spearman, dcor] per feature, NaN for null; computed on the CPU whichever backend is named. */
  correlations(backend: string, target: Float64Array, features: readonly Float64Array[]): Promise<Float64Array>;
  jointHistogram(backend: string, a: Int32Array, b: Int32Array, aLevels: number, bLevels: number): Promise<Float64Array>;
  /** Benchmark helper: a multithreaded sum over every byte of `data`, the floor for any kernel reading it. */
  readBandwidthSum(backend: string, data: ArrayBufferView): Promise<number>;
  createVectorIndex(
    backend: string,
    dtype: string,
    data: Float32Array | Uint16Array | Int8Array,
    scales: Float32Array | null,
    count: number,
    dimension: number,
  ): Promise<NativeVectorIndexHandle>;
  /** Test helper: resident indexes created and not yet freed, over every backend. */
  liveVectorIndexes(): number;
}

/** The contract's VectorIndex over an addon handle: the product's validation messages, then the addon. */
class NativeVectorIndex implements VectorIndex {
  readonly backend: NativeBackendName;
  readonly count: number;
  readonly dimension: number;
  readonly dtype: VectorStore['dtype'];
  readonly residency: VectorIndexResidency;

  constructor(private readonly handle: NativeVectorIndexHandle) {
    this.backend = handle.backend;
    this.count = handle.count;
    this.dimension = handle.dimension;
    this.dtype = handle.dtype;
    this.residency = handle.residency;
  }

  get disposed(): boolean {
    return this.handle.disposed;
  }

  async search(queries: Float32Array, queryCount: number, k: number): Promise<TopKResult> {
    if (this.handle.disposed) throw new Error(DISPOSED_VECTOR_INDEX_MESSAGE);
    validateIndexSearchArguments(queries, queryCount, this.dimension, k);
    const { indices, scores } = await this.handle.search(queries, queryCount, k);
    return { k, queryCount, indices, scores };
  }

  async searchLogits(queries: Float32Array, queryCount: number, k: number, transform: LogitTransform): Promise<LogitTopKResult> {
    if (this.handle.disposed) throw new Error(DISPOSED_VECTOR_INDEX_MESSAGE);
    validateIndexSearchArguments(queries, queryCount, this.dimension, k);
    validateLogitTransform(transform, this.count);
    if (!this.handle.searchLogits) throw unavailable('This build of the native addon has no fused PMI pass (searchLogits): rebuild it');
    const result = await this.handle.searchLogits(queries, queryCount, k, transform.scale, transform.offsets ?? null);
    return { k, queryCount, ...result };
  }

  dispose(): void {
    this.handle.dispose();
  }
}

export type AddonLoadResult = { addon: NativeAddon; root: string; path?: string } | { error: string; root?: string };

/** The directory holding milens's package.json, found by walking up from this module (src or dist). */
/**
 * Calls a binding whose element-wise argument checks run in C++ (the façade skipped them): what it
 * throws synchronously is an argument error, as the same check in ../validate.ts would have made it.
 */
function withArgumentChecks<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (error) {
    throw fromNativeArgumentCheck(error);
  }
}

export function findPackageRoot(start: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let directory = start; ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'milens') return directory;
      } catch {
        // An unreadable package.json on the way up is not ours; keep walking.
      }
    }
    if (dirname(directory) === directory) return undefined;
  }
}

let loaded: AddonLoadResult | undefined;

/**
 * Loads the addon from a package root, uncached; a failure says what was tried and the remedy. A local
 * build (build/Release, node-gyp-build's first choice too) is loaded directly unless node-gyp-build's
 * variables send it elsewhere (MILENS_PREBUILD, PREBUILDS_ONLY): its own module and its search of the
 * folders cost ~3 ms of every CLI start.
 */
export function loadAddonFrom(root: string): AddonLoadResult {
  const require = createRequire(join(root, 'package.json'));
  const localBuild = join(root, 'build', 'Release', 'milens_compute.node');
  const redirected = process.env.MILENS_PREBUILD !== undefined || process.env.PREBUILDS_ONLY !== undefined;
  try {
    if (!redirected && existsSync(localBuild)) return { addon: require(localBuild) as NativeAddon, root, path: localBuild };
  } catch {
    // Let node-gyp-build try (and explain) as it would have.
  }
  try {
    const nodeGypBuild = require('node-gyp-build') as { resolve: (directory: string) => string };
    const path = nodeGypBuild.resolve(root);
    return { addon: require(path) as NativeAddon, root, path };
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    return {
      root,
      error:
        `the native addon did not load (${cause.split('\n')[0]}); node-gyp-build looked in ${join(root, 'build', 'Release')} ` +
        `and ${join(root, 'prebuilds', `${process.platform}-${process.arch}`)}. ` +
        'Build it with `npm run build:native` (needs python3, make and a C++17 compiler) or install a release with prebuilds.',
    };
  }
}

/** Loads the addon once from milens's package root; the outcome is kept for listBackends(). */
export function loadAddon(): AddonLoadResult {
  if (loaded) return loaded;
  const root = findPackageRoot();
  loaded = root
    ? loadAddonFrom(root)
    : { error: `the milens package root (a package.json named "milens") was not found above ${fileURLToPath(import.meta.url)}` };
  return loaded;
}

/** Wraps one initialised native backend in the ComputeBackend contract. */
export function createNativeBackend(addon: NativeAddon, info: NativeBackendInfo): ComputeBackend {
  if (!info.available) throw unavailable(`The ${info.name} backend is not available: ${info.reason ?? 'unknown reason'}`);
  const name = info.name;
  const capabilities: BackendCapabilities = {
    similarityDtypes: info.similarityDtypes,
    unifiedMemory: info.unifiedMemory,
    threads: info.threads,
  };
  return {
    name,
    capabilities,

    async similarityTopK(queries: Float32Array, queryCount: number, store: VectorStore, k: number): Promise<TopKResult> {
      validateSimilarityArguments(queries, queryCount, store, k);
      const scales = store.dtype === 'int8' ? store.scales : null;
      const { indices, scores } = await addon.similarityTopK(
        name,
        queries,
        queryCount,
        store.dtype,
        store.data,
        scales,
        store.count,
        store.dimension,
        k,
      );
      return { k, queryCount, indices, scores };
    },

    async createVectorIndex(store: VectorStore): Promise<VectorIndex> {
      validateVectorStore(store);
      const scales = store.dtype === 'int8' ? store.scales : null;
      const handle = await addon.createVectorIndex(name, store.dtype, store.data, scales, store.count, store.dimension);
      return new NativeVectorIndex(handle);
    },

    async logSumExp(matrix: Float32Array, rows: number, columns: number, axis: 'rows' | 'columns'): Promise<Float64Array> {
      validateLogSumExpArguments(matrix, rows, columns, axis);
      return addon.logSumExp(name, matrix, rows, columns, axis === 'rows');
    },

    async ksgCounts(target: Float64Array, features: readonly Float64Array[], k: number, options?: KsgCountOptions): Promise<KsgCounts[]> {
      validateKsgArguments(target, features, k, 'addon-checks-elements');
      if (options?.counts === false) return withArgumentChecks(() => addon.ksgCounts(name, target, features, k, false));
      return withArgumentChecks(() => addon.ksgCounts(name, target, features, k));
    },

    ...(typeof addon.ksgCountsOnCompleteRows === 'function'
      ? {
          async ksgCountsOnCompleteRows(
            target: Float64Array,
            features: readonly Float64Array[],
            k: number,
          ): Promise<KsgCompleteRowsCounts[]> {
            validateCompleteRowsKsgArguments(target, features, k);
            return withArgumentChecks(() => addon.ksgCountsOnCompleteRows!(name, target, features, k));
          },
        }
      : {}),

    ...(typeof addon.ksgPermutationMeans === 'function'
      ? {
          async ksgPermutationMeans(
            target: Float64Array,
            features: readonly Float64Array[],
            k: number,
            seeds: Uint32Array,
            signal?: AbortSignal,
          ): Promise<Float64Array | null> {
            validateKsgArguments(target, features, k, 'addon-checks-elements');
            if (signal?.aborted) return null;
            // The kernel polls this byte between tasks; an abort sets it from this thread.
            const cancel = new Uint8Array(1);
            const onAbort = (): void => void (cancel[0] = 1);
            signal?.addEventListener('abort', onAbort, { once: true });
            try {
              return await withArgumentChecks(() => addon.ksgPermutationMeans!(name, target, features, k, seeds, cancel));
            } finally {
              signal?.removeEventListener('abort', onAbort);
            }
          },
        }
      : {}),

    async rossCounts(labels: Int32Array, features: readonly Float64Array[], k: number): Promise<RossCounts[]> {
      validateRossArguments(labels, features, k);
      return addon.rossCounts(name, labels, features, k);
    },

    async frenzelPompeCounts(
      target: Float64Array,
      given: readonly Float64Array[],
      features: readonly Float64Array[],
      k: number,
    ): Promise<FrenzelPompeCounts[]> {
      // An addon built before the kernel existed: the reference counts (identical, slower).
      if (!addon.frenzelPompeCounts) {
        validateFrenzelPompeArguments(target, given, features, k);
        return frenzelPompeCountsReference(target, given, features, k);
      }
      validateFrenzelPompeArguments(target, given, features, k, 'addon-checks-elements');
      return withArgumentChecks(() => addon.frenzelPompeCounts!(name, target, given, features, k));
    },

    async correlations(target: Float64Array, features: readonly Float64Array[]): Promise<CorrelationMeasures[]> {
      validateCorrelationArguments(target, features, 'addon-checks-elements');
      const measures = await withArgumentChecks(() => addon.correlations(name, target, features));
      return features.map((_, f) => measuresAt(measures, f));
    },

    ...(typeof addon.correlationsOnCompleteRows === 'function'
      ? {
          async correlationsOnCompleteRows(target: Float64Array, features: readonly Float64Array[]): Promise<CompleteRowsCorrelations[]> {
            validateCompleteRowsCorrelationArguments(target, features);
            const { measures, rows } = await withArgumentChecks(() => addon.correlationsOnCompleteRows!(name, target, features));
            return features.map((_, f) => ({ ...measuresAt(measures, f), rows: rows[f]! }));
          },
        }
      : {}),

    async jointHistogram(a: Int32Array, b: Int32Array, aLevels: number, bLevels: number): Promise<Float64Array> {
      validateJointHistogramArguments(a, b, aLevels, bLevels);
      return addon.jointHistogram(name, a, b, aLevels, bLevels);
    },
  };
}
