// The MI engine behind `milens mi`: every feature column against one target, with the estimator that
// fits the pair's kinds (KSG-1, Ross, plug-in or Miller–Madow), per-pair dropping of missing rows,
// constant-column handling, Pearson / Spearman / distance correlation, and seeded permutation-test
// p-values. All estimates are computed in nats, clipped at 0, and converted to the requested unit last.
import type { ColumnKind, InformationUnit, MiFeatureResult, MiReport } from '../api/contract.js';
import { invalidArgument, outOfRange, requireInteger } from '../api/errors.js';
import type { ComputeBackend } from '../compute/kernels.js';
import type { Table } from '../table/columns.js';
import type { Correlations } from './correlation.js';
import { discreteMutualInformation, type DiscreteEstimator } from './discrete.js';
import { ksgMutualInformation, rossMutualInformation } from './knn-estimators.js';
import { checkedContinuousEstimator, lncMutualInformation, type ContinuousEstimator } from './lnc.js';
import { resolveColumns, type KindOptions } from './columns-resolve.js';
import { deriveSeed, SeededRandom } from './random.js';
import {
  completeRows,
  presenceOf,
  denseCodes,
  pickCodes,
  pickFloat,
  prepareContinuousVariables,
  toEngineVariable,
  type EngineVariable,
} from './variables.js';

export const DEFAULT_K = 3;
export const DEFAULT_SEED = 0;
/** The most permutations one call may ask for (the CLI's `--permutations` has the same cap). */
export const MAX_PERMUTATIONS = 1_000_000;
/** Features handed to one kernel call: enough to keep every native thread busy, bounded memory. */
const KERNEL_BATCH = 16;

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
  onProgress?: (done: number, total: number) => void;
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
 * nats per feature, with the target's rows shuffled by `shuffle` when given (permutation test).
 */
interface EstimationJob {
  featureIndexes: number[];
  run(shuffle: SeededRandom | null): Promise<number[]>;
}

/** The estimator of continuous–continuous pairs: KSG-1, or LNC (./lnc.ts) with `estimator: 'lnc'`. */
type ContinuousMi = typeof ksgMutualInformation;

function shuffledFloat(values: Float64Array, shuffle: SeededRandom | null): Float64Array {
  return shuffle ? shuffle.shuffle(Float64Array.from(values)) : values;
}

function shuffledCodes(codes: Int32Array, shuffle: SeededRandom | null): Int32Array {
  return shuffle ? shuffle.shuffle(Int32Array.from(codes)) : codes;
}

