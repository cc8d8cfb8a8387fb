// The MI engine behind `milens mi`: every feature column against one target, with the estimator that
// fits the pair's kinds (KSG-1, Ross, plug-in or Miller–Madow), per-pair dropping of missing rows,
// constant-column handling, Pearson / Spearman / distance correlation, and seeded permutation-test
// p-values (./permutations.ts: batched shuffles, Besag–Clifford early stop). All estimates are computed
// in nats, clipped at 0, and converted to the requested unit last. Progress goes to `onProgress`; the
// work stops between steps when `throwIfCancelled` throws (native permutation kernels poll `signal`).
import type { ColumnKind, InformationUnit, MiFeatureResult, MiReport } from '../api/contract.js';
import { invalidArgument, outOfRange, requireInteger } from '../api/errors.js';
import type { ComputeBackend } from '../compute/kernels.js';
import type { Table } from '../table/columns.js';
import type { Correlations } from './correlation.js';
import { discreteMutualInformation, type DiscreteEstimator } from './discrete.js';
import {
  ksgMutualInformation,
  ksgMutualInformationOnCompleteRows,
  ksgPermutationMutualInformation,
  rossMutualInformation,
} from './knn-estimators.js';
import { checkedContinuousEstimator, lncMutualInformation, type ContinuousEstimator } from './lnc.js';
import { DEFAULT_STOP_AFTER_EXCEEDANCES, permutationTests, type PermutationOutcome } from './permutations.js';
import { resolveColumns, type KindOptions } from './columns-resolve.js';
import { reportWarnings } from './report-warnings.js';
import { deriveSeed, SeededRandom } from './random.js';
import {
  completeRows,
  presenceOf,
  denseCodes,
  pickCodes,
  pickCompleteCodePairs,
  pickCompletePairs,
  pickFloat,
  prepareContinuousVariables,
  toEngineVariable,
  type EngineVariable,
} from './variables.js';

export const DEFAULT_K = 3;
export const DEFAULT_SEED = 0;
/** The most permutations one call may ask for (the CLI's `--permutations` has the same cap). */
export const MAX_PERMUTATIONS = 1_000_000;
/** Features handed to one kernel call: enough to keep every native thread busy, bounded memory (1 on a tall table). */
const KERNEL_BATCH = 16;
/**
 * Above this many rows the correlations run before the MI jobs instead of beside them (a tall table's
 * peak memory is then the larger of the two, not their sum); the native kernels likewise take one
 * feature at a time above 2^20 points.
 */
const SERIAL_CORRELATIONS_ROWS = 1 << 20;

/**
 * A numeric continuous feature's prepared column when it fills a buffer of its own (the native tie rule
 * of a one-feature job writes one), for the next job to write over once the feature is released; read
 * before release(), when the column is computed (reading it never runs the tie rule again).
 */
function preparedColumnOf(feature: EngineVariable): Float64Array | undefined {
  if (feature.kind !== 'continuous' || feature.codes !== null || feature.numeric === null || feature.constant) return undefined;
  const values = feature.prepared;
  return values && values.byteOffset === 0 && values.byteLength === values.buffer.byteLength ? values : undefined;
}

export interface MiEngineOptions extends KindOptions {
  k?: number;
  seed?: number;
  permutations?: number;
  unit?: InformationUnit;
  discreteEstimator?: DiscreteEstimator;
  /** Continuous–continuous pairs: 'ksg' (default) or 'lnc' (./lnc.ts). */
  estimator?: ContinuousEstimator;
  /** Skip Pearson / Spearman / dCor (they are reported as null). */
  correlations?: boolean;
  /** Besag–Clifford's h for permutation tests (./permutations.ts); 0 runs every permutation. Default 10. */
  stopAfterExceedances?: number;
  /** Steps done of the total (estimates, then permutations; the total shrinks when tests stop early). */
  onProgress?: (done: number, total: number, message?: string) => void;
  /** Aborts native permutation kernels between their tasks. */
  signal?: AbortSignal;
  /** Called between steps; throws to cancel the run (the job's CANCELLED error). */
  throwIfCancelled?: () => void;
}

export const NATS_PER_BIT = Math.LN2;

/**
 * A target needs at least two present rows for any estimate (or selection) to mean anything: fewer is
 * an error naming the column and the file, not a "constant" target that scores every feature 0.
 */
export function requirePresentTarget(table: Table, target: EngineVariable): void {
  const present = target.rowCount - target.missingRows;
  if (present < 2) {
    throw invalidArgument(
      `Target column "${target.name}" of ${table.path} has ${present} row${present === 1 ? '' : 's'} with a value (of ${table.rowCount}): at least 2 are needed`,
      { argument: 'target', value: target.name, path: table.path, presentRows: present },
    );
  }
}

export function toUnit(nats: number, unit: InformationUnit): number {
  return unit === 'bits' ? nats / NATS_PER_BIT : nats;
}

/**
 * One estimator call covering one or more features that share the same rows: `run` returns raw MI in
 * nats per feature; `shuffled` the MI of the features at some positions against the target shuffled by
 * each seed (permutation tests: result[seed][position]).
 */
interface EstimationJob {
  featureIndexes: number[];
  rows: number;
  run(): Promise<number[]>;
  shuffled(positions: number[], seeds: number[], signal?: AbortSignal): Promise<number[][] | null>;
  /** Drops what the job keeps between its estimate and its permutations. */
  release?(): void;
}

/** The estimator of continuous–continuous pairs: KSG-1, or LNC (./lnc.ts) with `estimator: 'lnc'`. */
type ContinuousMi = typeof ksgMutualInformation;

function shuffledFloat(values: Float64Array, shuffle: SeededRandom | null): Float64Array {
  return shuffle ? shuffle.shuffle(Float64Array.from(values)) : values;
}

function shuffledCodes(codes: Int32Array, shuffle: SeededRandom | null): Int32Array {
  return shuffle ? shuffle.shuffle(Int32Array.from(codes)) : codes;
}

/** One call per seed (estimators without a permutation kernel): result[seed][position]. */
async function eachShuffle(
  seeds: number[],
  signal: AbortSignal | undefined,
  estimate: (shuffle: SeededRandom) => Promise<number[]>,
): Promise<number[][] | null> {
  const results: number[][] = [];
  for (const seed of seeds) {
    if (signal?.aborted) return null;
    results.push(await estimate(new SeededRandom(seed)));
  }
  return results;
}

/**
 * The KSG job of a continuous pair with missing cells: its complete rows are picked on native threads
 * once (pickCompletePairs), kept for the permutations and dropped by release(); `onRows` learns how
 * many rows the pair kept.
 */
function pickedPairJob(
  compute: ComputeBackend,
  target: EngineVariable,
  feature: EngineVariable,
  index: number,
  k: number,
  onRows: (rows: number) => void,
  continuousMi: ContinuousMi = ksgMutualInformation,
): EstimationJob {
  let pair: Promise<{ a: Float64Array; b: Float64Array }> | null = null;
  const picked = () =>
    (pair ??= pickCompletePairs(target.prepared!, [feature.prepared!]).then(([complete]) => {
      onRows(complete!.a.length);
      return complete!;
    }));
  return {
    featureIndexes: [index],
    rows: target.rowCount,
    run: async () => {
      const { a, b } = await picked();
      return continuousMi(compute, a, [b], k);
    },
    shuffled: async (_, seeds, signal) => {
      const { a, b } = await picked();
      // The permutation kernel computes KSG; another estimator is run once per shuffle.
      return continuousMi === ksgMutualInformation
        ? ksgPermutationMutualInformation(compute, a, [b], k, seeds, signal)
        : eachShuffle(seeds, signal, (shuffle) => continuousMi(compute, shuffledFloat(a, shuffle), [b], k));
    },
    release: () => {
      pair = null;
    },
  };
}

/**
 * The KSG job of up to KERNEL_BATCH continuous pairs with missing cells, on a backend with
 * ksgCountsOnCompleteRows: one kernel call scores every pair on its complete rows (the target sorted
 * once for all of them, the pairs side by side on the threads), the estimates of pickedPairJob bit for
 * bit. Permutations pick each pair's rows and shuffle its own target, as pickedPairJob does, one pair at
 * a time (each call has every thread), so that a batch never holds more than one pair's copies.
 */