function planJobs(
  compute: ComputeBackend,
  target: EngineVariable,
  features: EngineVariable[],
  rowsByFeature: Array<Int32Array | null>,
  skip: boolean[],
  k: number,
  discreteEstimator: DiscreteEstimator,
  continuousMi: ContinuousMi = ksgMutualInformation,
): EstimationJob[] {
  const jobs: EstimationJob[] = [];
  const batchable: number[] = [];
  features.forEach((feature, index) => {
    if (skip[index]) return;
    const rows = rowsByFeature[index]!;
    if (rows === null && feature.kind === 'continuous') {
      batchable.push(index);
      return;
    }
    jobs.push({
      featureIndexes: [index],
      run: (shuffle) => estimatePair(compute, target, feature, rows, k, discreteEstimator, shuffle, continuousMi).then((mi) => [mi]),
    });
  });
  for (let start = 0; start < batchable.length; start += KERNEL_BATCH) {
    const featureIndexes = batchable.slice(start, start + KERNEL_BATCH);
    const prepared = featureIndexes.map((index) => features[index]!.prepared!);
    jobs.push({
      featureIndexes,
      run: (shuffle) =>
        target.kind === 'continuous'
          ? continuousMi(compute, shuffledFloat(target.prepared!, shuffle), prepared, k)
          : rossMutualInformation(compute, shuffledCodes(target.codes!, shuffle), prepared, k),
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
  const resolved = resolveColumns(table, targetName, options);
  const target = toEngineVariable(resolved.target, resolved.targetKind, seed);
  requirePresentTarget(table, target);
  const features = resolved.features.map(({ column, kind }) => toEngineVariable(column, kind, seed));
  // Each pair's complete rows (null: every row), computed once for the estimators, the correlations and
  // the report. A feature's missing rows are exactly its non-finite numbers, so the correlations' rows
  // (both numbers finite) are the same.
  const targetPresence = target.missingRows > 0 ? presenceOf(target) : undefined;
  const rowsByFeature = features.map((feature) => completeRows(feature, target, targetPresence));
  // The correlations need only the raw numbers: their kernel starts first, on native threads, and runs
  // while this thread applies the tie rule to the target and the features (and the MI kernels run).
  const correlationsDone =
    options.correlations !== false
      ? correlationsOnRows(compute, target, features, (_, index) => rowsByFeature[index])
      : Promise.resolve(features.map(() => null));
  correlationsDone.catch(() => {}); // awaited below; this only keeps an early throw from leaving it unhandled
  // The tie rule runs on native threads for the columns it can handle (the rest fall back on first use).
  // The target is prepared up front: every pair uses it, and its tie-rule outcome is reported below.
  await prepareContinuousVariables([target, ...features], seed);
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
  const jobs = planJobs(compute, target, features, rowsByFeature, skip, k, discreteEstimator, continuousMi);
  const observed = new Float64Array(features.length);
  const exceedances = new Int32Array(features.length);
  const totalSteps = jobs.length * (1 + permutations);
  let done = 0;
  const runJob = async (job: EstimationJob): Promise<void> => {
    const values = await job.run(null);
    job.featureIndexes.forEach((index, position) => (observed[index] = Math.max(0, values[position]!)));
    options.onProgress?.(++done, totalSteps);
    for (let permutation = 0; permutation < permutations; permutation++) {
      // From (seed, target, permutation) only: a feature's p-value must not depend on the other
      // columns of the table (nor on which kernel batch it falls in).
      const shuffle = new SeededRandom(deriveSeed(seed, `permutation:${permutation}:${target.name}`));
      const shuffled = await job.run(shuffle);
      job.featureIndexes.forEach((index, position) => {
        if (Math.max(0, shuffled[position]!) >= observed[index]!) exceedances[index]!++;
      });
      options.onProgress?.(++done, totalSteps);
    }
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
  const correlations = await correlationsDone;

  const results: MiFeatureResult[] = features.map((feature, index) => {
    const rows = rowsByFeature[index]!;
    const used = rows ? rows.length : table.rowCount;
    // Only KSG (both continuous) gives up when n ≤ k; Ross estimates with fewer neighbours.
    const usesKsg = feature.kind === 'continuous' && target.kind === 'continuous';
    if (usesKsg && !skip[index] && used <= k) {
      featureWarnings[index]!.push(`only ${used} rows for k = ${k} neighbours: MI reported as 0`);
    }
    if (rows && rows.length < table.rowCount)
      featureWarnings[index]!.push(`${table.rowCount - rows.length} rows with a missing value dropped`);
    return {
      name: feature.name,
      kind: feature.kind,
      mi: toUnit(observed[index]!, unit),
      pearson: correlations[index]?.pearson ?? null,
      spearman: correlations[index]?.spearman ?? null,
      dcor: correlations[index]?.dcor ?? null,
      pValue: permutations > 0 && !skip[index] ? (1 + exceedances[index]!) / (1 + permutations) : permutations > 0 ? 1 : null,
      rows: used,
      droppedRows: table.rowCount - used,
      warnings: featureWarnings[index]!,
    };
  });
  return miReport({ table, target, unit, k, permutations, seed }, results, warnings, estimator === 'lnc' ? { estimator } : {});
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

/** The report's warnings: its own, then each feature's prefixed by the feature's name, each once. */
export function reportWarnings(warnings: string[], results: MiFeatureResult[]): string[] {
  return [...warnings, ...results.flatMap((result) => result.warnings.map((warning) => `${result.name}: ${warning}`))].filter(
    (warning, index, all) => all.indexOf(warning) === index,
  );
}

export type { ColumnKind };