function completeRowsKsgJob(
  compute: ComputeBackend,
  target: EngineVariable,
  features: EngineVariable[],
  featureIndexes: number[],
  k: number,
  rowCounts: Array<number | undefined>,
): EstimationJob {
  const prepared = (positions: number[]): Float64Array[] => positions.map((position) => features[featureIndexes[position]!]!.prepared!);
  return {
    featureIndexes,
    rows: target.rowCount,
    run: async () => {
      const results = await ksgMutualInformationOnCompleteRows(compute, target.prepared!, prepared(featureIndexes.map((_, p) => p)), k);
      results.forEach(({ rows }, position) => (rowCounts[featureIndexes[position]!] = rows));
      return results.map(({ mi }) => mi);
    },
    shuffled: async (positions, seeds, signal) => {
      const byPosition: number[][] = [];
      for (const column of prepared(positions)) {
        const [pair] = await pickCompletePairs(target.prepared!, [column]);
        const shuffled = await ksgPermutationMutualInformation(compute, pair!.a, [pair!.b], k, seeds, signal);
        if (shuffled === null) return null;
        byPosition.push(shuffled.map(([mi]) => mi!));
      }
      return seeds.map((_, s) => byPosition.map((values) => values[s]!));
    },
  };
}

/**
 * The job of a Ross or plug-in pair with missing cells (either side discrete): its complete rows picked
 * on native threads once (pickCompleteCodePairs; codes renumbered densely for Ross, as denseCodes does),
 * kept for the permutations (re-estimated per shuffle) and dropped by release(). The estimates are those
 * of estimatePair on the same rows, bit for bit.
 */
function pickedCodePairJob(
  compute: ComputeBackend,
  target: EngineVariable,
  feature: EngineVariable,
  index: number,
  k: number,
  discreteEstimator: DiscreteEstimator,
  onRows: (rows: number) => void,
): EstimationJob {
  const bothDiscrete = target.kind === 'discrete' && feature.kind === 'discrete';
  let pair: Promise<{ a: Float64Array | Int32Array; b: Float64Array | Int32Array }> | null = null;
  const picked = () =>
    (pair ??= pickCompleteCodePairs<Float64Array | Int32Array, Float64Array | Int32Array>(
      target.kind === 'continuous' ? target.prepared! : target.codes!,
      [feature.kind === 'continuous' ? feature.prepared! : feature.codes!],
      !bothDiscrete,
    ).then(([complete]) => {
      onRows(complete!.a.length);
      return complete!;
    }));
  const estimate = async (shuffle: SeededRandom | null): Promise<number> => {
    const { a, b } = await picked();
    if (a.length < 2) return 0;
    if (bothDiscrete) return discreteMutualInformation(b as Int32Array, shuffledCodes(a as Int32Array, shuffle), discreteEstimator);
    const [mi] =
      target.kind === 'discrete'
        ? await rossMutualInformation(compute, shuffledCodes(a as Int32Array, shuffle), [b as Float64Array], k)
        : await rossMutualInformation(compute, b as Int32Array, [shuffledFloat(a as Float64Array, shuffle)], k);
    return mi!;
  };
  return {
    featureIndexes: [index],
    rows: target.rowCount,
    run: async () => [await estimate(null)],
    shuffled: (_, seeds, signal) => eachShuffle(seeds, signal, async (shuffle) => [await estimate(shuffle)]),
    release: () => {
      pair = null;
    },
  };
}

function planJobs(
  compute: ComputeBackend,
  target: EngineVariable,
  features: EngineVariable[],
  rowsByFeature: Array<Int32Array | null>,
  pickedNatively: boolean[],
  rowCounts: Array<number | undefined>,
  skip: boolean[],
  k: number,
  discreteEstimator: DiscreteEstimator,
  continuousMi: ContinuousMi = ksgMutualInformation,
): EstimationJob[] {
  const jobs: EstimationJob[] = [];
  const batchable: number[] = [];
  // Continuous pairs with missing cells go to ksgCountsOnCompleteRows in batches where the backend has it.
  const completeRowsBatchable: number[] = [];
  const batchesCompleteRows = continuousMi === ksgMutualInformation && compute.ksgCountsOnCompleteRows !== undefined;
  features.forEach((feature, index) => {
    if (skip[index]) return;
    if (pickedNatively[index] && batchesCompleteRows && target.kind === 'continuous' && feature.kind === 'continuous') {
      completeRowsBatchable.push(index);
      return;
    }
    if (pickedNatively[index]) {
      const onRows = (rows: number) => (rowCounts[index] = rows);
      jobs.push(
        target.kind === 'continuous' && feature.kind === 'continuous'
          ? pickedPairJob(compute, target, feature, index, k, onRows, continuousMi)
          : pickedCodePairJob(compute, target, feature, index, k, discreteEstimator, onRows),
      );
      return;
    }
    const rows = rowsByFeature[index]!;
    if (rows === null && feature.kind === 'continuous') {
      batchable.push(index);
      return;
    }
    const bothContinuous = target.kind === 'continuous' && feature.kind === 'continuous';
    jobs.push({
      featureIndexes: [index],
      rows: rows ? rows.length : target.rowCount,
      run: () => estimatePair(compute, target, feature, rows, k, discreteEstimator, null, continuousMi).then((mi) => [mi]),
      shuffled: (_, seeds, signal) =>
        bothContinuous && continuousMi === ksgMutualInformation && !(rows !== null && rows.length < 2)
          ? ksgPermutationMutualInformation(
              compute,
              pickFloat(target.prepared!, rows),
              [pickFloat(feature.prepared!, rows)],
              k,
              seeds,
              signal,
            )
          : eachShuffle(seeds, signal, (shuffle) =>
              estimatePair(compute, target, feature, rows, k, discreteEstimator, shuffle, continuousMi).then((mi) => [mi]),
            ),
    });
  });
  // A tall table's batch is one feature: the kernels take one feature at a time there anyway, and each
  // feature of a batch holds its prepared column (8 bytes a row) for the whole call (docs/mi.md, "Large
  // and wide tables"); the cost is the target's sort, done again for each call.
  const batch = target.rowCount > SERIAL_CORRELATIONS_ROWS ? 1 : KERNEL_BATCH;
  for (let start = 0; start < completeRowsBatchable.length; start += batch)
    jobs.push(completeRowsKsgJob(compute, target, features, completeRowsBatchable.slice(start, start + batch), k, rowCounts));
  for (let start = 0; start < batchable.length; start += batch) {
    const featureIndexes = batchable.slice(start, start + batch);
    // Read when the job runs, after runJob has prepared its features on native threads: read here, at
    // planning, each getter would run the TypeScript tie rule, and the job would hold those copies (8
    // bytes a row each) beside the native ones until the end of the run.
    const prepared = (): Float64Array[] => featureIndexes.map((index) => features[index]!.prepared!);
    jobs.push({
      featureIndexes,
      rows: target.rowCount,
      run: () =>
        target.kind === 'continuous'
          ? continuousMi(compute, target.prepared!, prepared(), k)
          : rossMutualInformation(compute, target.codes!, prepared(), k),
      shuffled: (positions, seeds, signal) => {
        const columns = prepared();
        const active = positions.map((position) => columns[position]!);
        if (target.kind !== 'continuous')
          return eachShuffle(seeds, signal, (shuffle) => rossMutualInformation(compute, shuffledCodes(target.codes!, shuffle), active, k));
        return continuousMi === ksgMutualInformation
          ? ksgPermutationMutualInformation(compute, target.prepared!, active, k, seeds, signal)
          : eachShuffle(seeds, signal, (shuffle) => continuousMi(compute, shuffledFloat(target.prepared!, shuffle), active, k));
      },
    });
  }
  return jobs;
}

async function estimatePair(
  compute: ComputeBackend,
  target: EngineVariable,
  feature: EngineVariable,
  rows: Int32Array | null,
  k: number,
  discreteEstimator: DiscreteEstimator,
  shuffle: SeededRandom | null,
  continuousMi: ContinuousMi = ksgMutualInformation,
): Promise<number> {
  if (rows !== null && rows.length < 2) return 0;
  if (target.kind === 'continuous' && feature.kind === 'continuous') {
    const [mi] = await continuousMi(
      compute,
      shuffledFloat(pickFloat(target.prepared!, rows), shuffle),
      [pickFloat(feature.prepared!, rows)],
      k,
    );
    return mi!;
  }
  if (target.kind === 'discrete' && feature.kind === 'continuous') {
    const [mi] = await rossMutualInformation(
      compute,
      shuffledCodes(denseCodes(pickCodes(target.codes!, rows)), shuffle),
      [pickFloat(feature.prepared!, rows)],
      k,
    );
    return mi!;
  }
  if (target.kind === 'continuous') {
    const [mi] = await rossMutualInformation(
      compute,
      denseCodes(pickCodes(feature.codes!, rows)),
      [shuffledFloat(pickFloat(target.prepared!, rows), shuffle)],
      k,
    );
    return mi!;
  }
  return discreteMutualInformation(
    pickCodes(feature.codes!, rows),
    shuffledCodes(pickCodes(target.codes!, rows), shuffle),
    discreteEstimator,
  );
}

/**
 * The report's order: most information first, ties by name. Names are compared by code unit, not
 * localeCompare: the order must not depend on the user's locale, and the first localeCompare call
 * builds an ICU collator (~5 ms, a few percent of a 100k-row run).
 */
export function byInformationThenName(a: MiFeatureResult, b: MiFeatureResult): number {
  return b.mi - a.mi || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The engine options with their defaults, each checked (errors name the option). */
export function checkedEngineOptions(options: MiEngineOptions): {
  k: number;
  seed: number;
  permutations: number;
  unit: InformationUnit;
  discreteEstimator: DiscreteEstimator;
} {
  const k = options.k ?? DEFAULT_K;
  const seed = options.seed ?? DEFAULT_SEED;
  const permutations = options.permutations ?? 0;
  const unit = options.unit ?? 'nats';
  const discreteEstimator = options.discreteEstimator ?? 'plugin';
  requireInteger('k', k, 1);
  requireInteger('seed', seed, 0, 0xffffffff);
  requireInteger('permutations', permutations, 0, MAX_PERMUTATIONS);
  if (unit !== 'nats' && unit !== 'bits') throw outOfRange('unit', '"nats" or "bits"', unit);
  if (discreteEstimator !== 'plugin' && discreteEstimator !== 'miller-madow')
    throw outOfRange('discreteEstimator', '"plugin" or "miller-madow"', discreteEstimator);
  return { k, seed, permutations, unit, discreteEstimator };
}

/** Scores every feature of the table against the target. */
export async function estimateMutualInformation(
  compute: ComputeBackend,
  table: Table,
  targetName: string,
  options: MiEngineOptions = {},
): Promise<MiReport> {
  const { k, seed, permutations, unit, discreteEstimator } = checkedEngineOptions(options);
  const stopAfterExceedances = options.stopAfterExceedances ?? DEFAULT_STOP_AFTER_EXCEEDANCES;
  requireInteger('stopAfterExceedances', stopAfterExceedances, 0, MAX_PERMUTATIONS);
  const resolved = resolveColumns(table, targetName, options);
  const target = toEngineVariable(resolved.target, resolved.targetKind, seed);
  requirePresentTarget(table, target);
  const features = resolved.features.map(({ column, kind }) => toEngineVariable(column, kind, seed));
  // Each pair's complete rows (null: every row), computed once for the estimators, the correlations and
  // the report. A feature's missing rows are exactly its non-finite numbers, so the correlations' rows
  // (both numbers finite) are the same.
  let targetPresenceCache: Uint8Array | undefined;
  const targetPresence = (): Uint8Array | undefined => (target.missingRows > 0 ? (targetPresenceCache ??= presenceOf(target)) : undefined);
  // Pairs with missing cells get their rows picked on native threads (their KSG, Ross or plug-in job and
  // their correlations), so the JavaScript thread never walks their rows.
  const pickedNatively = features.map((feature) => feature.missingRows > 0 || target.missingRows > 0);
  const rowsByFeature = features.map((feature, index) => (pickedNatively[index] ? null : completeRows(feature, target, targetPresence())));
  /** Rows kept by each natively picked pair, once its job or its correlations have picked them. */
  const rowCounts: Array<number | undefined> = features.map(() => undefined);
  // The correlations need only the raw numbers: their kernel starts first, on native threads, and runs
  // while this thread applies the tie rule to the target and the features (and the MI kernels run).
  const correlationsDone =
    options.correlations !== false
      ? Promise.all([
          correlationsOnRows(compute, target, features, (_, index) => (pickedNatively[index] ? undefined : rowsByFeature[index])),
          pickedPairCorrelations(compute, target, features, pickedNatively, rowCounts),
        ]).then(([onRows, picked]) => onRows.map((measure, index) => (pickedNatively[index] ? picked[index]! : measure)))
      : Promise.resolve(features.map(() => null));
  correlationsDone.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled
  // A tall table runs them alone first: their working copies (~150 bytes a row) and the MI kernels'
  // (~130) would otherwise add up at the peak; with every thread busy in each, the overlap saves little.
  if (table.rowCount > SERIAL_CORRELATIONS_ROWS) await correlationsDone;
  // The tie rule runs on native threads for the columns it can handle (the rest fall back on first use).
  // The target is prepared up front: every pair uses it, and its tie-rule outcome is reported below.
  // Each feature is prepared just before its job and released after it (runJob), so that the run holds
  // the prepared columns of one job, not of the whole table.
  await prepareContinuousVariables([target], seed);
  if (target.kind === 'continuous') void target.prepared;
  const warnings: string[] = [];
  const featureWarnings = features.map(() => [] as string[]);
  if (target.constant) warnings.push(`target "${target.name}" is constant: every MI is 0`);
  if (target.missingRows > 0)
    warnings.push(`target "${target.name}" is missing in ${target.missingRows} rows; they are dropped from every pair`);
  if (target.rankFallback)
    warnings.push(`target "${target.name}": ties too close for float64 spreading; dense ranks were used (see docs/mi.md)`);
  const skip = features.map((feature, index) => {
    if (feature.constant) featureWarnings[index]!.push(`column "${feature.name}" is constant: MI is 0`);
    return target.constant || feature.constant;
  });

  const estimator = checkedContinuousEstimator(options.estimator, k);
  const continuousMi = estimator === 'lnc' ? lncMutualInformation : ksgMutualInformation;
  const jobs = planJobs(compute, target, features, rowsByFeature, pickedNatively, rowCounts, skip, k, discreteEstimator, continuousMi);
  const observed = new Float64Array(features.length);
  const outcomes: Array<PermutationOutcome | null> = features.map(() => null);
  // Steps: one per job for the estimates, then one per (feature, permutation); a test that stops early
  // takes the permutations it no longer needs off the total.
  let total = jobs.length + permutations * jobs.reduce((sum, job) => sum + job.featureIndexes.length, 0);
  let done = 0;
  const progress = (message?: string): void => options.onProgress?.(done, total, message);
  // A tall table's jobs are one feature each: the next feature's tie rule writes over the last one's
  // prepared column, once released, instead of allocating a new one beside it while the old awaits the
  // garbage collector (8 bytes a row, measured held into the next KSG call at 11 M rows).
  const tall = table.rowCount > SERIAL_CORRELATIONS_ROWS;
  let releasedColumn: Float64Array | undefined;
  const runJob = async (job: EstimationJob): Promise<void> => {
    options.throwIfCancelled?.();
    const reuse = releasedColumn;
    releasedColumn = undefined;
    await prepareContinuousVariables(
      job.featureIndexes.map((index) => features[index]!),
      seed,
      reuse,
    );
    const values = await job.run();
    job.featureIndexes.forEach((index, position) => (observed[index] = Math.max(0, values[position]!)));
    done++;
    progress(`estimated ${job.featureIndexes.map((index) => features[index]!.name).join(', ')}`);
    if (permutations > 0) {
      const jobOutcomes = await permutationTests(
        { rows: job.rows, observed: values, shuffled: job.shuffled },
        {
          permutations,
          stopAfterExceedances,
          // From (seed, target, permutation) only: a feature's p-value must not depend on the other
          // columns of the table (nor on which kernel batch it falls in).
          seedOf: (permutation) => deriveSeed(seed, `permutation:${permutation}:${target.name}`),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.throwIfCancelled ? { throwIfCancelled: options.throwIfCancelled } : {}),
          onBatch: (ran, skipped, running) => {
            done += ran;
            total -= skipped;
            progress(
              runningPValues(
                job.featureIndexes.map((index) => features[index]!.name),
                running,
              ),
            );
          },
        },
      );
      job.featureIndexes.forEach((index, position) => (outcomes[index] = jobOutcomes[position]!));
    }
    job.release?.();
    if (tall && job.featureIndexes.length === 1) releasedColumn = preparedColumnOf(features[job.featureIndexes[0]!]!);
    for (const index of job.featureIndexes) {
      const feature = features[index]!;
      if (feature.rankFallback)
        featureWarnings[index]!.push(`column "${feature.name}": ties too close for float64 spreading; dense ranks were used`);
      feature.release();
    }
  };
  // One job at a time: each kernel call already uses every core, and a wide table's transient memory
  // stays that of one batch (four jobs in flight measured no faster, 0.24-0.25 s against 0.24-0.28 s on
  // 100,000 × 10 with every pair on rows of its own).
  for (const job of jobs) await runJob(job);
  options.throwIfCancelled?.();
  const correlations = await correlationsDone;

  const results: MiFeatureResult[] = features.map((feature, index) => {
    const rows = rowsByFeature[index]!;
    const used = pickedNatively[index]
      ? (rowCounts[index] ?? completeRows(feature, target, targetPresence())!.length) // a skipped pair: counted here
      : rows
        ? rows.length
        : table.rowCount;
    // Only KSG (both continuous) gives up when n ≤ k; Ross estimates with fewer neighbours.
    const usesKsg = feature.kind === 'continuous' && target.kind === 'continuous';
    if (usesKsg && !skip[index] && used <= k) {
      featureWarnings[index]!.push(`only ${used} rows for k = ${k} neighbours: MI reported as 0`);
    }
    if (used < table.rowCount) featureWarnings[index]!.push(`${table.rowCount - used} rows with a missing value dropped`);
    return {
      name: feature.name,
      kind: feature.kind,
      mi: toUnit(observed[index]!, unit),
      pearson: correlations[index]?.pearson ?? null,
      spearman: correlations[index]?.spearman ?? null,
      dcor: correlations[index]?.dcor ?? null,
      pValue: permutations > 0 ? (outcomes[index]?.pValue ?? 1) : null,
      ...(permutations > 0 ? { permutationsRun: outcomes[index]?.permutationsRun ?? 0 } : {}),
      rows: used,
      droppedRows: table.rowCount - used,
      warnings: featureWarnings[index]!,
    };
  });
  return miReport({ table, target, unit, k, permutations, seed }, results, warnings, estimator === 'lnc' ? { estimator } : {});
}

/** Job progress text: each feature's running p-value, settled ones marked (the first few features). */
export function runningPValues(names: string[], running: PermutationOutcome[]): string {
  const shown = running.slice(0, 6).map((outcome, position) => {
    const state = outcome.stoppedEarly ? ' settled' : '';
    return `${names[position]} p=${outcome.pValue.toPrecision(2)} (${outcome.permutationsRun}${state})`;
  });
  return `permutations: ${shown.join(', ')}${running.length > 6 ? ', …' : ''}`;
}

/**
 * The report of `milens mi`: features by decreasing MI (ties by name), each feature's warnings also
 * listed in the report's, prefixed by its name, once each.
 */
export function miReport(
  run: { table: Table; target: EngineVariable; unit: InformationUnit; k: number; permutations: number; seed: number },
  results: MiFeatureResult[],
  warnings: string[],
  extra: Partial<MiReport> = {},
): MiReport {
  results.sort(byInformationThenName);
  return {
    target: run.target.name,
    targetKind: run.target.kind,
    unit: run.unit,
    k: run.k,
    rows: run.table.rowCount,
    permutations: run.permutations,
    seed: run.seed,
    ...extra,
    features: results,
    warnings: reportWarnings(warnings, results),
  };
}

/**
 * Pearson / Spearman / dCor of each numeric, non-constant feature with the target, on the rows `rowsOf`
 * names (null: every row; undefined: skip the feature). Features on every row go to the backend's
 * `correlations` kernel in one call; each feature with rows of its own goes in a call of its own, with
 * the target picked on the same rows (all calls in flight together: on the native backend they run on
 * its threads, where a 100,000-row pair takes milliseconds instead of ~40 ms in TypeScript).
 */
export async function correlationsOnRows(
  compute: ComputeBackend,
  target: EngineVariable,
  features: EngineVariable[],
  rowsOf: (feature: EngineVariable, index: number) => Int32Array | null | undefined,
): Promise<Array<Correlations | null>> {
  const results: Array<Correlations | null> = features.map(() => null);
  if (!target.numeric || target.constant) return results;
  const complete: number[] = [];
  const partial: Array<{ index: number; rows: Int32Array }> = [];
  features.forEach((feature, index) => {
    if (!feature.numeric || feature.constant) return;
    const rows = rowsOf(feature, index);
    if (rows === null) complete.push(index);
    else if (rows !== undefined) partial.push({ index, rows });
  });
  const numeric = target.numeric;
  const calls = [
    complete.length > 0
      ? compute.correlations(
          numeric,
          complete.map((index) => features[index]!.numeric!),
        )
      : Promise.resolve([]),
    ...partial.map(({ index, rows }) => compute.correlations(pickFloat(numeric, rows), [pickFloat(features[index]!.numeric!, rows)])),
  ];
  const [measures, ...partialMeasures] = await Promise.all(calls);
  measures!.forEach((measure, position) => (results[complete[position]!] = measure));
  partialMeasures.forEach(([measure], position) => (results[partial[position]!.index] = measure!));
  return results;
}

/**
 * Pearson / Spearman / dCor of the natively picked pairs (continuous pairs with missing cells),
 * KERNEL_BATCH features at a time: one correlationsOnCompleteRows call per group where the backend has
 * it, else their complete rows picked on native threads and one correlations call per pair, all in
 * flight together. Sets each pair's row count.
 */
async function pickedPairCorrelations(
  compute: ComputeBackend,
  target: EngineVariable,
  features: EngineVariable[],
  pickedNatively: boolean[],
  rowCounts: Array<number | undefined>,
): Promise<Array<Correlations | null>> {
  const results: Array<Correlations | null> = features.map(() => null);
  if (!target.numeric || target.constant) return results;
  const indexes = features.flatMap((feature, index) => (pickedNatively[index] && feature.numeric && !feature.constant ? [index] : []));
  for (let start = 0; start < indexes.length; start += KERNEL_BATCH) {
    const group = indexes.slice(start, start + KERNEL_BATCH);
    if (compute.correlationsOnCompleteRows) {
      // One call for the group: the pairs picked on native threads there, the target sorted once.
      const measures = await compute.correlationsOnCompleteRows(
        target.numeric,
        group.map((index) => features[index]!.numeric!),
      );
      group.forEach((index, position) => {
        const { rows, ...measure } = measures[position]!;
        results[index] = measure;
        rowCounts[index] = rows;
      });
      continue;
    }
    const pairs = await pickCompletePairs(
      target.numeric,
      group.map((index) => features[index]!.numeric!),
    );
    const measures = await Promise.all(pairs.map(({ a, b }) => compute.correlations(a, [b])));
    group.forEach((index, position) => {
      results[index] = measures[position]![0]!;
      rowCounts[index] = pairs[position]!.a.length;
    });
  }
  return results;
}

export type { ColumnKind };
